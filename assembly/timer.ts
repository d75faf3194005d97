// timer.ts: the timer heap, every pending deadline of the program in one binary min-heap.
//
// The model. Time lives in wasm: a fiber that sleeps, or blocks with a deadline, or a
// ticker that is running, has one entry here keyed by its deadline on the host clock
// (platform.ts). The scheduler (scheduler.ts `fireTimers`) pops the entries that are due
// whenever it runs out of ready fibers, and once at every entry from the host; when
// nothing is ready and entries remain, `run` returns Waiting and the host arms exactly one
// host timer for `nextDeadline()`. So the host never keeps more than one timer, however
// many fibers sleep, and an idle program costs no CPU.
//
// Entry layout (16 bytes, in one raw array that doubles as it fills):
//
//   ┌────────────────┬───────────┬──────────────────────────────┐
//   │ deadline (f64) │ seq (u32) │ target (u32)                 │
//   │ host clock, ms │ arm order │ fiber record, or ticker | 1  │
//   └────────────────┴───────────┴──────────────────────────────┘
//
// Entries order by deadline, then by seq: timers with the same deadline fire in the order
// they were armed (fibers spawned in order and sleeping equally long wake in spawn order).
// Each target records its entry's index + 1 (`Fiber._timer`, `Timer._timer`), kept
// up to date by every move, so that a timer is taken out in O(log n) when its fiber is
// woken by something else first: a channel receive that succeeds before its timeout leaves
// no stale entry behind.
//
// Invariants (debug assertions below):
//   - heap order: no entry is earlier than its parent;
//   - index: the target of entry i records i + 1; a target records 0 when it has no entry.
//
// Rejected designs:
//   - A timer wheel: O(1) insert, but deadlines here are floating-point ms with no fixed
//     tick, and a wheel coarse enough to be cheap wakes fibers up to a tick late (or early).
//     100,000 sleepers cost 17 levels of sift per insert and removal, well under a switch.
//   - Lazy deletion (leave the entry, ignore it when it fires): needs a generation per
//     fiber to tell a stale entry from a newer one, and a fiber that keeps receiving with a
//     timeout in a busy loop grows the heap with dead entries until each one expires.
//   - One host timer per sleep (setTimeout per fiber): a JS call per sleep and 100,000
//     host timers for 100,000 sleepers.

import { Fiber } from "./fiber";
import { Timer } from "./ticker";

/** Low bit of an entry's target: the target is a ticker, not a fiber. */
// @ts-ignore: decorator
@inline export const TICKER_TAG: usize = 1;

// @ts-ignore: decorator
@inline const ENTRY_SIZE: usize = 16;

let entries: usize = 0;
let count: u32 = 0;
let capacity: u32 = 0;
let nextSeq: u32 = 0;

// @ts-ignore: decorator
@inline function at(i: u32): usize {
  return entries + (<usize>i << 4);
}

// @ts-ignore: decorator
@inline function deadlineAt(i: u32): f64 {
  return load<f64>(at(i));
}

/** Does entry `a` fire before entry `b`? By deadline, then in arm order (seq may wrap). */
// @ts-ignore: decorator
@inline function before(a: u32, b: u32): bool {
  let da = load<f64>(at(a));
  let db = load<f64>(at(b));
  return da < db || (da == db && <i32>(load<u32>(at(a), 8) - load<u32>(at(b), 8)) < 0);
}

/** Records `index` (+1; 0 = none) in the entry's target. */
// @ts-ignore: decorator
@inline function setIndex(target: usize, index: u32): void {
  if (target & TICKER_TAG) store<u32>(target & ~TICKER_TAG, index, offsetof<Timer>("_timer"));
  else store<u32>(target, index, offsetof<Fiber>("_timer"));
}

function swap(i: u32, j: u32): void {
  let a = at(i);
  let b = at(j);
  let d = load<f64>(a);
  let seq = load<u32>(a, 8);
  let target = load<u32>(a, 12);
  store<f64>(a, load<f64>(b));
  store<u32>(a, load<u32>(b, 8), 8);
  store<u32>(a, load<u32>(b, 12), 12);
  store<f64>(b, d);
  store<u32>(b, seq, 8);
  store<u32>(b, target, 12);
  setIndex(load<u32>(a, 12), i + 1);
  setIndex(target, j + 1);
}

function siftUp(i: u32): u32 {
  while (i > 0) {
    let parent = (i - 1) >> 1;
    if (!before(i, parent)) break;
    swap(i, parent);
    i = parent;
  }
  return i;
}

function siftDown(i: u32): void {
  while (true) {
    let left: u32 = 2 * i + 1;
    if (left >= count) break;
    let least = left;
    let right: u32 = left + 1;
    if (right < count && before(right, left)) least = right;
    if (!before(least, i)) break;
    swap(i, least);
    i = least;
  }
}

export namespace TimerHeap {
  /** Number of pending timers. */
  // @ts-ignore: decorator
  @inline export function size(): u32 {
    return count;
  }

  /** The earliest deadline (host clock, ms), or +Infinity when no timer is pending. */
  export function nextDeadline(): f64 {
    return count != 0 ? deadlineAt(0) : Infinity;
  }

  /** Arms a timer for `target` (a fiber record, or a ticker | TICKER_TAG) at `deadline`. */
  export function push(deadline: f64, target: usize): void {
    if (count == capacity) grow();
    let i = count++;
    let e = at(i);
    store<f64>(e, deadline);
    store<u32>(e, nextSeq++, 8);
    store<u32>(e, <u32>target, 12);
    setIndex(target, i + 1);
    siftUp(i);
  }

  /** Takes out the entry at `index` (its target's recorded index - 1). */
  export function remove(index: u32): void {
    assert(index < count, "timer index out of range");
    setIndex(load<u32>(at(index), 12), 0);
    let last = --count;
    if (index == last) return;
    memory.copy(at(index), at(last), ENTRY_SIZE);
    setIndex(load<u32>(at(index), 12), index + 1);
    if (siftUp(index) == index) siftDown(index);
  }

  /** Pops the earliest entry if it is due at `now`; returns its target, or 0. */
  export function popDue(now: f64): usize {
    if (count == 0 || deadlineAt(0) > now) return 0;
    let target = <usize>load<u32>(at(0), 12);
    remove(0);
    return target;
  }

  /** Debug check of both invariants (tests call it through the ABI in debug builds). */
  export function check(): bool {
    for (let i: u32 = 0; i < count; i++) {
      if (i > 0 && before(i, (i - 1) >> 1)) return false;
      let target = <usize>load<u32>(at(i), 12);
      let recorded = target & TICKER_TAG
        ? load<u32>(target & ~TICKER_TAG, offsetof<Timer>("_timer"))
        : load<u32>(target, offsetof<Fiber>("_timer"));
      if (recorded != i + 1) return false;
    }
    return true;
  }
}

function grow(): void {
  let next = capacity != 0 ? capacity << 1 : 64;
  let block = heap.alloc(<usize>next << 4);
  if (entries != 0) {
    memory.copy(block, entries, <usize>count << 4);
    heap.free(entries);
  }
  entries = block;
  capacity = next;
}
