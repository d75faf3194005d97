// finish.ts: ending a fiber, done or failed.
//
// Model: `finish` is the one way a fiber ends. It runs in the trampoline (the fiber's
// entry returned) or from a failure (fail.ts), never in the fiber: the record leaves every
// structure it was on, its saved block is freed, the host learns of a host-spawned fiber,
// its scope of a member, and its joiners wake in the order they joined.
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

export function finish(f: usize, state: FiberState): void {
  Rec.setState(f, state);
  if (traceOn) traceEnd(f, state);
  let timer = Rec.timer(f);
  if (timer != 0) TimerHeap.cancel(timer);
  if (Rec.flags(f) & HOST_SPAWNED) hostFiberEnded(f);
  let saved = Rec.saved(f);
  if (saved != 0) {
    S.setSavedBytes(S.savedBytes() - <u32>Saved.capacity(saved));
    heap.free(saved);
    Rec.setSaved(f, 0);
  }
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
