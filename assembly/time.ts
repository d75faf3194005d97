// time.ts: the clock, sleeping and deadlines: the time API of fibers.
//
//   sleep(100);                               // this fiber only; the others run
//   const t0 = now();                         // ms since the program started
//
//   // a deadline covers every blocking operation the fiber makes until it is cleared:
//   const previous = setDeadline(now() + 250);
//   const msg = requests.recv();
//   if (outcome() == Outcome.TimedOut) console.log("no request within 250 ms");
//   setDeadline(previous);
//
//   // or per operation: ch.recvTimeout(250), mu.lockTimeout(50), wg.waitTimeout(1000), ...
//
// Times are milliseconds as f64 (fractions are kept) on a monotonic clock that starts at 0
// when the program starts. A fiber never wakes before its time; it wakes later by at most
// the host timer's resolution plus the time the fibers ready ahead of it take to run.
//
// Why a per-fiber deadline rather than a timeout parameter on every operation: it gives
// every blocking operation, present and future (channels, select, mutex, semaphore, wait
// group, cond, join, host calls), its deadline variant through one check where fibers
// block (sched/wait.ts `mayBlock`), at no cost to operations without one (the check shares
// the cancellation flag test). The `...Timeout(ms)` methods of the primitives are sugar
// over it (`beginTimeout` and `endTimeout` below).

import { Outcome } from "./record";
import { hostNow } from "./platform";
import { sleepUntilHost, sleepForHost, setDeadlineHost, deadlineHost } from "./sched/sleep";

/** Host clock at program start: `now()` counts from here. */
let epoch: f64 = hostNow();

/** A host-clock time as `now()` gives it. */
export function sinceStart(hostTime: f64): f64 {
  return hostTime - epoch;
}

/** Milliseconds since the program started (monotonic, fractional). */
// @ts-ignore: decorator
@inline export function now(): f64 {
  return hostNow() - epoch;
}

/**
 * Blocks the calling fiber for `ms` milliseconds; the other fibers run meanwhile.
 * `sleep(0)` (or less) yields once. Returns Ok, Cancelled (its scope was cancelled), or
 * TimedOut (its deadline came first).
 */
// @ts-ignore: decorator
@inline export function sleep(ms: f64): Outcome {
  return sleepForHost(ms);
}

/** Blocks the calling fiber until `now()` reaches `time`; as `sleep` otherwise. */
// @ts-ignore: decorator
@inline export function sleepUntil(time: f64): Outcome {
  let until = time + epoch;
  return sleepUntilHost(until, until <= hostNow());
}

/**
 * Sets the calling fiber's deadline, in `now()`'s clock (Infinity clears it): every
 * blocking operation it makes then returns TimedOut once the deadline has passed.
 * Returns the previous deadline, for the caller to restore.
 */
export function setDeadline(time: f64): f64 {
  let previous = setDeadlineHost(time < Infinity ? time + epoch : Infinity);
  return previous < Infinity ? previous - epoch : Infinity;
}

/** The calling fiber's deadline in `now()`'s clock, or Infinity. */
export function deadline(): f64 {
  let d = deadlineHost();
  return d < Infinity ? d - epoch : Infinity;
}

/**
 * Narrows the calling fiber's deadline to at most `ms` from now; returns the previous one
 * (host clock) for `endTimeout`. The primitives' `...Timeout` methods use this pair.
 */
export function beginTimeout(ms: f64): f64 {
  let previous = deadlineHost();
  let until = hostNow() + (ms > 0 ? ms : 0);
  setDeadlineHost(until < previous ? until : previous);
  return previous;
}

/** Restores the deadline `beginTimeout` returned. */
export function endTimeout(previous: f64): void {
  setDeadlineHost(previous);
}
