// runq.ts: the M:N run queues of the threads build (the threads build): one ring per
// thread, the injection queue, finding work, and idle threads parking and waking.
// Compiled only into the threads build: every caller guards its call with
// `isDefined(WEFT_THREADS)`; the default build keeps runqueue.ts's linked FIFO.
//
// Model (Go's runtime/proc.go: runqput, runqget, runqsteal, globrunqget, wakep; the
// shared design notes verified the ring's protocol with 2M items and 1-3 thieves):
//   - Ring: each thread owns a ring of RING fiber addresses in shared memory. The owner
//     pushes at the tail and takes from the head, so a thread runs its fibers in FIFO
//     order; a thief takes half of another thread's ring from the head, and only an idle
//     thief steals, into its own (empty) ring. The head moves only by compare-and-swap
//     (the owner's take and a thief's steal race for the same slots: the CAS decides); the
//     tail is written only by the owner. A full ring moves half of itself, plus the new
//     fiber, to the injection queue (`putSlow`, Go's runqputslow).
//   - Injection queue: one list through the records' `next` links under a small lock, for
//     a full ring's overflow (and, in step 2's next part, wake-ups from the host thread).
//     A thread takes from it every 61st dispatch even when its own ring is not empty (Go's
//     `schedtick % 61`), so nothing on it starves; when its ring is empty it takes a batch.
//   - Finding work, in order: the injection queue on every 61st dispatch, the own ring, the
//     injection queue, stealing from the other rings (starting at a varying victim), then
//     idle (`idle`).
//   - Idle: a thread spins a while re-checking for work (a wake-up costs tens of µs against
//     a switch's tens of ns), then counts itself idle, marks its wake word PARKED, looks
//     once more, and returns RunStatus.Parked to its host, which sleeps on the wake word
//     (host/node/threads.ts: `Atomics.wait`). Why return to the host rather than wait in
//     wasm (`memory.atomic.wait32`): a browser page's main thread and Node's main thread
//     must not block (the page traps, Node's event loop would stop delivering timers, I/O
//     and the workers' messages); returning lets each host park the way its thread can
//     (a worker `Atomics.wait`s, a main thread `Atomics.waitAsync`s), and the collector
//     then counts the parked thread as idle through the host's world bracket
//     (`__weft_world_leave`) without another protocol. It costs one return to the host per
//     park, which the wake-up's tens of µs dwarf.
//   - Waking (Go's wakep): a thread that queues a fiber while some thread is idle moves
//     one PARKED wake word to WOKEN (a CAS: one waker wins), uncounts it and notifies it.
//     It does so when the fiber is more than the waker will run next itself: always from a
//     running fiber (a spawn, a wake-up), and from the trampoline (a yield, a join's
//     wake-up at an end) only when the ring holds more than that fiber. A yield loop on
//     one thread therefore does not bounce between threads through wake-ups.
//   - End: `main` ending (finish.ts) or the last thread going idle with nothing queued (a
//     deadlock) sets the END word once and wakes every parked thread; every thread's
//     trampoline returns at its next turn (MainEnded or Idle), and the host stops it.
//
// Invariants:
//   - a fiber is in at most one ring slot range [head, tail) or on the injection queue,
//     and only while Ready; a thread that takes one claims it by moving its state from
//     Ready to Running with a CAS (run.ts), so a fiber taken twice is an internal error
//     reported at once, not two threads resuming one fiber;
//   - only fibers whose frames are saved (or that never ran) are queued: the trampoline
//     publishes after the save (suspend.ts), so no thread can rewind a half-saved fiber;
//   - no lost wake-up: a queuer pushes, then reads IDLE; an idler adds itself to IDLE,
//     stores PARKED, then looks for work. With sequentially consistent atomics either the
//     queuer sees the idler PARKED and wakes it (or another idler, who steals), or the
//     idler's look sees the fiber;
//   - IDLE counts threads between `idle`'s increment and their wake-up (by a waker, who
//     decrements it, or by `unpark`); a deadlock is declared only when IDLE equals the
//     number of scheduler threads and nothing is queued anywhere: every thread is idle,
//     so no one can queue anything any more. An idler that sees work leaves IDLE before it
//     takes the work, so the last idler can never miss work another idler is about to take.
//
// Shared words (SCHED), who writes them and when:
//   0  injLock   i32  injPut, injGet (lockWord: held for a few loads and stores)
//   4  injCount  u32  injPut, injGet (under the lock; read without it as a hint)
//   8  injHead   addr injPut, injGet (under the lock)
//   12 injTail   addr injPut, injGet (under the lock)
//   16 idle      i32  idle (+1), wakeOne/wakeAll/unpark (-1)
//   20 threads   i32  the host, once before the threads start (`setSchedThreads`)
//   24 scan      i32  the host, with `threads`: ring indices to look at (0 to scan-1)
//   28 end       i32  finish (END_MAIN), idle (END_DEADLOCK): set once, never cleared
//   32 schedLock i32  join, finish, spawn's live-list insertion (lock.ts `lockSched`)
//   36 failLock  i32  fail.ts (the failure queue: the words 40-52, under this lock)
//   40 failBuf   addr fail.ts: a raw array of pinned Failure addresses (heap.alloc)
//   44 failCap   u32  its capacity
//   48 failHead  u32  the next to take
//   52 failTail  u32  the next free entry
// Ring i at RINGS + i * RING_STRIDE:
//   0  head  u32  the owner's take (CAS), thieves (CAS), putSlow (CAS)
//   4  tail  u32  the owner only (push, steal into its own ring)
//   8  wake  i32  its thread (PARKED in idle, RUNNING in unpark), wakers (PARKED → WOKEN)
//   64 slots RING fiber addresses, indexed by head/tail modulo RING

import { FiberState, Rec, F_STATE, fiberLabel } from "../record";
import { T } from "../state";
import { RunStatus } from "../layout";
import { lockWord, unlockWord } from "../rt/lock";

// @ts-ignore: decorator
@inline const RING: u32 = 256;
// @ts-ignore: decorator
@inline const MASK: u32 = RING - 1;
// @ts-ignore: decorator
@inline const R_HEAD: usize = 0;
// @ts-ignore: decorator
@inline const R_TAIL: usize = 4;
// @ts-ignore: decorator
@inline const R_WAKE: usize = 8;
// @ts-ignore: decorator
@inline const R_SLOTS: usize = 64;
// @ts-ignore: decorator
@inline const RING_STRIDE: usize = R_SLOTS + (<usize>RING << 2);
/** Threads a ring table has room for (rt/heap.ts MAX_THREADS, the host's limit). */
// @ts-ignore: decorator
@inline export const SCHED_MAX_THREADS: i32 = 64;

// @ts-ignore: decorator
@inline const INJ_LOCK: usize = 0;
// @ts-ignore: decorator
@inline const INJ_COUNT: usize = 4;
// @ts-ignore: decorator
@inline const INJ_HEAD: usize = 8;
// @ts-ignore: decorator
@inline const INJ_TAIL: usize = 12;
// @ts-ignore: decorator
@inline const IDLE: usize = 16;
// @ts-ignore: decorator
@inline const THREADS: usize = 20;
// @ts-ignore: decorator
@inline const SCAN: usize = 24;
// @ts-ignore: decorator
@inline const END: usize = 28;
// @ts-ignore: decorator
@inline export const SCHED_LOCK: usize = 32;
// @ts-ignore: decorator
@inline export const FAIL_LOCK: usize = 36;
// @ts-ignore: decorator
@inline export const FAIL_BUF: usize = 40;
// @ts-ignore: decorator
@inline export const FAIL_CAP: usize = 44;
// @ts-ignore: decorator
@inline export const FAIL_HEAD: usize = 48;
// @ts-ignore: decorator
@inline export const FAIL_TAIL: usize = 52;

/** A wake word's states. */
// @ts-ignore: decorator
@inline const RUNNING: i32 = 0;
// @ts-ignore: decorator
@inline export const PARKED: i32 = 1;
// @ts-ignore: decorator
@inline const WOKEN: i32 = 2;

/** The END word: the program is over for every thread. */
// @ts-ignore: decorator
@inline export const END_MAIN: i32 = 1;
// @ts-ignore: decorator
@inline export const END_DEADLOCK: i32 = 2;

/** Rounds of looking for work before an idle thread parks. */
// @ts-ignore: decorator
@inline const SPIN_ROUNDS: i32 = 2000;

// @ts-ignore: decorator
@lazy export const SCHED: usize = memory.data(64, 64);
// @ts-ignore: decorator
@lazy const RINGS: usize = memory.data(<i32>RING_STRIDE * SCHED_MAX_THREADS, 64);

// @ts-ignore: decorator
@inline function ring(i: i32): usize {
  return RINGS + <usize>i * RING_STRIDE;
}

// @ts-ignore: decorator
@inline function slot(r: usize, i: u32): usize {
  return r + R_SLOTS + ((<usize>(i & MASK)) << 2);
}

/** The host, once, before any thread runs the scheduler: `threads` scheduler threads, ring indices 0 to `scan`-1. */
export function setSchedThreads(threads: i32, scan: i32): void {
  atomic.store<i32>(SCHED, threads, THREADS);
  atomic.store<i32>(SCHED, min(scan, SCHED_MAX_THREADS), SCAN);
}

/** Scheduler threads (0 before the host said: then nothing runs on threads yet). */
// @ts-ignore: decorator
@inline export function schedThreads(): i32 {
  return atomic.load<i32>(SCHED, THREADS);
}

/** The address of thread `index`'s wake word, on which its host parks it. */
export function wakeWord(index: i32): usize {
  return ring(index) + R_WAKE;
}

/** The END word (0 while the program runs). */
// @ts-ignore: decorator
@inline export function ended(): i32 {
  return atomic.load<i32>(SCHED, END);
}

/** Ends the program for every thread with `why` (END_*), once; wakes every parked thread. */
export function endAll(why: i32): void {
  if (atomic.cmpxchg<i32>(SCHED, 0, why, END) == 0) wakeAll();
}

// ─── the ring ───────────────────────────────────────────────────────────────────────────

/** Puts the Ready fiber `f` at the tail of this thread's ring (the overflow to the injection queue). */
export function runqPut(f: usize): void {
  let r = ring(T.index());
  let len: u32 = 0;
  while (true) {
    let h = atomic.load<u32>(r, R_HEAD);
    let t = atomic.load<u32>(r, R_TAIL);
    if (t - h < RING) {
      atomic.store<u32>(slot(r, t), <u32>f);
      atomic.store<u32>(r, t + 1, R_TAIL);
      len = t + 1 - h;
      break;
    }
    if (putSlow(r, f, h, t)) {
      len = RING;
      break;
    }
  }
  // the waker runs `f` next itself when it is alone on the ring and no fiber runs here
  if (atomic.load<i32>(SCHED, IDLE) > 0 && (len > 1 || T.current() != 0)) wakeOne();
}

/** A full ring: moves its older half and `f` to the injection queue. False if thieves moved the head meanwhile. */
function putSlow(r: usize, f: usize, h: u32, t: u32): bool {
  let n = (t - h) >> 1;
  if (n != RING / 2) abort("internal: run queue ring inconsistent");
  if (atomic.cmpxchg<u32>(r, h, h + n, R_HEAD) != h) return false;
  // the slots [h, h + n) are ours now: only the owner writes slots
  let first = <usize>atomic.load<u32>(slot(r, h));
  let last = first;
  for (let i: u32 = 1; i < n; i++) {
    let g = <usize>atomic.load<u32>(slot(r, h + i));
    Rec.setNext(last, g);
    last = g;
  }
  Rec.setNext(last, f);
  injPut(first, f, n + 1);
  return true;
}

/** Takes the fiber at the head of this thread's ring, or 0. */
// @ts-ignore: decorator
@inline function runqGet(r: usize): usize {
  while (true) {
    let h = atomic.load<u32>(r, R_HEAD);
    let t = atomic.load<u32>(r, R_TAIL);
    if (t == h) return 0;
    let f = atomic.load<u32>(slot(r, h));
    if (atomic.cmpxchg<u32>(r, h, h + 1, R_HEAD) == h) return <usize>f;
  }
  return 0;
}

/**
 * Steals half of ring `v` (rounded up) into this thread's empty ring `r`; returns one of
 * the stolen fibers to run now (the rest are on `r`), or 0 if `v` was empty.
 */
function stealFrom(v: usize, r: usize): usize {
  let t = atomic.load<u32>(r, R_TAIL);
  let n: u32 = 0;
  while (true) {
    let h = atomic.load<u32>(v, R_HEAD);
    let vt = atomic.load<u32>(v, R_TAIL);
    n = vt - h;
    n = n - (n >> 1);
    if (n == 0) return 0;
    // read a head older than the tail: the owner moved on, read again
    if (n > RING / 2) continue;
    for (let i: u32 = 0; i < n; i++) {
      atomic.store<u32>(slot(r, t + i), atomic.load<u32>(slot(v, h + i)));
    }
    // @ts-ignore: WEFT_STEAL_NO_CAS is a test hook (asc --use): the negative control of tests/threadsched.test.ts
    if (isDefined(WEFT_STEAL_NO_CAS)) {
      atomic.store<u32>(v, h + n, R_HEAD);
      break;
    }
    // the owner or another thief may have taken some of them: then try again
    if (atomic.cmpxchg<u32>(v, h, h + n, R_HEAD) == h) break;
  }
  n--;
  let f = <usize>atomic.load<u32>(slot(r, t + n));
  if (n != 0) atomic.store<u32>(r, t + n, R_TAIL);
  return f;
}

/** Fibers on thread `i`'s ring (a snapshot). */
// @ts-ignore: decorator
@inline function ringLength(i: i32): u32 {
  let r = ring(i);
  return atomic.load<u32>(r, R_TAIL) - atomic.load<u32>(r, R_HEAD);
}

// ─── the injection queue ────────────────────────────────────────────────────────────────

/** Appends the `n` fibers linked from `first` to `last` through `next`. */
export function injPut(first: usize, last: usize, n: u32): void {
  Rec.setNext(last, 0);
  lockWord(SCHED + INJ_LOCK);
  let tail = load<usize>(SCHED, INJ_TAIL);
  if (tail != 0) Rec.setNext(tail, first);
  else store<usize>(SCHED, first, INJ_HEAD);
  store<usize>(SCHED, last, INJ_TAIL);
  atomic.store<u32>(SCHED, load<u32>(SCHED, INJ_COUNT) + n, INJ_COUNT);
  unlockWord(SCHED + INJ_LOCK);
}

/**
 * Takes the injection queue's first fiber to run now; with `batch` (this thread's ring
 * is empty) also a fair share of the rest (count / threads + 1, at most half a ring) onto
 * this thread's ring. 0 if it is empty.
 */
function injGet(batch: bool): usize {
  if (atomic.load<u32>(SCHED, INJ_COUNT) == 0) return 0;
  lockWord(SCHED + INJ_LOCK);
  let count = load<u32>(SCHED, INJ_COUNT);
  if (count == 0) {
    unlockWord(SCHED + INJ_LOCK);
    return 0;
  }
  let n: u32 = 1;
  if (batch) n = min(count, min(count / <u32>max(schedThreads(), 1) + 1, RING / 2));
  let f = load<usize>(SCHED, INJ_HEAD);
  let p = Rec.next(f);
  let r = ring(T.index());
  let t = atomic.load<u32>(r, R_TAIL);
  for (let i: u32 = 1; i < n; i++) {
    // the ring is empty and n is at most half of it: the slots are free
    atomic.store<u32>(slot(r, t), <u32>p);
    t++;
    p = Rec.next(p);
  }
  store<usize>(SCHED, p, INJ_HEAD);
  if (p == 0) store<usize>(SCHED, 0, INJ_TAIL);
  atomic.store<u32>(SCHED, count - n, INJ_COUNT);
  unlockWord(SCHED + INJ_LOCK);
  if (n > 1) atomic.store<u32>(r, t, R_TAIL);
  Rec.setNext(f, 0);
  return f;
}

// ─── finding work ───────────────────────────────────────────────────────────────────────

/** The next fiber for this thread to run (see the top of this file), or 0 if none is anywhere. */
export function findRunnable(): usize {
  let me = T.index();
  let r = ring(me);
  let f: usize;
  if (<u32>T.switches() % 61 == 0) {
    f = injGet(false);
    if (f != 0) return f;
  }
  f = runqGet(r);
  if (f != 0) return f;
  f = injGet(true);
  if (f != 0) return f;
  let scan = atomic.load<i32>(SCHED, SCAN);
  let start = <i32>(<u32>T.switches() % <u32>max(scan, 1));
  for (let i = 0; i < scan; i++) {
    let v = start + i;
    if (v >= scan) v -= scan;
    if (v == me) continue;
    f = stealFrom(ring(v), r);
    if (f != 0) return f;
  }
  return 0;
}

/** Is there a fiber queued anywhere (a snapshot)? */
function workVisible(): bool {
  if (atomic.load<u32>(SCHED, INJ_COUNT) != 0) return true;
  let scan = atomic.load<i32>(SCHED, SCAN);
  for (let i = 0; i < scan; i++) {
    if (ringLength(i) != 0) return true;
  }
  return false;
}

/**
 * Claims fiber `f`, just taken from a queue, for this thread: Ready → Running. Another
 * thread holding the same fiber is an internal error (the queues' invariant).
 */
// @ts-ignore: decorator
@inline export function claim(f: usize): void {
  if (atomic.cmpxchg<u8>(f + F_STATE, <u8>FiberState.Ready, <u8>FiberState.Running) != <u8>FiberState.Ready) takenTwice(f);
}

function takenTwice(f: usize): void {
  abort("internal: fiber " + fiberLabel(f) + " taken from a run queue while " + (Rec.state(f) == FiberState.Running ? "running" : "not ready") + ": two threads hold it");
}

// ─── idle and wake-ups ──────────────────────────────────────────────────────────────────

/**
 * This thread found no work: spins a while, then parks. Returns -1 to look for work
 * again (some appeared, or the program ended: also when this was the last thread to go
 * idle with nothing queued, a deadlock, which the END word now says to everyone), or
 * RunStatus.Parked for the host to sleep on the wake word.
 */
export function idle(): i32 {
  for (let i = 0; i < SPIN_ROUNDS; i++) {
    if (workVisible() || ended() != 0) return -1;
  }
  let w = wakeWord(T.index());
  let idlers = atomic.add<i32>(SCHED, 1, IDLE) + 1;
  atomic.store<i32>(w, PARKED);
  if (workVisible() || ended() != 0) {
    unpark();
    return -1;
  }
  if (idlers >= schedThreads()) {
    // the trampoline returns at its next turn, as every other thread does
    endAll(END_DEADLOCK);
    unpark();
    return -1;
  }
  return RunStatus.Parked;
}

/** This thread runs again (back from its host's wait, or it found work before parking). */
export function unpark(): void {
  let w = wakeWord(T.index());
  let state = atomic.load<i32>(w);
  if (state == RUNNING) return;
  // PARKED: nobody woke it, so it uncounts itself; WOKEN: its waker did
  if (state == PARKED && atomic.cmpxchg<i32>(w, PARKED, RUNNING) == PARKED) atomic.sub<i32>(SCHED, 1, IDLE);
  else atomic.store<i32>(w, RUNNING);
}

/** Wakes one parked thread, if any (Go's wakep). */
function wakeOne(): void {
  let scan = atomic.load<i32>(SCHED, SCAN);
  let me = T.index();
  for (let i = 0; i < scan; i++) {
    if (i == me) continue;
    let w = wakeWord(i);
    if (atomic.load<i32>(w) == PARKED && atomic.cmpxchg<i32>(w, PARKED, WOKEN) == PARKED) {
      atomic.sub<i32>(SCHED, 1, IDLE);
      atomic.notify(w, 1);
      return;
    }
  }
}

/** Wakes every parked thread (the program ended). */
function wakeAll(): void {
  let scan = atomic.load<i32>(SCHED, SCAN);
  for (let i = 0; i < scan; i++) {
    let w = wakeWord(i);
    if (atomic.load<i32>(w) == PARKED && atomic.cmpxchg<i32>(w, PARKED, WOKEN) == PARKED) {
      atomic.sub<i32>(SCHED, 1, IDLE);
      atomic.notify(w, 1);
    }
  }
}

/** Fibers queued on every ring and the injection queue (a snapshot, for the counters). */
export function queuedCount(): u32 {
  let n = atomic.load<u32>(SCHED, INJ_COUNT);
  let scan = atomic.load<i32>(SCHED, SCAN);
  for (let i = 0; i < scan; i++) n += ringLength(i);
  return n;
}
