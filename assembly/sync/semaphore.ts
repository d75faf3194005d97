// semaphore.ts: a weighted counting semaphore: at most `capacity` permits are out at once.
//
//   const slots = new Semaphore(3);          // at most 3 downloads at a time
//
//   function download(url: string): void {
//     slots.acquire();                        // waits while 3 others hold a permit
//     fetchInto(url);                         // may block: the others go on meanwhile
//     slots.release();
//   }
//
//   const memory = new Semaphore(100);       // weighted: permits are units of memory
//   memory.acquire(60);                       // 60 units out, 40 free
//   memory.acquire(50);                       // waits until 10 more are released
//
// Fairness, as Go's golang.org/x/sync/semaphore: waiters are served strictly first come,
// first served. A request that does not fit blocks every later one, even those that would
// fit, so a large request is never starved by a stream of small ones: with 4 permits free
// and a request for 8 waiting, `acquire(1)` waits behind it and `tryAcquire(1)` returns
// WouldBlock. `release()` hands the freed permits to the waiters from the head of the
// queue: each waiter whose whole request fits is made the owner of its permits, then woken;
// it stops at the first one that does not fit.
//
// Permits are counted, not tied to fibers (as in Go): any fiber may release permits that
// another acquired. Misuse fails the calling fiber: a count that is not positive, a request
// larger than the capacity (it could never be served), a release of more permits than are
// out (the count would go above the capacity).
//
// Cancellation (Scope, scope.ts): permits are only ever assigned by `release()` together
// with the wake-up (outcome Ok), never assumed by the woken fiber. A waiter that a canceller
// takes off the list and wakes with Cancelled was granted nothing, and `acquire` returns
// Cancelled holding nothing. Since it may have been the head whose large request held back
// smaller ones behind it, it hands what is free to the new head before it returns
// (`grant`). A fiber already cancelled still acquires permits that are free (no waiting
// needed); if it would have to wait, it gets Cancelled at once.
//
// A waiter's request travels in its record's value slot (`Fiber._slot`, as a channel's value
// does): a blocked fiber is on one list only, and the slot is free while it waits.

import { Outcome, Rec } from "../record";
import { misuseOf } from "../failure";
import { block, wakeOne, currentAddress } from "../sched/wait";
import { beginTimeout, endTimeout } from "../time";
import { WaitList, WaitKind, newObjectId } from "./waitlist";

// Raw access by address: the blocking path holds no managed temporaries (see mutex.ts).

// @ts-ignore: decorator
@inline function capacityOf(s: usize): i64 {
  return load<i64>(s, offsetof<Semaphore>("_capacity"));
}
// @ts-ignore: decorator
@inline function availableOf(s: usize): i64 {
  return load<i64>(s, offsetof<Semaphore>("_available"));
}
// @ts-ignore: decorator
@inline function setAvailable(s: usize, v: i64): void {
  store<i64>(s, v, offsetof<Semaphore>("_available"));
}
// @ts-ignore: decorator
@inline function waitersOf(s: usize): usize {
  return load<usize>(s, offsetof<Semaphore>("_waiters"));
}
// @ts-ignore: decorator
@inline function firstWaiter(list: usize): usize {
  return load<usize>(list, offsetof<WaitList>("_head"));
}

/**
 * Hands free permits to the waiters from the head of the queue: each whose whole request
 * fits becomes the owner of its permits and is woken with Ok; stops at the first that
 * does not fit (FIFO: later, smaller requests do not overtake it).
 */
// @ts-ignore: decorator
@inline function grant(s: usize): void {
  let list = waitersOf(s);
  let available = availableOf(s);
  let head = firstWaiter(list);
  while (head != 0) {
    let need = <i64>Rec.slot(head);
    if (need > available) break;
    available -= need;
    wakeOne(list, Outcome.Ok);
    head = firstWaiter(list);
  }
  setAvailable(s, available);
}

export class Semaphore {
  /** Shown in dumps as `sema #id`. */
  readonly id: u32;
  /** @internal permits in all. */
  _capacity: i64;
  /** @internal permits free now. */
  _available: i64;
  /** @internal fibers waiting to acquire, in arrival order; each one's request is in its slot. */
  _waiters: WaitList;

  /** A semaphore with `capacity` permits, all free. The capacity must be positive. */
  constructor(capacity: i64) {
    if (capacity <= 0) misuseOf("semaphore capacity must be positive, got " + capacity.toString());
    let id = newObjectId();
    this.id = id;
    this._capacity = capacity;
    this._available = capacity;
    this._waiters = new WaitList(WaitKind.Semaphore, id);
  }

  /** Permits in all. */
  get capacity(): i64 {
    return this._capacity;
  }

  /** Permits free now. */
  get available(): i64 {
    return this._available;
  }

  /** Fibers waiting to acquire. */
  get waiting(): i32 {
    return this._waiters.length;
  }

  /**
   * Acquires `n` permits, waiting until they are free and every earlier waiter was
   * served; Ok, or Cancelled (then nothing was acquired).
   */
  acquire(n: i64 = 1): Outcome {
    let s = changetype<usize>(this);
    if (n <= 0 || n > capacityOf(s)) badRequest(s, n, false);
    let list = waitersOf(s);
    let available = availableOf(s);
    if (available >= n && firstWaiter(list) == 0) {
      setAvailable(s, available - n);
      return Outcome.Ok;
    }
    let me = currentAddress();
    if (me == 0) wouldBlockOutside(s, n);
    Rec.setSlot(me, <u64>n, false);
    // release() makes us the owner of the n permits before it wakes us with Ok
    let result = block(list);
    if (result != Outcome.Ok) cancelled(s);
    return result;
  }

  /** `acquire`, giving up after `ms`: Ok, or TimedOut / Cancelled (nothing acquired). */
  acquireTimeout(n: i64, ms: f64): Outcome {
    let previous = beginTimeout(ms);
    let result = this.acquire(n);
    endTimeout(previous);
    return result;
  }

  /** Acquires `n` permits if they are free and nobody waits; Ok or WouldBlock. */
  tryAcquire(n: i64 = 1): Outcome {
    let s = changetype<usize>(this);
    if (n <= 0 || n > capacityOf(s)) badRequest(s, n, true);
    let available = availableOf(s);
    if (available < n || firstWaiter(waitersOf(s)) != 0) return Outcome.WouldBlock;
    setAvailable(s, available - n);
    return Outcome.Ok;
  }

  /** Releases `n` permits and hands them to the waiters they satisfy, first come first served. */
  release(n: i64 = 1): void {
    let s = changetype<usize>(this);
    let available = availableOf(s);
    // written so that it cannot overflow: capacity - available is the number out
    if (n <= 0 || n > capacityOf(s) - available) badRelease(s, n);
    setAvailable(s, available + n);
    grant(s);
  }
}

// Cold paths, out of line: their strings would otherwise cost shadow-stack slots above.

/**
 * A waiter was cancelled: it holds nothing. It may have been the head that held back the
 * requests behind it, so hand the free permits on as release() would.
 */
function cancelled(s: usize): void {
  grant(s);
}
function semaId(s: usize): string {
  return load<u32>(s, offsetof<Semaphore>("id")).toString();
}
function badRequest(s: usize, n: i64, isTry: bool): void {
  let call = (isTry ? "tryAcquire(" : "acquire(") + n.toString() + ") on sema #" + semaId(s);
  if (n <= 0) misuseOf(call + ": the count must be positive");
  misuseOf(call + " can never succeed: its capacity is " + capacityOf(s).toString());
}
function badRelease(s: usize, n: i64): void {
  let call = "release(" + n.toString() + ") on sema #" + semaId(s);
  if (n <= 0) misuseOf(call + ": the count must be positive");
  let out = capacityOf(s) - availableOf(s);
  misuseOf(call + ", which has only " + out.toString() + " of its " + capacityOf(s).toString() + " permits acquired");
}
function wouldBlockOutside(s: usize, n: i64): void {
  misuseOf("acquire(" + n.toString() + ") on sema #" + semaId(s) + " would block outside a fiber");
}
