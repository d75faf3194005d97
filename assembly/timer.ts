// timer.ts: every pending deadline of the program, in a sorted queue and a binary heap.
//
// The model. Time lives in wasm: a fiber that sleeps, or blocks with a deadline, or a
// timer that is running (ticker.ts), has one entry here keyed by its deadline on the host
// clock (platform.ts). The scheduler (sched/fire.ts `fireTimers`) takes the entries that
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
//   heap   a 4-ary min-heap for the rest (a deadline earlier than the queue's tail).
//
// Entry layout (16 bytes in both; the heap's last word is a handle, see the heap below):
//
//   ┌────────────────┬───────────┬────────────────────────────────────────────┐
//   │ deadline (f64) │ seq (u32) │ target (u32): fiber record, or timer | 1   │
//   │ host clock, ms │ arm order │ heap: handle, owner[handle] is the target  │
//   └────────────────┴───────────┴────────────────────────────────────────────┘
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
//                        h + 1        heap handle h (its entry's index: position[h])
//
// Invariants (checked by `check`, which the tests call):
//   - queue: live entries in (deadline, seq) order from head to tail;
//   - heap order: no entry is earlier than its parent;
//   - back-pointers: the target of every live entry records exactly where it is.
//
// Rejected designs:
//   - The heap alone, with back-pointers in the records: popping 100,000 sleepers cost 17
//     levels of sift each, and every swap rewrote two fibers' back-pointers, records
//     scattered across memory: most of the time of a sleep-heavy program, measured.
//   - A timer wheel: deadlines here are floating-point ms with no fixed tick, and a wheel
//     coarse enough to be cheap wakes fibers up to a tick late (or early).
//   - Lazy deletion in the heap (leave a cancelled entry, skip it when it fires): the
//     entry still names the fiber, whose record may be freed and reused by then.
//   - One host timer per sleep (setTimeout per fiber): a JS call per sleep and 100,000
//     host timers for 100,000 sleepers.

import { F_TIMER } from "./record";

/** Offset of a Timer's back-pointer (ticker.ts `Timer._timer`, checked there at compile time). */
// @ts-ignore: decorator
@inline export const TIMER_WHERE: usize = 0;
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
  if (target & TICKER_TAG) store<u32>(target & ~TICKER_TAG, where, TIMER_WHERE);
  else store<u32>(target, where, F_TIMER);
}

// @ts-ignore: decorator
@inline function whereOf(target: usize): u32 {
  return target & TICKER_TAG ? load<u32>(target & ~TICKER_TAG, TIMER_WHERE) : load<u32>(target, F_TIMER);
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
//
// A 4-ary min-heap (half the levels of a binary one; the four children of a node share a
// cache line) of entries whose last word is a handle, not the target: a handle indexes two
// dense side arrays, where the entry sits now and whose timer it is. A sift then moves
// entries and updates positions in those arrays only, instead of writing into fiber records
// scattered across memory (which made popping 100,000 random deadlines most of a
// program's time, measured). Handles of popped entries are reused through a free list
// threaded through `position`.

let entries: usize = 0;
let count: u32 = 0;
let capacity: u32 = 0;
/** Per handle: the entry's heap index (or, when free, the next free handle + 1). */
let position: usize = 0;
/** Per handle: the entry's target. */
let owner: usize = 0;
let handles: u32 = 0;
let freeHandle: u32 = 0; // handle + 1, or 0

// @ts-ignore: decorator
@inline function at(i: u32): usize {
  return entries + (<usize>i << 4);
}

// @ts-ignore: decorator
@inline function handleOf(e: usize): u32 {
  return load<u32>(e, 12);
}

/** The heap index of handle `handle`'s entry (or, for a free handle, the next free + 1). */
// @ts-ignore: decorator
@inline function positionOf(handle: u32): u32 {
  return load<u32>(position + (<usize>handle << 2));
}

// @ts-ignore: decorator
@inline function setPosition(handle: u32, i: u32): void {
  store<u32>(position + (<usize>handle << 2), i);
}

// @ts-ignore: decorator
@inline function ownerOf(handle: u32): usize {
  return <usize>load<u32>(owner + (<usize>handle << 2));
}

/** Moves the entry at `from` (its 16 bytes) to index `to`, recording its new position. */
// @ts-ignore: decorator
@inline function place(to: u32, from: usize): void {
  let e = at(to);
  memory.copy(e, from, ENTRY_SIZE);
  setPosition(handleOf(e), to);
}

/** Scratch for the entry being sifted (a hole moves instead of swapping at every level). */
// @ts-ignore: decorator
@lazy const moving: usize = memory.data(16, 8);

/** Sifts the entry at `i` up; returns where it ends. */
function siftUp(i: u32): u32 {
  if (i == 0) return 0;
  memory.copy(moving, at(i), ENTRY_SIZE);
  let start = i;
  while (i > 0) {
    let parent = (i - 1) >> 2;
    if (!before(moving, at(parent))) break;
    place(i, at(parent));
    i = parent;
  }
  if (i != start) place(i, moving);
  return i;
}

function siftDown(i: u32): void {
  memory.copy(moving, at(i), ENTRY_SIZE);
  let start = i;
  while (true) {
    let first: u32 = 4 * i + 1;
    if (first >= count) break;
    let least = first;
    let end = first + 4 < count ? first + 4 : count;
    for (let c = first + 1; c < end; c++) {
      if (before(at(c), at(least))) least = c;
    }
    if (!before(at(least), moving)) break;
    place(i, at(least));
    i = least;
  }
  if (i != start) place(i, moving);
}

function newHandle(target: usize): u32 {
  let handle: u32;
  if (freeHandle != 0) {
    handle = freeHandle - 1;
    freeHandle = positionOf(handle);
  } else {
    if (handles == capacity) hGrow();
    handle = handles++;
  }
  store<u32>(owner + (<usize>handle << 2), <u32>target);
  return handle;
}

function freeHandleOf(handle: u32): void {
  setPosition(handle, freeHandle);
  freeHandle = handle + 1;
}

function hPush(deadline: f64, seq: u32, target: usize): void {
  let handle = newHandle(target);
  if (count == capacity) hGrow();
  let i = count++;
  let e = at(i);
  store<f64>(e, deadline);
  store<u32>(e, seq, 8);
  store<u32>(e, handle, 12);
  setPosition(handle, i);
  setWhere(target, handle + 1);
  siftUp(i);
}

/** Takes out the entry at heap index `index`; returns its target (its back-pointer cleared). */
function hRemove(index: u32): usize {
  let handle = handleOf(at(index));
  let target = ownerOf(handle);
  setWhere(target, 0);
  freeHandleOf(handle);
  let last = --count;
  if (index != last) {
    place(index, at(last));
    if (siftUp(index) == index) siftDown(index);
  }
  return target;
}

/** Doubles the heap array and the handle arrays together (handles never outnumber entries' capacity). */
function hGrow(): void {
  let next = capacity != 0 ? capacity << 1 : 64;
  entries = regrow(entries, <usize>count << 4, <usize>next << 4);
  position = regrow(position, <usize>handles << 2, <usize>next << 2);
  owner = regrow(owner, <usize>handles << 2, <usize>next << 2);
  capacity = next;
}

function regrow(block: usize, used: usize, size: usize): usize {
  let next = heap.alloc(size);
  if (block != 0) {
    memory.copy(next, block, used);
    heap.free(block);
  }
  return next;
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
      hRemove(positionOf(where - 1));
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
      return hRemove(0);
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
      if (i > 0 && before(at(i), at((i - 1) >> 2))) return false;
      let handle = handleOf(at(i));
      if (positionOf(handle) != i) return false;
      if (whereOf(ownerOf(handle)) != handle + 1) return false;
    }
    return true;
  }
}
