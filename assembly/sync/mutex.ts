// mutex.ts: mutual exclusion between fibers, with FIFO hand-off.
//
//   const m = new Mutex();
//   m.lock();
//   balance += amount;     // other fibers may run while this one yields, but not in here
//   m.unlock();
//
// When a fiber unlocks while others wait, ownership passes directly to the first waiter,
// so a fiber that unlocks and immediately locks again queues behind them: no waiter
// starves. Unlocking a mutex the calling fiber does not hold fails that fiber.

import { Outcome } from "../record";
import { misuseOf } from "../failure";
import { block, wakeOne, currentAddress } from "../sched/wait";
import { beginTimeout, endTimeout } from "../time";
import { WaitList, WaitKind, newObjectId } from "./waitlist";

export class Mutex {
  /** Shown in dumps as `mutex #id`. */
  readonly id: u32;
  /** @internal address of the owning fiber, or 0. */
  _owner: usize = 0;
  /** @internal */
  _waiters: WaitList;

  constructor() {
    let id = newObjectId();
    this.id = id;
    this._waiters = new WaitList(WaitKind.Mutex, id);
  }

  /** True while some fiber holds it. */
  get locked(): bool {
    return this._owner != 0;
  }

  /** Fibers waiting to lock it. */
  get waiting(): i32 {
    return this._waiters.length;
  }

  /** Locks, waiting behind earlier lockers. Locking a mutex one already holds deadlocks, as in Go. */
  lock(): Outcome {
    let me = currentAddress();
    if (me == 0) this.outside();
    if (this._owner == 0) {
      this._owner = me;
      return Outcome.Ok;
    }
    // unlock() makes us the owner before it wakes us
    return block(load<usize>(changetype<usize>(this), offsetof<Mutex>("_waiters")));
  }

  /** `lock`, giving up after `ms`: Ok, or TimedOut / Cancelled (then not locked). */
  lockTimeout(ms: f64): Outcome {
    let previous = beginTimeout(ms);
    let result = this.lock();
    endTimeout(previous);
    return result;
  }

  /** Locks if free; Ok or WouldBlock. */
  tryLock(): Outcome {
    let me = currentAddress();
    if (me == 0) this.outside();
    if (this._owner != 0) return Outcome.WouldBlock;
    this._owner = me;
    return Outcome.Ok;
  }

  /** Unlocks; the first waiter, if any, becomes the owner. */
  unlock(): void {
    let me = currentAddress();
    if (this._owner != me || me == 0) this.badUnlock();
    this._owner = 0;
    let next = wakeOne(load<usize>(changetype<usize>(this), offsetof<Mutex>("_waiters")), Outcome.Ok);
    if (next != 0) this._owner = next;
  }

  private badUnlock(): void {
    misuseOf("unlock of mutex #" + this.id.toString() + (this._owner == 0 ? ", which is not locked" : " by a fiber that does not hold it"));
  }

  private outside(): void {
    misuseOf("mutex #" + this.id.toString() + " used outside a fiber");
  }
}
