// fire.ts: firing the timers that are due.
//
// Model: timer.ts keeps every pending deadline; the trampoline (run.ts) calls `fireTimers`
// at every entry from the host and whenever the run queue is empty. A sleeping fiber
// wakes with Ok, a fiber blocked past its deadline is taken off what it waits on and
// wakes with TimedOut, a Timer or Ticker sends the time on its channel (ticker.ts).
//
// Invariants: a fiber already woken by its operation ignores its timer (its entry is
// cancelled as it is dispatched, run.ts); timers that fire together wake their fibers in
// deadline order, ties in arm order.

import { FiberState, Outcome, Rec, SLEEPING } from "../record";
import { TimerHeap, TICKER_TAG } from "../timer";
import { tickerFired } from "../ticker";
import { enqueue } from "./runqueue";
import { detachWaiting } from "./wait";
import { traceOn, traceWake, WakeCause } from "../trace";

/** Fires every timer due at `now` (host clock). */
export function fireTimers(now: f64): void {
  let target: usize;
  while ((target = TimerHeap.popDue(now)) != 0) {
    if (target & TICKER_TAG) {
      tickerFired(target & ~TICKER_TAG, now);
      continue;
    }
    let f = target;
    if (Rec.state(f) != FiberState.Blocked) continue;
    if (Rec.waitList(f) == SLEEPING) {
      Rec.setWaitList(f, 0);
      Rec.setOutcome(f, Outcome.Ok);
    } else {
      detachWaiting(f);
      Rec.setOutcome(f, Outcome.TimedOut);
    }
    if (traceOn) traceWake(f, 0, WakeCause.Timer);
    enqueue(f);
  }
}

/** The earliest pending deadline (host clock, ms), or +Infinity. */
export function nextDeadline(): f64 {
  return TimerHeap.nextDeadline();
}
