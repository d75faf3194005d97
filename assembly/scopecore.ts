// scopecore.ts: what a scope is to the fibers in it: membership, first failure,
// cancellation, waiting for the members. `Scope` (scope.ts) adds spawning.
//
// The split exists for the layers: a fiber record names its scope (fiber.ts `scope`) and
// a scope's `spawn` returns a Fiber; with one class the two files would import each
// other. ScopeCore sits below the Fiber class, Scope above it; every Scope is a ScopeCore,
// and `fiber.scope` gives the scope as a ScopeCore (its members can be waited for and
// cancelled; `changetype<Scope>(fiber.scope)` gives the full class back).
//
// Membership: a fiber spawned with `scope.spawn`/`spawnWith` is a member; a fiber spawned
// with plain `spawn`/`spawnWith` by a member is a member too, so a scope covers the whole
// tree of fibers started inside it. A scope created inside a member is a child scope:
// cancelling the parent cancels it.
//
// Cancellation is cooperative and cannot be lost (sched/cancel.ts): it sets a flag on
// every member; a member blocked in any blocking operation is taken off its wait list at
// once and that operation returns Outcome.Cancelled; a member that blocks later gets
// Cancelled at once instead of blocking. A member that never blocks is not interrupted:
// it can poll `currentFiber().cancelled`.
//
// Invariants: `_alive` is the number of members that have not ended (spawn.ts adds,
// `memberEnded` subtracts); `_first` is set once, by the first member that fails, which
// cancels the scope; `wait()` returns only when `_alive` is 0, even when cancelled.

import { Outcome, Rec, F_SCOPE, CANCELLED, fiberLabel } from "./record";
import { Failure, misuse } from "./failure";
import { WaitList, WaitKind, newObjectId } from "./sync/waitlist";
import { block, wakeAll, currentAddress } from "./sched/wait";
import { cancelMembers } from "./sched/cancel";

export class ScopeCore {
  /** Shown in dumps as `scope #id`. */
  readonly id: u32;
  /** The scope of the fiber that created this one, or null. */
  readonly parent: ScopeCore | null;
  /** @internal */
  _cancelled: bool = false;
  /** @internal members that have not ended. */
  _alive: i32 = 0;
  /** @internal */
  _first: Failure | null = null;
  /** @internal fibers waiting in wait(). */
  _waiters: WaitList;
  /** @internal child scopes. */
  _children: Array<ScopeCore> = new Array<ScopeCore>();

  /** A new scope, child of the calling fiber's scope (if it has one). */
  constructor() {
    let id = newObjectId();
    this.id = id;
    this._waiters = new WaitList(WaitKind.Scope, id);
    let me = currentAddress();
    let parent = me != 0 ? changetype<ScopeCore | null>(Rec.scope(me)) : null;
    this.parent = parent;
    if (parent !== null) {
      // forget child scopes with no members left, so that a long-lived scope does not
      // grow without bound; a member spawned into a forgotten one later still sees an
      // ancestor's cancellation (`cancelled` walks the parents)
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
    let scope: ScopeCore | null = this;
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

  /**
   * Waits until every member ended; returns the first member failure, or null. Called
   * from a member it would wait for itself: that fails the caller.
   */
  wait(): Failure | null {
    let me = currentAddress();
    if (me == 0) misuse("scope.wait() called outside a fiber");
    if (this.containsAddress(me)) misuse("scope #" + this.id.toString() + " waited on by its own member " + fiberLabel(me));
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

  /** True if the fiber at `f` is a member of this scope or of a descendant scope. */
  containsAddress(f: usize): bool {
    let scope = changetype<ScopeCore | null>(Rec.scope(f));
    while (scope !== null) {
      if (scope === this) return true;
      scope = scope.parent;
    }
    return false;
  }
}

/**
 * Called by `finish` when a member ended (done or failed). Raw addresses and the failure
 * path out of line: this runs inside the trampoline on every member's exit, and a managed
 * temporary would give it a shadow-stack frame.
 */
export function memberEnded(scope: usize, fiber: usize): void {
  let alive = load<i32>(scope, offsetof<ScopeCore>("_alive")) - 1;
  store<i32>(scope, alive, offsetof<ScopeCore>("_alive"));
  let failure = Rec.failure(fiber);
  if (failure != 0 && load<usize>(scope, offsetof<ScopeCore>("_first")) == 0) firstFailure(scope, failure);
  if (alive == 0) wakeAll(load<usize>(scope, offsetof<ScopeCore>("_waiters")), Outcome.Ok);
}

/** A member failed first: the scope records it and cancels the other members. */
function firstFailure(scope: usize, failure: usize): void {
  let s = changetype<ScopeCore>(scope);
  s._first = changetype<Failure>(failure);
  s.cancel();
}

/** Makes the new fiber at `f` (fresh from `__new`: white) a member of the scope at `scope`. */
export function addMember(f: usize, scope: usize): void {
  let s = changetype<ScopeCore>(scope);
  // a new, white record: no write barrier (sched/live.ts `liveAdd`)
  Rec.initRef(f, F_SCOPE, scope);
  s._alive++;
  if (s.cancelled) Rec.setFlags(f, Rec.flags(f) | CANCELLED);
}
