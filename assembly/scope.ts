// scope.ts: structured concurrency. A Scope owns the fibers spawned in it; waiting on the
// scope waits for all of them; the first failure cancels the rest; cancel() reaches every
// descendant.
//
//   const scope = new Scope();
//   for (let i = 0; i < 10; i++) scope.spawnWith(fetch, urls[i]);
//   const failure = scope.wait();    // all ten ended; the first failure, or null
//
// Membership, cancellation and waiting are ScopeCore's (scopecore.ts, which explains
// them); this class adds what needs the Fiber class: spawning members, and `contains`.
// Cancellation reaches a member blocked in any blocking operation (channel send/recv,
// select, mutex, semaphore, wait group, cond, join, park): that operation returns
// Outcome.Cancelled (select: SELECT_CANCELLED, join: null with `outcome()` Cancelled).
//
// `wait()` from a cancelled fiber still waits for the members (they are cancelled along
// with it): leaving a scope never leaves fibers behind.

import { Fiber } from "./fiber";
import { ScopeCore } from "./scopecore";
import { spawn, spawnWith, spawnInto } from "./sched/spawn";

export class Scope extends ScopeCore {
  /** A new scope, child of the calling fiber's scope (if it has one). */
  constructor() {
    super();
  }

  /** Spawns `fn` as a member. */
  spawn(fn: () => void, name: string | null = null): Fiber {
    spawnInto(changetype<usize>(this));
    return spawn(fn, name);
  }

  /** Spawns `fn(arg)` as a member. */
  spawnWith<T>(fn: (arg: T) => void, arg: T, name: string | null = null): Fiber {
    spawnInto(changetype<usize>(this));
    return spawnWith<T>(fn, arg, name);
  }

  /** True if `fiber` is a member of this scope or of a descendant scope. */
  contains(fiber: Fiber): bool {
    return this.containsAddress(changetype<usize>(fiber));
  }
}
