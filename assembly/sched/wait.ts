// wait.ts: blocking on wait lists, waking, select firing, and taking a fiber off what it
// waits on.
//
// Model: every blocking primitive is built the same way (sync/waitlist.ts): `block(list)`
// records that the running fiber goes on the list (suspend.ts publishes it there once it
// is saved), records on the fiber which list it waits on, and parks; `wakeOne(list,
// outcome)` / `wakeAll` take fibers off, store the outcome in the fiber record and make
// them ready. Ownership is handed over by the waker before it wakes (a Mutex's next owner,
// a Semaphore's permits, a channel's value), so a woken fiber never competes again.
//
// A fiber's deadline and cancellation are checked in one place, `mayBlock`, behind one
// flag test, so operations without them pay nothing.
//
// Invariants:
//   - a Blocked fiber's `waitList` is the list it is on (or its select, tagged, or
//     SLEEPING, or 0 for a bare `park`); waking or detaching clears it;
//   - every block ends in exactly one wake (stats: wakes = blocks - blocked).

import { Outcome, FiberState, Rec, CANCELLED, HAS_DEADLINE, SLEEPING, stateName, fiberLabel } from "../record";
import { T, PUBLISH_SELECT } from "../state";
import { hostNow } from "../platform";
import { misuse } from "../failure";
import { Waiters, WaitList, WaitKind, WaitNode, SelectState, NODE_TAG, unlinkSelect, describeSelect } from "../sync/waitlist";
import { enqueue } from "./runqueue";
import { park, suspend, willWaitOn, willWake } from "./suspend";
import { armPendingSleeps } from "./sleep";
import { traceOn, traceWake, WakeCause } from "../trace";

/**
 * Blocks the running fiber on the WaitList at address `list` until a waker passes it to
 * `wakeOne`/`wakeAll`; returns the outcome the waker gave. `@inline`, so that a primitive
 * calling it parks directly (one frame less to save on every switch). Lists travel as
 * raw addresses: see `Waiters` in sync/waitlist.ts.
 */
// @ts-ignore: decorator
@inline export function block(list: usize, cancellable: bool = true): Outcome {
  let f = T.current();
  if (enterWaitList(f, list, cancellable)) park();
  return Rec.outcome(f);
}

/**
 * The blocking half of a suspend primitive that waits on a wait list (the channel
 * operations in sync/channel.ts: their whole operation then runs uninstrumented). Records
 * that the running fiber `f` goes on the list at `list` and begins the unwind: the
 * primitive must return at once when this returns true. False, with the fiber's outcome
 * saying why (Cancelled, TimedOut), if it must not block.
 */
// @ts-ignore: decorator
@inline export function suspendOn(f: usize, list: usize): bool {
  if (!enterWaitList(f, list, true)) return false;
  suspend(f);
  return true;
}

/**
 * Records that the running fiber `f`, about to block, goes on the wait list at `list`.
 * False, with `f`'s outcome saying why (Cancelled, TimedOut), if a `cancellable` wait
 * must not begin.
 */
// @ts-ignore: decorator
@inline function enterWaitList(f: usize, list: usize, cancellable: bool): bool {
  if (f == 0) blockedOutside();
  let at: f64 = 0;
  if (cancellable && (Rec.flags(f) & (CANCELLED | HAS_DEADLINE))) {
    at = mayBlock(f);
    if (at < 0) return false;
  }
  Rec.setWaitList(f, list);
  willWaitOn(at);
  return true;
}

function blockedOutside(): void {
  misuse("a blocking operation was called outside a fiber");
}

/**
 * For a fiber about to block that is cancelled or has a deadline: -1 if it must not block
 * (its outcome says why: Cancelled, or TimedOut when the deadline has passed); otherwise
 * the deadline its timer must be armed at (0: none). The one place where every blocking
 * operation gets its deadline variant.
 */
export function mayBlock(f: usize): f64 {
  let flags = Rec.flags(f);
  if (flags & CANCELLED) {
    Rec.setOutcome(f, Outcome.Cancelled);
    return -1;
  }
  if (flags & HAS_DEADLINE) {
    let deadline = Rec.deadline(f);
    if (deadline <= hostNow()) {
      Rec.setOutcome(f, Outcome.TimedOut);
      return -1;
    }
    return deadline;
  }
  return 0;
}

/** Wakes the first fiber of the list at `list` with `outcome`; returns it, or 0 if none. */
// @ts-ignore: decorator
@inline export function wakeOne(list: usize, outcome: Outcome): usize {
  return wakeFirst(list, outcome, WakeCause.Op, T.current());
}

/** `wakeOne`, telling a trace who woke the fiber and why (`waker` may have ended: a join). */
// @ts-ignore: decorator
@inline export function wakeFirst(list: usize, outcome: Outcome, cause: WakeCause, waker: usize): usize {
  let f = Waiters.shift(list);
  if (f != 0) {
    if (f & NODE_TAG) {
      f = fireSelect(f & ~NODE_TAG, outcome);
    } else {
      Rec.setWaitList(f, 0);
      Rec.setOutcome(f, outcome);
      if (traceOn) traceWake(f, waker, cause);
      enqueue(f);
    }
  }
  return f;
}

/** Wakes every fiber of the list at `list`, in order, with `outcome`. */
export function wakeAll(list: usize, outcome: Outcome): void {
  while (wakeOne(list, outcome) != 0) {}
}

/**
 * A select case's node was taken off its list: the select fires on that case. Its other
 * nodes leave their lists, a send case's value moves into the fiber's slot (where the
 * channel reads it), and the fiber is made ready. Returns the fiber.
 */
function fireSelect(node: usize, outcome: Outcome): usize {
  let select = load<usize>(node, offsetof<WaitNode>("_select"));
  store<usize>(node, 0, offsetof<WaitNode>("_list"));
  store<i32>(select, load<i32>(node, offsetof<WaitNode>("index")), offsetof<SelectState>("fired"));
  unlinkSelect(select, node);
  let f = load<usize>(select, offsetof<SelectState>("_fiber"));
  if (load<bool>(node, offsetof<WaitNode>("isSend"))) {
    Rec.setSlot(f, load<u64>(node, offsetof<WaitNode>("bits")), load<bool>(node, offsetof<WaitNode>("isRef")));
  }
  Rec.setWaitList(f, 0);
  Rec.setOutcome(f, outcome);
  if (traceOn) traceWake(f, T.current(), WakeCause.Op);
  enqueue(f);
  return f;
}

/**
 * Blocks the running fiber in a select whose nodes name their lists (`_list`); they are
 * queued there when the fiber is published. Returns the outcome of the case that fired
 * (`SelectState.fired` says which).
 */
export function blockSelect(select: SelectState): Outcome {
  let f = T.current();
  if (f == 0) blockedOutside();
  let at: f64 = 0;
  if (Rec.flags(f) & (CANCELLED | HAS_DEADLINE)) {
    at = mayBlock(f);
    if (at < 0) {
      unlinkSelect(changetype<usize>(select), 0);
      return Rec.outcome(f);
    }
  }
  select._fiber = f;
  Rec.setWaitList(f, changetype<usize>(select) | NODE_TAG);
  T.setPublish(PUBLISH_SELECT);
  if (at > 0) willWake(at);
  park();
  return Rec.outcome(f);
}

/** The running fiber's record address (0 outside fibers), for primitives that hand over. */
// @ts-ignore: decorator
@inline export function currentAddress(): usize {
  return T.current();
}

/** How the calling fiber's last blocking operation ended (a receive's Ok or Closed, ...). */
export function outcome(): Outcome {
  let f = T.current();
  return f != 0 ? Rec.outcome(f) : Outcome.Ok;
}

/** Makes a blocked fiber (parked with `park`) ready again: it goes to the run-queue tail. */
export function readyAddress(f: usize): void {
  let state = Rec.state(f);
  if (state != FiberState.Blocked) {
    misuse("ready() on fiber " + fiberLabel(f) + ", which is " + stateName(state) + ", not blocked");
  }
  // a fiber on a wait list (a joiner too) is woken by its primitive; waking it early
  // would leave it linked on that list
  let list = Rec.waitList(f);
  if (list != 0) {
    if (!(list & NODE_TAG) && list != SLEEPING && changetype<WaitList>(list).kind == WaitKind.Join) {
      misuse("ready() on fiber " + fiberLabel(f) + ", which is blocked in join()");
    }
    misuse("ready() on fiber " + fiberLabel(f) + ", which is blocked on " + describeWait(list));
  }
  if (traceOn) traceWake(f, T.current(), WakeCause.Ready);
  enqueue(f);
}

/** What a fiber's `waitList` value designates: a list, a select (tagged), or a sleep. */
export function describeWait(list: usize): string {
  if (list == SLEEPING) return "sleep";
  return list & NODE_TAG ? describeSelect(list & ~NODE_TAG) : changetype<WaitList>(list).describe();
}

/**
 * Takes a blocked fiber off whatever it waits on: a wait list (a join list too), a
 * select, or a pending sleep. The fiber stays Blocked; the caller wakes or ends it.
 */
export function detachWaiting(f: usize): void {
  let list = Rec.waitList(f);
  if (list == 0) return;
  // a sleeper may still be pending, chained through the link its waker is about to use
  // (sleep.ts): arm the pending ones first
  if (list == SLEEPING) armPendingSleeps();
  else if (list & NODE_TAG) unlinkSelect(list & ~NODE_TAG, 0);
  else Waiters.remove(list, f);
  Rec.setWaitList(f, 0);
}
