// runqueue.ts: the run queue, the fibers ready to run, in FIFO order.
//
// Model: a singly linked FIFO through the fibers' `next` link, rooted in the shared record
// (state.ts `S`: head and tail; wasm globals, state.ts says why). The queue is the chain
// from the head to the tail, and no further: a link out of the tail is not part of it.
// `dequeue` takes the head for the trampoline. A fiber joins in two phases:
//
//   prepareReady(f): f Ready, f.next = 0, tail.next = f     (the tail stays: f not queued)
//   publishReady(f): tail = f (head = f if the queue was empty)      (f is queued now)
//
// `enqueue` does both at once (a wake-up: the woken fiber's frames are already saved). A
// yield or a preemption prepares its own fiber in the primitive and the trampoline
// publishes it after the save (suspend.ts): the publication is one store to the queue's
// tail, and the fiber is on the queue only from then on. With threads, this is the
// owner's push of a per-thread ring (docs/THREADS.md): the slot first, then the index
// that makes it visible.
//
//         head                         tail
//          │                            │
//         ┌▼───┐   ┌────┐   ┌────┐   ┌──▼─┐   ┌────┐
//         │ f3 ├──►│ f7 ├──►│ f1 ├──►│ f9 ├──►│ f2 │   prepared, not queued
//         └────┘   └────┘   └────┘   └────┘   └────┘
//          └──────── queued: Ready ───────┘
//
// Invariants:
//   - a fiber is on the run queue iff its state is Ready, and at most once (checked on
//     every enqueue and prepare: queueing a Ready fiber again is an internal error); the
//     exception is a prepared fiber, Ready from its primitive until the trampoline
//     publishes it (or drops it, if it fails while suspending: fail.ts);
//   - nothing is queued between a prepare and its publication (the unwind runs no program
//     code; the trampoline saves, then publishes): checked in debug builds, where a
//     publication finds its own link out of the tail;
//   - FIFO: `yieldNow` puts the caller at the tail, so N fibers that yield in a loop run
//     in strict round robin;
//   - only fibers whose frames are saved (or that never ran) are queued: the trampoline
//     publishes a suspending fiber after `save` (suspend.ts), never the primitive; nothing
//     follows a link out of the tail (`dequeue` stops at the tail, and so do the walks).
//
// The threads build (BuildOptions.threads) replaces this queue by one ring per thread,
// an injection queue and stealing (runq.ts): `enqueue` and `readyCount` switch on
// WEFT_THREADS at compile time, so the default build keeps exactly this code; the
// trampoline takes work there with `findRunnable`. A ring measured 8-14% slower than this
// list on the thread ring benchmark with one thread (docs/PERFORMANCE.md), hence two
// queues.
//
// Rejected:
//   - The whole insertion in the trampoline (what it was): three stores into two records
//     after the fiber's frames returned made a depth-0 switch 10-14% slower than queueing
//     in the primitive, for the same instructions (docs/PERFORMANCE.md).
//   - A ring of fiber addresses for M:1: a yield's publication is one store there too,
//     but the thread ring benchmark, whose wake-ups queue inside the fibers' own code,
//     ran 8-14% slower.
//   - Managed (GC-tracked) links: a write barrier on every switch. The live list keeps
//     fibers alive instead (live.ts); the queue only points at live fibers.

import { FiberState, Rec, fiberLabel } from "../record";
import { S } from "../state";
import { runqPut, queuedCount } from "./runq";

/** Puts `f` at the tail of the run queue and makes it Ready: both phases at once. */
// @ts-ignore: decorator
@inline export function enqueue(f: usize): void {
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    // a queued fiber is Ready; queueing it again would corrupt the queue
    if (Rec.state(f) == FiberState.Ready) queuedTwice(f);
    Rec.setState(f, FiberState.Ready);
    runqPut(f);
    return;
  }
  // the tail the prepare read: inline in fibers' code, one read of it
  if (prepareReady(f) == 0) S.setRunHead(f);
  S.setRunTail(f);
}

/**
 * The first phase of queueing `f`: makes it Ready and links it out of the tail, where no
 * `dequeue` sees it until `publishReady(f)`. Nothing else may be queued in between.
 * Returns the tail (0: the queue is empty).
 */
// @ts-ignore: decorator
@inline export function prepareReady(f: usize): usize {
  // the threads build's ring is pushed in one piece, after the save (`publishReady`)
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) return 0;
  // a queued fiber is Ready; queueing it again would corrupt the queue
  if (Rec.state(f) == FiberState.Ready) queuedTwice(f);
  Rec.setState(f, FiberState.Ready);
  Rec.setNext(f, 0);
  let tail = S.runTail();
  if (tail != 0) Rec.setNext(tail, f);
  return tail;
}

/** The second phase: `f`, prepared last, is on the queue from now on. */
// @ts-ignore: decorator
@inline export function publishReady(f: usize): void {
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    enqueue(f);
    return;
  }
  let tail = S.runTail();
  // @ts-ignore: WEFT_DEBUG is defined by `weft build --debug` (asc --use), unknown to TypeScript
  if (isDefined(WEFT_DEBUG)) checkPrepared(f, tail);
  if (tail == 0) S.setRunHead(f);
  S.setRunTail(f);
}

/** Debug builds: `f` is Ready and still linked out of the tail (nothing was queued since its prepare). */
function checkPrepared(f: usize, tail: usize): void {
  if (Rec.state(f) != FiberState.Ready || (tail != 0 && Rec.next(tail) != f)) {
    abort("internal: fiber " + fiberLabel(f) + " published without its prepare, or after another fiber was queued");
  }
}

function queuedTwice(f: usize): void {
  abort("internal: fiber " + fiberLabel(f) + " queued twice");
}

/** Takes the fiber at the head of the run queue, or 0 if none is ready. */
// @ts-ignore: decorator
@inline export function dequeue(): usize {
  let f = S.runHead();
  if (f != 0) {
    // the tail ends the queue, whatever its link says (a fiber prepared, or one dropped)
    if (f == S.runTail()) {
      S.setRunHead(0);
      S.setRunTail(0);
    } else {
      S.setRunHead(Rec.next(f));
    }
    Rec.setNext(f, 0);
  }
  return f;
}

/** The fiber after `p` on the run queue, or 0 after the tail. */
// @ts-ignore: decorator
@inline export function queuedAfter(p: usize): usize {
  return p == S.runTail() ? 0 : Rec.next(p);
}

/** Fibers on the run queue (walks it: read with the counters, never on the switch path). */
export function readyCount(): u32 {
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) return queuedCount();
  let n: u32 = 0;
  for (let p = S.runHead(); p != 0; p = queuedAfter(p)) n++;
  return n;
}
