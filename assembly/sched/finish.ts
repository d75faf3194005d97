// finish.ts: ending a fiber, done or failed.
//
// Model: `finish` is the one way a fiber ends. It runs in the trampoline (the fiber's
// entry returned) or from a failure (fail.ts), never in the fiber: the record leaves every
// structure it was on, its saved block is freed, the host learns of a host-spawned fiber,
// its scope of a member, and its joiners wake in the order they joined.
//
// Threads build: the state change, the live list, the end of `main` and the joiners'
// wake-up happen under the scheduler lock (lock.ts), which `join` holds from its check of
// the target's state until the trampoline has published the joiner on the list: a joiner
// is either seen on the list here or sees the fiber ended. The end of `main` ends the run
// for every thread (runq.ts `endAll`).
//
// Invariants: after `finish` the fiber is Done or Failed, off the run queue, the live list,
// every wait list and the timer heap, and has no saved block; `S.mainEnd` is set once,
// when `main` ends, and `run` reports it once.

import { FiberState, Outcome, Rec, HOST_SPAWNED } from "../record";
import { S } from "../state";
import { traceOn, traceEnd, WakeCause } from "../trace";
import { Saved } from "../stack";
import { TimerHeap } from "../timer";
import { memberEnded } from "../scopecore";
import { hostFiberEnded } from "../interop";
import { liveRemove, mainAddress } from "./live";
import { wakeFirst } from "./wait";
import { lockSched, unlockSched } from "./lock";
import { endAll, END_MAIN } from "./runq";

export function finish(f: usize, state: FiberState): void {
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    finishShared(f, state);
    return;
  }
  Rec.setState(f, state);
  if (traceOn) traceEnd(f, state);
  releaseEnded(f);
  liveRemove(f);
  if (f == mainAddress()) S.setMainEnd(true);
  let scope = Rec.scope(f);
  if (scope != 0) memberEnded(scope, f);
  // wake joiners in join order
  let joiners = Rec.joiners(f);
  if (joiners != 0) {
    while (wakeFirst(joiners, Outcome.Ok, WakeCause.Join, f) != 0) {}
  }
}

/** What every end of a fiber lets go of first: its timer, the host's wait for it, its saved block. */
// @ts-ignore: decorator
@inline function releaseEnded(f: usize): void {
  let timer = Rec.timer(f);
  if (timer != 0) TimerHeap.cancel(timer);
  if (Rec.flags(f) & HOST_SPAWNED) hostFiberEnded(f);
  let saved = Rec.saved(f);
  if (saved != 0) {
    S.addSavedBytes(0 - <u32>Saved.capacity(saved));
    heap.free(saved);
    Rec.setSaved(f, 0);
  }
}

/** `finish` in the threads build (see the top of this file). */
function finishShared(f: usize, state: FiberState): void {
  if (traceOn) traceEnd(f, state);
  releaseEnded(f);
  lockSched();
  Rec.setState(f, state);
  liveRemove(f);
  let joiners = Rec.joiners(f);
  if (joiners != 0) {
    while (wakeFirst(joiners, Outcome.Ok, WakeCause.Join, f) != 0) {}
  }
  unlockSched();
  let scope = Rec.scope(f);
  if (scope != 0) memberEnded(scope, f);
  if (f == mainAddress()) endAll(END_MAIN);
}
