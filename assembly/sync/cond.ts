// cond.ts: a condition variable: fibers wait, under a mutex, until another fiber signals
// that the state they wait for may have changed.
//
//   const m = new Mutex();
//   const nonEmpty = new Cond(m);
//   const queue = new Array<i32>();
//
//   function consumer(): void {
//     m.lock();
//     while (queue.length == 0) nonEmpty.wait();  // unlocks m while it waits
//     const item = queue.shift();                 // m is held again here
//     m.unlock();
//   }
//
//   function producer(): void {
//     m.lock();
//     queue.push(42);
//     nonEmpty.signal();                          // wakes the longest waiting consumer
//     m.unlock();
//   }
//
// `wait()` unlocks the mutex and blocks in one step (no other fiber runs in between, so no
// signal can be lost), and holds the mutex again when it returns. Waiters are woken first
// come, first served: `signal()` wakes the longest waiting, `broadcast()` all of them, in
// the order they waited. Neither needs the mutex to be held (as in Go), but signalling under
// it is what makes a condition change and its signal one step. Always re-check the
// condition in a loop around `wait()`: another fiber may have taken the mutex first and
// consumed what the signal announced.
//
// Hand-off (no thundering herd): a signalled waiter is not made ready to fight for the
// mutex; it moves to the tail of the mutex's queue of lockers, and `unlock()` makes it the
// owner before it wakes it, as for any locker (if the mutex is free, the signaller makes it
// the owner and wakes it at once). A broadcast to N waiters thus costs N wake-ups, not 2N.
// Dumps show a waiter as `cond #5` until it is signalled, then as `mutex #4`.
//
// Misuse: waiting without holding the mutex fails the calling fiber.
//
// Cancellation (Scope, scope.ts): the caller always holds the mutex when `wait()` returns,
// whatever the outcome, so its unlock stays balanced. A fiber cancelled while it waits is
// taken off whichever list it is on (the Cond's, or the mutex's after a signal) and woken
// with Cancelled; `wait()` then locks the mutex again, queueing at the tail of its lockers
// (not cancellably: it must get it), *before* it returns Cancelled. A signal that reached a
// fiber cancelled before it got the mutex is consumed by it. A fiber already cancelled when
// it calls `wait()` gets Cancelled at once, without the mutex ever being released.

import { Outcome, Rec, CANCELLED } from "../record";
import { misuseOf } from "../failure";
import { block, wakeOne, currentAddress } from "../sched/wait";
import { beginTimeout, endTimeout } from "../time";
import { WaitList, WaitKind, Waiters, newObjectId } from "./waitlist";
import { Mutex } from "./mutex";

// Raw access by address: the blocking path holds no managed temporaries (see mutex.ts).

// @ts-ignore: decorator
@inline function mutexOf(c: usize): usize {
  return load<usize>(c, offsetof<Cond>("_mutex"));
}
// @ts-ignore: decorator
@inline function ownerOf(m: usize): usize {
  return load<usize>(m, offsetof<Mutex>("_owner"));
}
// @ts-ignore: decorator
@inline function setOwner(m: usize, f: usize): void {
  store<usize>(m, f, offsetof<Mutex>("_owner"));
}
// @ts-ignore: decorator
@inline function lockersOf(m: usize): usize {
  return load<usize>(m, offsetof<Mutex>("_waiters"));
}

/**
 * Signals the first waiter of the list at `list`, if any: it becomes the owner of mutex
 * `m` and wakes if the mutex is free, else it moves to the tail of the mutex's lockers
 * (still blocked: `unlock()` hands it the mutex and wakes it). False if none waited.
 */
// @ts-ignore: decorator
@inline function signalOne(list: usize, m: usize): bool {
  if (load<usize>(list, offsetof<WaitList>("_head")) == 0) return false;
  if (ownerOf(m) == 0) {
    setOwner(m, wakeOne(list, Outcome.Ok));
  } else {
    let f = Waiters.shift(list);
    let lockers = lockersOf(m);
    Waiters.push(lockers, f);
    Rec.setWaitList(f, lockers);
  }
  return true;
}

export class Cond {
  /** Shown in dumps as `cond #id`. */
  readonly id: u32;
  /** @internal the mutex that guards the condition. */
  _mutex: Mutex;
  /** @internal fibers waiting for a signal. */
  _waiters: WaitList;

  /** A condition variable whose waiters hold `mutex`. */
  constructor(mutex: Mutex) {
    let id = newObjectId();
    this.id = id;
    this._mutex = mutex;
    this._waiters = new WaitList(WaitKind.Cond, id);
  }

  /** The mutex that guards the condition. */
  get mutex(): Mutex {
    return this._mutex;
  }

  /** Fibers waiting for a signal. */
  get waiting(): i32 {
    return this._waiters.length;
  }

  /**
   * Unlocks the mutex and waits for a signal, then holds the mutex again; Ok, or
   * Cancelled (the mutex is held again then too). The caller must hold the mutex.
   */
  wait(): Outcome {
    let c = changetype<usize>(this);
    let m = mutexOf(c);
    let me = currentAddress();
    if (me == 0 || ownerOf(m) != me) notHeld(c, me);
    if (Rec.flags(me) & CANCELLED) return Outcome.Cancelled;
    // unlock, as Mutex.unlock does: the first locker becomes the owner
    setOwner(m, wakeOne(lockersOf(m), Outcome.Ok));
    // a signal makes us the owner of the mutex before it (or the unlock after it) wakes us
    let result = block(load<usize>(c, offsetof<Cond>("_waiters")));
    if (ownerOf(m) != me) relock(m, me);
    return result;
  }

  /** `wait`, giving up after `ms` (TimedOut); the mutex is held again either way. */
  waitTimeout(ms: f64): Outcome {
    let previous = beginTimeout(ms);
    let result = this.wait();
    endTimeout(previous);
    return result;
  }

  /** Wakes the longest waiting fiber, if any. */
  signal(): void {
    let c = changetype<usize>(this);
    signalOne(load<usize>(c, offsetof<Cond>("_waiters")), mutexOf(c));
  }

  /** Wakes every waiting fiber, in the order they waited. */
  broadcast(): void {
    let c = changetype<usize>(this);
    let list = load<usize>(c, offsetof<Cond>("_waiters"));
    let m = mutexOf(c);
    while (signalOne(list, m)) {}
  }
}

/**
 * Cold: the fiber was woken without being handed the mutex (it was cancelled). Locks it
 * again as `Mutex.lock` would, but not cancellably (a cancelled fiber's `block` would
 * return at once): `wait()` must return with the mutex held.
 */
function relock(m: usize, me: usize): void {
  while (true) {
    let owner = ownerOf(m);
    if (owner == me) return;
    if (owner == 0) {
      setOwner(m, me);
      return;
    }
    // unlock() makes us the owner before it wakes us; loop in case a canceller still woke us
    block(lockersOf(m), false);
  }
}

function notHeld(c: usize, me: usize): void {
  let cond = changetype<Cond>(c);
  let where = me == 0 ? "outside a fiber" : "without holding mutex #" + cond._mutex.id.toString();
  misuseOf("wait on cond #" + cond.id.toString() + " " + where);
}
