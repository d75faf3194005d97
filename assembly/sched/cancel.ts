// cancel.ts: cancelling fibers (scopecore.ts decides who; this does it).
//
// Model: cancellation is a flag in the fiber record (CANCELLED) that every blocking path
// checks before it parks (wait.ts `mayBlock`), so it cannot be lost; a fiber blocked now
// is taken off what it waits on at once and made ready with outcome Cancelled.
//
// Invariant: a cancelled fiber never blocks again (operations that can complete without
// blocking still complete).

import { Outcome, FiberState, Rec, CANCELLED } from "../record";
import { enqueue } from "./runqueue";
import { liveFirst } from "./live";
import { detachWaiting } from "./wait";
import { T } from "../state";
import { traceOn, traceWake, WakeCause } from "../trace";

/**
 * Cancels the fiber at `f`: from now on its blocking operations return Cancelled, and if
 * it is blocked now it is taken off what it waits on and made ready with outcome
 * Cancelled. Cancelling twice, or an ended fiber, does nothing.
 */
export function cancelFiber(f: usize): void {
  let flags = Rec.flags(f);
  if (Rec.state(f) >= FiberState.Done || (flags & CANCELLED)) return;
  Rec.setFlags(f, flags | CANCELLED);
  if (Rec.state(f) != FiberState.Blocked) return;
  detachWaiting(f);
  Rec.setOutcome(f, Outcome.Cancelled);
  if (traceOn) traceWake(f, T.current(), WakeCause.Cancel);
  enqueue(f);
}

/**
 * Cancels every live fiber that is a member of the scope at `scope`. A plain loop over
 * the live list, not a callback: an indirect call here would make asyncify instrument
 * every function on the way (`finish` included, on every fiber exit).
 */
export function cancelMembers(scope: usize): void {
  let p = liveFirst();
  while (p != 0) {
    let next = Rec.liveNext(p);
    if (Rec.scope(p) == scope) cancelFiber(p);
    p = next;
  }
}
