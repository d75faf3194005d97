// scope.ts: structured concurrency. A Scope owns the fibers spawned in it; waiting on the
// scope waits for all of them; the first failure cancels the rest; cancel() reaches every
// descendant.
//
//   const scope = new Scope();
//   for (let i = 0; i < 10; i++) scope.spawnWith(fetch, urls[i]);
//   const failure = scope.wait();    // all ten ended; the first failure, or null
//
// Membership: a fiber spawned with `scope.spawn`/`spawnWith` is a member; a fiber spawned
// with plain `spawn`/`spawnWith` by a member is a member too, so a scope covers the whole
// tree of fibers started inside it. A scope created inside a member is a child scope:
// cancelling the parent cancels it.
//
// Cancellation is cooperative and cannot be lost: it sets a flag on every member; a member
// blocked in any blocking operation (channel send/recv, select, mutex, semaphore, wait
// group, cond, join, park) is taken off its wait list at once and that operation returns
// Outcome.Cancelled (select: SELECT_CANCELLED, join: null with `outcome()` Cancelled); a
// member that blocks later gets Cancelled at once instead of blocking. Operations that can
// complete without blocking still complete. A member that never blocks is not interrupted:
// it can poll `currentFiber().cancelled`.
//
// `wait()` from a cancelled fiber still waits for the members (they are cancelled along
// with it): leaving a scope never leaves fibers behind.

import { Fiber, Failure, Outcome } from "./fiber";
import { spawn, spawnWith, spawnInto, cancelMembers, block, wakeAll, currentFiber, currentAddress, misuseOf } from "./scheduler";
import { WaitList, WaitKind, newObjectId } from "./sync/waitlist";

export class Scope {
  /** Shown in dumps as `scope #id`. */
  readonly id: u32;
  /** The scope of the fiber that created this one, or null. */
  readonly parent: Scope | null;
  /** @internal */
  _cancelled: bool = false;
  /** @internal members that have not ended. */
  _alive: i32 = 0;
  /** @internal */
  _first: Failure | null = null;
  /** @internal fibers waiting in wait(). */
  _waiters: WaitList;
  /** @internal child scopes. */
  _children: Array<Scope> = new Array<Scope>();

  /** A new scope, child of the calling fiber's scope (if it has one). */
  constructor() {
    let id = newObjectId();
    this.id = id;
    this._waiters = new WaitList(WaitKind.Scope, id);
    let me = currentAddress();
    let parent: Scope | null = me != 0 ? changetype<Fiber>(me)._scope : null;
    this.parent = parent;
    if (parent !== null) {
      // forget child scopes with no members left, so that a long-lived scope does not
      // grow without bound; a member spawned into a forgotten one later still sees an
      // ancestor's cancellation (joinScope in scheduler.ts walks the parents)
      let children = parent._children;
      let kept = 0;
      for (let i = 0, n = children.length; i < n; i++) {
        let child = unchecked(children[i]);
        if (child._alive > 0) unchecked((children[kept++] = child));
      }
      children.length = kept;
      children.push(this);
      if (parent.cancelled) this._cancelled = true;
    }
  }

  /** True once cancelled (directly, through a parent, or by a member's failure). */
  get cancelled(): bool {
    let scope: Scope | null = this;
    while (scope !== null) {
      if (scope._cancelled) return true;
      scope = scope.parent;
    }
    return false;
  }

  /** Members that have not ended. */
  get alive(): i32 {
    return this._alive;
  }

  /** The first member failure, or null. */
  get failure(): Failure | null {
    return this._first;
  }

  /** Spawns `fn` as a member. */
  spawn(fn: () => void, name: string | null = null): Fiber {
    spawnInto(this);
    return spawn(fn, name);
  }

  /** Spawns `fn(arg)` as a member. */
  spawnWith<T>(fn: (arg: T) => void, arg: T, name: string | null = null): Fiber {
    spawnInto(this);
    return spawnWith<T>(fn, arg, name);
  }

  /**
   * Waits until every member ended; returns the first member failure, or null. Called
   * from a member it would wait for itself: that fails the caller.
   */
  wait(): Failure | null {
    let me = currentFiber();
    if (this.contains(me)) misuseOf("scope #" + this.id.toString() + " waited on by its own member " + me.toString());
    while (this._alive > 0) {
      let outcome = block(changetype<usize>(this._waiters));
      // a cancelled waiter, or one past its deadline, cancels the scope and keeps
      // waiting: no member is left behind
      if (outcome != Outcome.Ok) {
        this.cancel();
        while (this._alive > 0) block(changetype<usize>(this._waiters), false);
      }
    }
    return this._first;
  }

  /** Cancels every member and every child scope (and theirs). */
  cancel(): void {
    if (this._cancelled) return;
    this._cancelled = true;
    cancelMembers(changetype<usize>(this));
    let children = this._children;
    for (let i = 0; i < children.length; i++) unchecked(children[i]).cancel();
  }

  /** True if `fiber` is a member of this scope or of a descendant scope. */
  contains(fiber: Fiber): bool {
    let scope = fiber._scope;
    while (scope !== null) {
      if (scope === this) return true;
      scope = scope.parent;
    }
    return false;
  }
}

/**
 * Called by the scheduler when a member ended (done or failed). Raw addresses and the
 * failure path out of line: this runs inside the trampoline on every member's exit, and a
 * managed temporary would give it a shadow-stack frame.
 */
export function memberEnded(scope: usize, fiber: usize): void {
  let alive = load<i32>(scope, offsetof<Scope>("_alive")) - 1;
  store<i32>(scope, alive, offsetof<Scope>("_alive"));
  let failure = load<usize>(fiber, offsetof<Fiber>("_failure"));
  if (failure != 0 && load<usize>(scope, offsetof<Scope>("_first")) == 0) firstFailure(scope, failure);
  if (alive == 0) wakeAll(load<usize>(scope, offsetof<Scope>("_waiters")), Outcome.Ok);
}

/** A member failed first: the scope records it and cancels the other members. */
function firstFailure(scope: usize, failure: usize): void {
  let s = changetype<Scope>(scope);
  s._first = changetype<Failure>(failure);
  s.cancel();
}
