// fiber.ts: the Fiber class, the handle user code holds to a fiber.
//
// A Fiber is a managed object: user code holds it to join, and the GC keeps it (and what
// its suspended stack references) alive while it is reachable. Every fiber that has not
// ended is on the live list (sched/live.ts), so a fiber parked on something nobody
// references any more is still found by diagnostics and never freed while it can run.
//
// The object *is* the fiber record: this class declares its fields, record.ts draws the
// layout, names the offsets and is the one way the runtime reads and writes them (`Rec`);
// the checks below fail the build if the two ever disagree. The scheduler's layers sit
// below this class and work on record addresses; the methods here (`join`) call down
// into them.
//
// Invariants: see record.ts (states and lists); fields start zeroed (`__new`), which is
// every field's starting value, and `newFiber` (sched/spawn.ts) sets the rest.

import { FiberState, Rec, SLOT_IS_REF, CANCELLED, F_SLOT, F_DEADLINE, F_ID, F_FN, F_STATE, F_KIND, F_OUTCOME, F_FLAGS, F_NAME, F_NEXT, F_LIVE_NEXT, F_LIVE_PREV, F_SAVED, F_JOINERS, F_FAILURE, F_WAIT_LIST, F_SCOPE, F_TIMER, F_SIZE, fiberLabel } from "./record";
import { Failure } from "./failure";
import { Saved } from "./stack";
import { WaitList } from "./sync/waitlist";
import { ScopeCore } from "./scopecore";
import { join as joinFiber } from "./sched/join";
import { beginTimeout, endTimeout } from "./time";

/** A fiber: a function running on its own saved stack, switched by the scheduler. */
export class Fiber {
  // No field initializers: the allocator hands out zeroed memory, which is every field's
  // starting value, and an initializer of a managed field would cost a write-barrier call
  // on every spawn. Field meanings: record.ts.
  /** @internal */ _slot: u64;
  /** @internal */ _deadline: f64;
  /** Unique, increasing from 1 (`main`) in spawn order. */
  readonly id: u32;
  /** @internal */ _fn: u32;
  /** @internal */ _state: u8;
  /** @internal */ _kind: u8;
  /** @internal */ _outcome: u8;
  /** @internal */ _flags: u8;
  /** @internal */ _name: string | null;
  /** @internal */ _next: usize;
  /** @internal */ _liveNext: usize;
  /** @internal */ _livePrev: usize;
  /** @internal */ _saved: usize;
  /** @internal */ _joiners: WaitList | null;
  /** @internal */ _failure: Failure | null;
  /** @internal */ _waitList: usize;
  /** @internal */ _scope: ScopeCore | null;
  /** @internal */ _timer: u32;

  /** @internal fibers come from `spawn` and `spawnWith` (sched/spawn.ts `newFiber`). */
  private constructor() {
    this.id = 0;
  }

  /** The name given at spawn, or null. */
  get name(): string | null {
    return changetype<string | null>(Rec.name(changetype<usize>(this)));
  }

  /** Ready, running, blocked, done or failed. */
  get state(): FiberState {
    return Rec.state(changetype<usize>(this));
  }

  /** True once the fiber is done or failed. */
  get ended(): bool {
    return Rec.state(changetype<usize>(this)) >= FiberState.Done;
  }

  /** True once the fiber's scope was cancelled. */
  get cancelled(): bool {
    return (Rec.flags(changetype<usize>(this)) & CANCELLED) != 0;
  }

  /** The scope the fiber belongs to (see scopecore.ts), or null. */
  get scope(): ScopeCore | null {
    return changetype<ScopeCore | null>(Rec.scope(changetype<usize>(this)));
  }

  /** Why the fiber failed, or null if it has not. */
  get failure(): Failure | null {
    return changetype<Failure | null>(Rec.failure(changetype<usize>(this)));
  }

  /**
   * Blocks the calling fiber until this one ends. Returns null if it finished normally,
   * or its Failure (AssemblyScript has no exceptions, so the failure is a value; see
   * docs/API.md). Returns at once if it has already ended. Joining oneself fails the
   * caller with a clear message instead of hanging.
   */
  join(): Failure | null {
    return changetype<Failure | null>(joinFiber(changetype<usize>(this)));
  }

  /**
   * `join`, giving up after `ms`: null then too, with `outcome()` TimedOut (the fiber goes
   * on running).
   */
  joinTimeout(ms: f64): Failure | null {
    let previous = beginTimeout(ms);
    let failure = joinFiber(changetype<usize>(this));
    endTimeout(previous);
    return changetype<Failure | null>(failure);
  }

  /** `#3 "worker"` */
  toString(): string {
    return fiberLabel(changetype<usize>(this));
  }

  // RT integration: the GC calls this instead of a generated visitor. It visits the
  // managed fields and, while the fiber is suspended, the references in its saved
  // shadow-stack slice: that is what keeps a parked fiber's objects alive.
  @unsafe private __visit(cookie: u32): void {
    // The collector visits every live fiber in each cycle: skipping the fields that are
    // usually null saves a call each.
    let f = changetype<usize>(this);
    let name = Rec.name(f);
    if (name != 0) __visit(name, cookie);
    let failure = Rec.failure(f);
    if (failure != 0) __visit(failure, cookie);
    let scope = Rec.scope(f);
    if (scope != 0) __visit(scope, cookie);
    let joiners = Rec.joiners(f);
    if (joiners != 0) __visit(joiners, cookie);
    let next = Rec.liveNext(f);
    if (next != 0) __visit(next, cookie);
    if (Rec.flags(f) & SLOT_IS_REF) __visit(<usize>Rec.slot(f), cookie);
    let saved = Rec.saved(f);
    let bytes = saved != 0 ? Saved.sliceBytes(saved) : 0;
    if (bytes != 0) {
      let p = Saved.slice(saved);
      let end = p + bytes;
      while (p < end) {
        __visit(load<usize>(p), cookie);
        p += sizeof<usize>();
      }
    }
  }
}

// The class's fields are at record.ts's offsets, or the build fails here.
// @ts-ignore: compile-time check
if (offsetof<Fiber>("_slot") != F_SLOT || offsetof<Fiber>("_deadline") != F_DEADLINE || offsetof<Fiber>("id") != F_ID ||
  offsetof<Fiber>("_fn") != F_FN || offsetof<Fiber>("_state") != F_STATE || offsetof<Fiber>("_kind") != F_KIND ||
  offsetof<Fiber>("_outcome") != F_OUTCOME || offsetof<Fiber>("_flags") != F_FLAGS || offsetof<Fiber>("_name") != F_NAME ||
  offsetof<Fiber>("_next") != F_NEXT || offsetof<Fiber>("_liveNext") != F_LIVE_NEXT || offsetof<Fiber>("_livePrev") != F_LIVE_PREV ||
  offsetof<Fiber>("_saved") != F_SAVED || offsetof<Fiber>("_joiners") != F_JOINERS || offsetof<Fiber>("_failure") != F_FAILURE ||
  offsetof<Fiber>("_waitList") != F_WAIT_LIST || offsetof<Fiber>("_scope") != F_SCOPE || offsetof<Fiber>("_timer") != F_TIMER ||
  offsetof<Fiber>() != F_SIZE) {
  ERROR("fiber.ts: the Fiber class's fields are not at record.ts's offsets");
}
