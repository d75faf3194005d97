// runqueue.ts: the run queue, the fibers ready to run, in FIFO order.
//
// Model: a singly linked FIFO through the fibers' `next` link, rooted in the shared record
// (state.ts `S`: head and tail; wasm globals, state.ts says why). `enqueue`
// puts a fiber at the tail and makes it Ready; `dequeue` takes the head for the
// trampoline. Nothing is ever taken out of the middle: the running fiber is never on it
// (no primitive queues its caller, suspend.ts), so a failing fiber is not either.
//
// Invariants:
//   - a fiber is on the run queue iff its state is Ready, and at most once (checked on
//     every push: queueing a Ready fiber again is an internal error);
//   - FIFO: `yieldNow` puts the caller at the tail, so N fibers that yield in a loop run
//     in strict round robin;
//   - only fibers whose frames are saved (or that never ran) are queued: the trampoline
//     publishes a suspending fiber after `save` (suspend.ts), never the primitive.
//
// The threads build (`weft build --threads`) replaces this queue by one ring per thread,
// an injection queue and stealing (runq.ts): `enqueue` and `readyCount` switch on
// WEFT_THREADS at compile time, so the default build keeps exactly this code; the
// trampoline takes work there with `findRunnable`. A ring measured 8-14% slower than this
// list on the thread ring benchmark with one thread (docs/PERFORMANCE.md), hence two
// queues.
//
// Rejected: managed (GC-tracked) links: a write barrier on every switch. The live list
// keeps fibers alive instead (live.ts); the queue only points at live fibers.

import { FiberState, Rec, fiberLabel } from "../record";
import { S } from "../state";
import { runqPut, queuedCount } from "./runq";

/** Puts `f` at the tail of the run queue and makes it Ready. */
// @ts-ignore: decorator
@inline export function enqueue(f: usize): void {
  // a queued fiber is Ready; queueing it again would corrupt the queue
  if (Rec.state(f) == FiberState.Ready) queuedTwice(f);
  Rec.setState(f, FiberState.Ready);
  // @ts-ignore: WEFT_THREADS is defined by `weft build --threads` (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    runqPut(f);
    return;
  }
  Rec.setNext(f, 0);
  let tail = S.runTail();
  if (tail != 0) Rec.setNext(tail, f);
  else S.setRunHead(f);
  S.setRunTail(f);
}

function queuedTwice(f: usize): void {
  abort("internal: fiber " + fiberLabel(f) + " queued twice");
}

/** Takes the fiber at the head of the run queue, or 0 if none is ready. */
// @ts-ignore: decorator
@inline export function dequeue(): usize {
  let f = S.runHead();
  if (f != 0) {
    let next = Rec.next(f);
    S.setRunHead(next);
    if (next == 0) S.setRunTail(0);
    Rec.setNext(f, 0);
  }
  return f;
}

/** Fibers on the run queue (walks it: read with the counters, never on the switch path). */
export function readyCount(): u32 {
  // @ts-ignore: WEFT_THREADS is defined by `weft build --threads` (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) return queuedCount();
  let n: u32 = 0;
  for (let p = S.runHead(); p != 0; p = Rec.next(p)) n++;
  return n;
}
