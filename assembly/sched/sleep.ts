// sleep.ts: sleeping, and the running fiber's deadline.
//
// Model: a sleeping fiber waits on no list, only on its timer (`waitList == SLEEPING`).
// `sleep(ms)` does not read the clock: the sleeps of one scheduler slice are kept on the
// thread's pending list (state.ts `T.sleepHead`) and `flushSleeps` arms them together, at
// that moment's time + each one's `ms`, when the slice ends, the run queue empties or the
// work counter runs out (slice.ts). A
// sleep is so never early, and late at most by what the fibers after it in the slice
// ran; 100,000 sleeps cost a handful of clock reads instead of 100,000 (a read through
// the host import costs about 40 ns). `sleepUntil` and deadlines are absolute: their
// timer is armed when the fiber is published (suspend.ts), after its frames are saved.
//
// Invariants:
//   - a pending sleeper is Blocked, SLEEPING, on the pending list (linked through `next`,
//     free: it is on no queue or list) with its `ms` in `deadline` (free: it has no
//     deadline, else it takes `sleepSlow`);
//   - the pending list is per thread and empty whenever the thread leaves `run`.

import { Outcome, Rec, CANCELLED, HAS_DEADLINE, SLEEPING } from "../record";
import { T } from "../state";
import { hostNow } from "../platform";
import { misuse } from "../failure";
import { TimerHeap } from "../timer";
import { yieldNow, park, willWake } from "./suspend";
import { schedThreads } from "./runq";

/**
 * Blocks the running fiber until the host clock reaches `until` (or its deadline, if
 * earlier: then TimedOut). Returns Ok, Cancelled or TimedOut. A time already past (or
 * `past`, when the caller knows) yields once instead, so `sleep(0)` lets the other ready
 * fibers run.
 */
// @ts-ignore: decorator
@inline export function sleepUntilHost(until: f64, past: bool): Outcome {
  // inline, so that a sleeping fiber saves only its own frame (as block() does); what
  // is not the common case goes out of line
  let f = T.current();
  if (f == 0 || past || (Rec.flags(f) & (CANCELLED | HAS_DEADLINE))) return sleepSlow(until, past);
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) timersOnThreads();
  Rec.setWaitList(f, SLEEPING);
  willWake(until);
  park();
  return Rec.outcome(f); // Ok from the timer, or Cancelled
}

/** Blocks the running fiber for `ms` (> 0) from now, or from a little later (see above). */
// @ts-ignore: decorator
@inline export function sleepForHost(ms: f64): Outcome {
  let f = T.current();
  if (f == 0 || !(ms > 0) || ms == Infinity || (Rec.flags(f) & (CANCELLED | HAS_DEADLINE))) {
    return sleepSlow(ms > 0 ? hostNow() + ms : 0, !(ms > 0));
  }
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) timersOnThreads();
  Rec.setDeadline(f, ms);
  Rec.setNext(f, 0);
  let tail = T.sleepTail();
  if (tail != 0) Rec.setNext(tail, f);
  else T.setSleepHead(f);
  T.setSleepTail(f);
  Rec.setWaitList(f, SLEEPING);
  park();
  return Rec.outcome(f); // Ok from the timer, or Cancelled
}

/** `flushSleeps` at the clock's time, read only if a sleep is pending. */
export function armPendingSleeps(): void {
  if (T.sleepHead() != 0) flushSleeps(hostNow());
}

/** Arms the pending sleeps at `now` (the host clock) + each one's `ms`, in the order they slept. */
export function flushSleeps(now: f64): void {
  let p = T.sleepHead();
  if (p == 0) return;
  T.setSleepHead(0);
  T.setSleepTail(0);
  while (p != 0) {
    let next = Rec.next(p);
    Rec.setNext(p, 0);
    let ms = Rec.deadline(p);
    Rec.setDeadline(p, 0);
    TimerHeap.push(now + ms, p);
    p = next;
  }
}

/**
 * Threads build: timers are one heap per program that only one thread may touch so far
 * (docs/THREADS.md, step 2's next part); with more than one scheduler thread a sleep
 * fails its fiber with that said, rather than racing on the heap.
 */
function timersOnThreads(): void {
  if (schedThreads() > 1) misuse("sleep() and timers cannot run on more than one thread yet (docs/THREADS.md): run this program on one thread");
}

/** `sleepUntilHost` outside a fiber, for a time already past, cancelled, or with a deadline. */
function sleepSlow(until: f64, past: bool): Outcome {
  let f = T.current();
  if (f == 0) misuse("sleep() called outside a fiber");
  let flags = Rec.flags(f);
  if (flags & CANCELLED) {
    Rec.setOutcome(f, Outcome.Cancelled);
    return Outcome.Cancelled;
  }
  let result = Outcome.Ok;
  if ((flags & HAS_DEADLINE) && Rec.deadline(f) < until) {
    until = Rec.deadline(f);
    result = Outcome.TimedOut;
  }
  if (past || until <= hostNow()) {
    yieldNow();
    Rec.setOutcome(f, result);
    return result;
  }
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) timersOnThreads();
  Rec.setWaitList(f, SLEEPING);
  willWake(until);
  park();
  let woke = Rec.outcome(f);
  if (woke == Outcome.Ok) {
    Rec.setOutcome(f, result);
    return result;
  }
  return woke;
}

/**
 * Sets the running fiber's deadline (host clock, ms; +Infinity clears it): from then on
 * every blocking operation it starts returns TimedOut once the deadline passes. Returns
 * the previous deadline, for the caller to restore.
 */
export function setDeadlineHost(deadline: f64): f64 {
  let f = T.current();
  if (f == 0) misuse("a deadline can only be set inside a fiber");
  let flags = Rec.flags(f);
  let previous = flags & HAS_DEADLINE ? Rec.deadline(f) : Infinity;
  if (deadline < Infinity) {
    Rec.setDeadline(f, deadline);
    Rec.setFlags(f, flags | HAS_DEADLINE);
  } else {
    Rec.setDeadline(f, 0);
    Rec.setFlags(f, flags & ~HAS_DEADLINE);
  }
  return previous;
}

/** The running fiber's deadline (host clock), or +Infinity. */
export function deadlineHost(): f64 {
  let f = T.current();
  return f != 0 && (Rec.flags(f) & HAS_DEADLINE) ? Rec.deadline(f) : Infinity;
}
