// timer.ts: every pending deadline of the program, in a sorted queue and a binary heap.
//
// The model. Time lives in wasm: a fiber that sleeps, or blocks with a deadline, or a
// timer that is running (ticker.ts), has one entry here keyed by its deadline on the host
// clock (platform.ts). The scheduler (scheduler.ts `fireTimers`) takes the entries that
// are due whenever it runs out of ready fibers, and once at every entry from the host;
// when nothing is ready and entries remain, `run` returns Waiting and the host arms
// exactly one host timer for `nextDeadline()`. So the host never keeps more than one
// timer, however many fibers sleep, and an idle program costs no CPU.
//
// Two structures hold the entries, and the earlier of their two heads fires first:
//
//   queue  a ring buffer sorted by construction: an entry whose deadline is not earlier
//          than the last one appended goes to its tail. Fibers that sleep the same time,
//          or arm timeouts of the same length, arrive in deadline order, so almost every
//          timer of a typical program lands here: O(1) to arm, O(1) to fire, and an
//          entry never moves, so its owner's back-pointer is written once.
//   heap   a binary min-heap for the rest (a deadline earlier than the queue's tail).
//
// Entry layout (16 bytes, the same in both):
//
//   ┌────────────────┬───────────┬──────────────────────────────┐
//   │ deadline (f64) │ seq (u32) │ target (u32)                 │
//   │ host clock, ms │ arm order │ fiber record, or timer | 1   │
//   └────────────────┴───────────┴──────────────────────────────┘
//
// Entries order by deadline, then by seq: timers with the same deadline fire in the order
// they were armed (fibers spawned in order and sleeping equally long wake in spawn order).
// Each target records where its entry is (`Fiber._timer`, `Timer._timer`), so that a
// timer is cancelled at once when its fiber is woken by something else first: a receive
// that succeeds before its timeout leaves nothing behind in the heap (taken out,
// O(log n)), and only a tombstone in the queue (target 0: it no longer points at the
// fiber, whose record may be freed), swept when the queue is compacted.
//
//   back-pointer (u32):  0            no entry
//                        QUEUED | p   queue position p (mod 2^31; slot = p & mask)
//                        i + 1        heap index i
//
// Invariants (checked by `check`, which the tests call):
//   - queue: live entries in (deadline, seq) order from head to tail;
//   - heap order: no entry is earlier than its parent;
//   - back-pointers: the target of every live entry records exactly where it is.
//
// Rejected designs:
//   - The heap alone: popping 100,000 sleepers costs 17 levels of sift each, and every
//     swap rewrites two fibers' back-pointers, records scattered across memory: most of
//     the time of a sleep-heavy program, measured.
//   - A timer wheel: deadlines here are floating-point ms with no fixed tick, and a wheel
//     coarse enough to be cheap wakes fibers up to a tick late (or early).
//   - Lazy deletion in the heap (leave a cancelled entry, skip it when it fires): the
//     entry still names the fiber, whose record may be freed and reused by then.
//   - One host timer per sleep (setTimeout per fiber): a JS call per sleep and 100,000
//     host timers for 100,000 sleepers.

import { Fiber } from "./fiber";
import { Timer } from "./ticker";

/** Low bit of an entry's target: the target is a Timer, not a fiber. */
// @ts-ignore: decorator
@inline export const TICKER_TAG: usize = 1;
/** Back-pointer flag: the entry is in the queue. */
// @ts-ignore: decorator
@inline const QUEUED: u32 = 0x8000_0000;

// @ts-ignore: decorator
@inline const ENTRY_SIZE: usize = 16;

let nextSeq: u32 = 0;

// ─── entries ────────────────────────────────────────────────────────────────────────────

// @ts-ignore: decorator
@inline function deadlineOf(e: usize): f64 { return load<f64>(e); }
// @ts-ignore: decorator
@inline function seqOf(e: usize): u32 { return load<u32>(e, 8); }
// @ts-ignore: decorator
@inline function targetOf(e: usize): usize { return <usize>load<u32>(e, 12); }

/** Does entry `a` fire before entry `b`? By deadline, then in arm order (seq may wrap). */
// @ts-ignore: decorator
@inline function before(a: usize, b: usize): bool {
  let da = deadlineOf(a);
  let db = deadlineOf(b);
  return da < db || (da == db && <i32>(seqOf(a) - seqOf(b)) < 0);
}

/** Records back-pointer `where` in the entry's target. */
// @ts-ignore: decorator
@inline function setWhere(target: usize, where: u32): void {
  if (target & TICKER_TAG) store<u32>(target & ~TICKER_TAG, where, offsetof<Timer>("_timer"));
  else store<u32>(target, where, offsetof<Fiber>("_timer"));
}

// @ts-ignore: decorator
@inline function whereOf(target: usize): u32 {
  return target & TICKER_TAG ? load<u32>(target & ~TICKER_TAG, offsetof<Timer>("_timer")) : load<u32>(target, offsetof<Fiber>("_timer"));
}

// ─── the sorted queue ───────────────────────────────────────────────────────────────────

let ring: usize = 0;
/** Slots in the ring (a power of two), or 0. */
let ringSize: u32 = 0;
/** Positions of the first and one past the last entry (mod 2^31). */
let qHead: u32 = 0;
let qTail: u32 = 0;
/** Live (not tombstoned) entries in the queue. */
let qLive: u32 = 0;
/** Deadline of the last entry appended: the queue takes deadlines from here on. */
let qLast: f64 = -Infinity;

// @ts-ignore: decorator
@inline function slot(pos: u32): usize {
  return ring + (<usize>(pos & (ringSize - 1)) << 4);
}

// @ts-ignore: decorator
@inline function qLength(): u32 {
  return (qTail - qHead) & ~QUEUED;
}

function qAppend(deadline: f64, seq: u32, target: usize): void {
  if (qLength() == ringSize) qGrow();
  let pos = qTail;
  let e = slot(pos);
  store<f64>(e, deadline);
  store<u32>(e, seq, 8);
  store<u32>(e, <u32>target, 12);
  qTail = (pos + 1) & ~QUEUED;
  qLive++;
  qLast = deadline;
  setWhere(target, QUEUED | pos);
}

/** Drops tombstones at the head; returns the first live entry, or 0. */
function qFirst(): usize {
  while (qHead != qTail) {
    let e = slot(qHead);
    if (targetOf(e) != 0) return e;
    qHead = (qHead + 1) & ~QUEUED;
  }
  return 0;
}

function qGrow(): void {
  let size = ringSize != 0 ? ringSize << 1 : 256;
  let next = heap.alloc(<usize>size << 4);
  // entries keep their positions, so no back-pointer changes
  let newMask = size - 1;
  for (let pos = qHead; pos != qTail; pos = (pos + 1) & ~QUEUED) {
    memory.copy(next + (<usize>(pos & newMask) << 4), slot(pos), ENTRY_SIZE);
  }
  if (ring != 0) heap.free(ring);
  ring = next;
  ringSize = size;
}

/** Moves the live entries together when tombstones outnumber them (amortized O(1)). */
function qCompact(): void {
  let write = qHead;
  for (let pos = qHead; pos != qTail; pos = (pos + 1) & ~QUEUED) {
    let e = slot(pos);
    let target = targetOf(e);
    if (target == 0) continue;
    if (pos != write) {
      memory.copy(slot(write), e, ENTRY_SIZE);
      setWhere(target, QUEUED | write);
    }
    write = (write + 1) & ~QUEUED;
  }
  qTail = write;
}

// ─── the heap ───────────────────────────────────────────────────────────────────────────

let entries: usize = 0;
let count: u32 = 0;
let capacity: u32 = 0;

// @ts-ignore: decorator
@inline function at(i: u32): usize {
  return entries + (<usize>i << 4);
}

function swap(i: u32, j: u32): void {
  let a = at(i);
  let b = at(j);
  let d = load<f64>(a);
  let seq = load<u32>(a, 8);
  let target = load<u32>(a, 12);
  memory.copy(a, b, ENTRY_SIZE);
  store<f64>(b, d);
  store<u32>(b, seq, 8);
  store<u32>(b, target, 12);
  setWhere(targetOf(a), i + 1);
  setWhere(target, j + 1);
}

function siftUp(i: u32): u32 {
  while (i > 0) {
    let parent = (i - 1) >> 1;
    if (!before(at(i), at(parent))) break;
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
    if (right < count && before(at(right), at(left))) least = right;
    if (!before(at(least), at(i))) break;
    swap(i, least);
    i = least;
  }
}

function hPush(deadline: f64, seq: u32, target: usize): void {
  if (count == capacity) hGrow();
  let i = count++;
  let e = at(i);
  store<f64>(e, deadline);
  store<u32>(e, seq, 8);
  store<u32>(e, <u32>target, 12);
  setWhere(target, i + 1);
  siftUp(i);
}

function hRemove(index: u32): void {
  setWhere(targetOf(at(index)), 0);
  let last = --count;
  if (index == last) return;
  memory.copy(at(index), at(last), ENTRY_SIZE);
  setWhere(targetOf(at(index)), index + 1);
  if (siftUp(index) == index) siftDown(index);
}

function hGrow(): void {
  let next = capacity != 0 ? capacity << 1 : 64;
  let block = heap.alloc(<usize>next << 4);
  if (entries != 0) {
    memory.copy(block, entries, <usize>count << 4);
    heap.free(entries);
  }
  entries = block;
  capacity = next;
}

// ─── the timers ─────────────────────────────────────────────────────────────────────────

export namespace TimerHeap {
  /** Number of pending timers. */
  // @ts-ignore: decorator
  @inline export function size(): u32 {
    return qLive + count;
  }

  /** Arms a timer for `target` (a fiber record, or a Timer | TICKER_TAG) at `deadline`. */
  export function push(deadline: f64, target: usize): void {
    let seq = nextSeq++;
    if (deadline >= qLast || qLive == 0) {
      if (qLive == 0) {
        // an empty queue (tombstones only) starts over at any deadline
        qHead = qTail;
      }
      qAppend(deadline, seq, target);
    } else {
      hPush(deadline, seq, target);
    }
  }

  /** Disarms the timer whose back-pointer is `where` (a target's `_timer`, non-zero). */
  export function cancel(where: u32): void {
    if (where & QUEUED) {
      let e = slot(where & ~QUEUED);
      setWhere(targetOf(e), 0);
      store<u32>(e, 0, 12); // a tombstone
      qLive--;
      let length = qLength();
      if (length > 64 && qLive < (length >> 1)) qCompact();
    } else {
      hRemove(where - 1);
    }
  }

  /** The earliest deadline (host clock, ms), or +Infinity when no timer is pending. */
  export function nextDeadline(): f64 {
    let q = qLive != 0 ? qFirst() : 0;
    let d = q != 0 ? deadlineOf(q) : Infinity;
    if (count != 0 && deadlineOf(at(0)) < d) d = deadlineOf(at(0));
    return d;
  }

  /** Takes the earliest entry if it is due at `now`; returns its target, or 0. */
  export function popDue(now: f64): usize {
    let q = qLive != 0 ? qFirst() : 0;
    if (count != 0 && (q == 0 || before(at(0), q))) {
      if (deadlineOf(at(0)) > now) return 0;
      let target = targetOf(at(0));
      hRemove(0);
      return target;
    }
    if (q == 0 || deadlineOf(q) > now) return 0;
    let target = targetOf(q);
    setWhere(target, 0);
    qHead = (qHead + 1) & ~QUEUED;
    qLive--;
    return target;
  }

  /** Checks the invariants above (tests; O(n)). */
  export function check(): bool {
    let live: u32 = 0;
    let previous: usize = 0;
    for (let pos = qHead; pos != qTail; pos = (pos + 1) & ~QUEUED) {
      let e = slot(pos);
      let target = targetOf(e);
      if (target == 0) continue;
      live++;
      if (previous != 0 && before(e, previous)) return false;
      if (whereOf(target) != (QUEUED | pos)) return false;
      previous = e;
    }
    if (live != qLive) return false;
    for (let i: u32 = 0; i < count; i++) {
      if (i > 0 && before(at(i), at((i - 1) >> 1))) return false;
      if (whereOf(targetOf(at(i))) != i + 1) return false;
    }
    return true;
  }
}
