// waitgroup.ts: waits for a collection of fibers to finish.
//
//   const wg = new WaitGroup();
//   for (let i = 0; i < 10; i++) { wg.add(1); spawnWith(work, wg); }  // work ends with wg.done()
//   wg.wait();
//
// The counter must never go negative: that fails the fiber that made it so.

import { Outcome } from "../record";
import { misuseOf } from "../failure";
import { block, wakeAll } from "../sched/wait";
import { WaitList, WaitKind, newObjectId } from "./waitlist";
import { beginTimeout, endTimeout } from "../time";

export class WaitGroup {
  /** Shown in dumps as `waitgroup #id`. */
  readonly id: u32;
  private _count: i32 = 0;
  /** @internal */
  _waiters: WaitList;

  constructor() {
    let id = newObjectId();
    this.id = id;
    this._waiters = new WaitList(WaitKind.WaitGroup, id);
  }

  /** The counter. */
  get count(): i32 {
    return this._count;
  }

  /** Adds `delta` (may be negative) to the counter; at zero, every waiter wakes. */
  add(delta: i32): void {
    let count = this._count + delta;
    if (count < 0) this.negative(count);
    this._count = count;
    if (count == 0) wakeAll(changetype<usize>(this._waiters), Outcome.Ok);
  }

  /** One fiber of the group is done: `add(-1)`. */
  done(): void {
    this.add(-1);
  }

  /** Waits until the counter is zero (returns at once if it is). */
  wait(): Outcome {
    if (this._count == 0) return Outcome.Ok;
    return block(load<usize>(changetype<usize>(this), offsetof<WaitGroup>("_waiters")));
  }

  /** `wait`, giving up after `ms`: Ok, TimedOut or Cancelled. */
  waitTimeout(ms: f64): Outcome {
    let previous = beginTimeout(ms);
    let result = this.wait();
    endTimeout(previous);
    return result;
  }

  private negative(count: i32): void {
    misuseOf("negative WaitGroup counter: waitgroup #" + this.id.toString() + " went to " + count.toString());
  }
}
