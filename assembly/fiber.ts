// fiber.ts: the fiber record, its states and its failure.
//
// A Fiber is a managed object: user code holds it to join, and the GC keeps it (and what
// its suspended stack references) alive while it is reachable. Every fiber that has not
// ended is on the *live list* rooted in a global (scheduler.ts), so a fiber parked on
// something nobody references any more is still found by diagnostics and never freed
// while it can run.
//
// Record layout (wasm32; fields follow AssemblyScript's 16-byte object header, and the
// allocator adds a 4-byte block header: 92 bytes in a 96-byte block, 4 bytes to spare;
// drawn in two rows):
//
//   ┌───────────┬────────────┬─────┬─────┬───────┬──────┬─────────┬───────┬──────┬──────┬──────────┬──────────┐
//   │ slot (u64)│ deadline   │ id  │ fn  │ state │ kind │ outcome │ flags │ name │ next │ liveNext │ livePrev │
//   │ 8 B       │ f64        │ u32 │ u32 │ u8    │ u8   │ u8      │ u8    │ ptr  │ addr │ addr     │ addr     │
//   ├───────┬─────────┬─────────┬─────────┬──────────┬───────┬───────┬─────────────────────────────────────────┘
//   │ saved │ waiters │ joining │ failure │ waitList │ scope │ timer │
//   │ addr  │ addr    │ addr    │ ptr     │ addr     │ ptr   │ u32   │
//   └───────┴─────────┴─────────┴─────────┴──────────┴───────┴───────┘
//
//   slot     the value slot of the fiber's current operation: spawnWith's argument bits
//            until the first run (the entry's parameter, by `kind`), then the value a
//            blocked channel operation hands over, a semaphore's request, ... (flags:
//            SLOT_IS_REF while it holds a managed reference). Never the argument's root
//            once the fiber runs: see "The spawn argument's root" below.
//   deadline when its blocking operations give up (host clock, ms; flags & HAS_DEADLINE)
//   timer    its entry in the timer heap (timer.ts): index + 1, or 0 when none is armed
//   outcome  how its last blocking operation ended (Outcome)
//   fn       table index of the entry function
//   next     run-queue or wait-list link; liveNext/livePrev: the live list
//   saved    the saved block (stack.ts) once the fiber has been suspended
//   waiters  fibers blocked joining this one; joining: the fiber this one joins
//   waitList the wait list (sync/waitlist.ts) it is blocked on; scope: its scope
//
// Invariants (checked by debug assertions in scheduler.ts):
//   - state READY      ⇔ the fiber is on the run queue exactly once;
//   - state RUNNING    ⇔ it is `current`; its slice lives on the shadow stack (the saved
//                        block, if any, holds no slice);
//   - state BLOCKED    ⇔ it is suspended on exactly one wait list (its `next` link);
//   - READY or BLOCKED with a saved block ⇔ it has been suspended at least once;
//   - DONE / FAILED    ⇔ off every list, saved block freed, waiters woken.
// The run-queue, live-list and waiter links are raw addresses: the live list is what keeps
// fibers alive (visited below); the other links only ever point at live fibers.
//
// The spawn argument's root. AssemblyScript treats a parameter as rooted by its caller: the
// callee keeps no shadow-stack slot for it and reuses its slots for temporaries. A fiber's
// caller is the scheduler's trampoline, so the runtime must root a managed argument for the
// whole life of the entry call, whatever operations the fiber performs. Until the first run
// the record's slot holds it (SLOT_IS_REF, visited below). On the first run the trampoline
// pushes it as the one word of the entry's caller frame, at the top of the fiber's
// shadow-stack slice (scheduler.ts `run`), and clears SLOT_IS_REF: from then on the slot
// is free for operations, and the argument travels in the fiber's slice like any caller's
// root (scanned while the fiber runs, visited below while it is suspended).

import { Saved } from "./stack";
import { join as joinFiber } from "./scheduler";
import { Scope } from "./scope";
import { beginTimeout, endTimeout } from "./time";

/** Lifecycle of a fiber. */
export enum FiberState {
  /** On the run queue, waiting for its turn. */
  Ready = 0,
  /** Executing now. */
  Running = 1,
  /** Suspended until something wakes it (a join target ending, ...). */
  Blocked = 2,
  /** Its entry returned. */
  Done = 3,
  /** It trapped or aborted; `failure` says why. */
  Failed = 4,
}

/** Text of a state, as shown in dumps. */
export function stateName(state: FiberState): string {
  switch (state) {
    case FiberState.Ready: return "ready";
    case FiberState.Running: return "running";
    case FiberState.Blocked: return "blocked";
    case FiberState.Done: return "done";
    case FiberState.Failed: return "failed";
  }
  return "unknown";
}

/** How an entry function is called: its parameter's wasm type. */
export const enum EntryKind {
  /** An i32 argument: an integer, a bool, a pointer, or a managed reference (then the
   *  runtime roots it, see "The spawn argument's root"). First, as the trampoline tests it first. */
  I32 = 0,
  NoArg = 1,
  I64 = 2,
  F32 = 3,
  F64 = 4,
}

/** `Fiber._flags`: `_slot` holds a managed reference (the GC visits it). */
export const SLOT_IS_REF: u8 = 1;
/** `Fiber._flags`: the fiber was cancelled (its scope was); blocking operations return Cancelled. */
export const CANCELLED: u8 = 2;
/** `Fiber._flags`: `_deadline` is set; blocking operations return TimedOut once it passes. */
export const HAS_DEADLINE: u8 = 4;
/** `Fiber._flags`: spawned by the host (`runtime.spawn`); its end is reported to the host. */
export const HOST_SPAWNED: u8 = 8;
/**
 * `Fiber._flags`: preempted at a safepoint and not yet resumed; `_slot` holds the site
 * (build/preempt.ts), for dumps. Set and cleared by `safepoint` (scheduler.ts).
 */
export const PREEMPTED: u8 = 16;

/** How a blocking operation ended, for the fiber that called it (`outcome()`). */
export enum Outcome {
  /** It completed. */
  Ok = 0,
  /** The channel is closed (and, for a receive, drained). */
  Closed = 1,
  /** A `try...` operation would have had to block. */
  WouldBlock = 2,
  /** The fiber's scope was cancelled. */
  Cancelled = 3,
  /** Its timeout, or the fiber's deadline, passed (timer.ts). */
  TimedOut = 4,
}

/** Text of an outcome, for messages and program output: `ok`, `closed`, `timed out`, ... */
export function outcomeName(o: Outcome): string {
  switch (o) {
    case Outcome.Ok: return "ok";
    case Outcome.Closed: return "closed";
    case Outcome.WouldBlock: return "would block";
    case Outcome.Cancelled: return "cancelled";
    case Outcome.TimedOut: return "timed out";
  }
  return "unknown";
}

/** Why a fiber failed. */
export enum FailureKind {
  /** `abort()`, a failed `assert`, a `throw`, or a runtime error of the standard library. */
  Abort = 0,
  /** An `unreachable` instruction. */
  Unreachable = 1,
  /** A load or store outside linear memory. */
  MemoryAccess = 2,
  /** The host's wasm call stack was exhausted (deep recursion). */
  CallStackOverflow = 3,
  /** The shadow stack (managed references across calls) overflowed. */
  ShadowStackOverflow = 4,
  /** An unwind needed more than the asyncify scratch area. */
  ScratchOverflow = 5,
  /** The fiber's saved stack was overwritten while it was suspended. */
  SavedStackCorrupted = 6,
  /** Any other trap; the message is the host's. */
  Trap = 7,
  /** A misuse of the runtime's API (for example a fiber joining itself). */
  Misuse = 8,
}

/** What a failed fiber left behind: `join()` hands it to the joiner. */
export class Failure {
  /**
   * The whole story, readable alone: `fiber #3 "worker" failed: id must be positive at
   * assembly/app.ts:10:5` (who, what, where; errors raised inside the standard library point
   * into it, `~lib/array.ts:...`). `toString()` returns it too.
   */
  public readonly message: string;

  constructor(
    /** Id of the fiber that failed. */
    public readonly fiberId: u32,
    /** Name of the fiber that failed, if it had one. */
    public readonly fiberName: string | null,
    public readonly kind: FailureKind,
    /** What went wrong, alone: the abort message, or a description of the trap. */
    public readonly reason: string,
    /** Source file of an abort, or the empty string. */
    public readonly file: string,
    /** 1-based line of an abort, or 0. */
    public readonly line: u32,
    /** 1-based column of an abort, or 0. */
    public readonly column: u32,
  ) {
    let who = "fiber #" + fiberId.toString();
    if (fiberName !== null) who += " \"" + fiberName + "\"";
    let text = who + " failed: " + reason;
    if (file.length > 0) text += " at " + file + ":" + line.toString() + ":" + column.toString();
    this.message = text;
  }

  /** `message`. */
  toString(): string {
    return this.message;
  }
}

/**
 * Raw access to a fiber record by address, for the switch path. The trampoline and the
 * suspend primitives must not hold managed locals: AssemblyScript would give them a
 * shadow-stack frame and spill those locals into it, and a spill made while a fiber's
 * slice is restored below the trampoline would land in that slice. Loads and stores by
 * field offset keep them frame-free (assembly/scheduler.ts, invariants).
 */
export namespace Rec {
  // @ts-ignore: decorator
  @inline export function state(f: usize): FiberState { return <FiberState>load<u8>(f, offsetof<Fiber>("_state")); }
  // @ts-ignore: decorator
  @inline export function setState(f: usize, s: FiberState): void { store<u8>(f, <u8>s, offsetof<Fiber>("_state")); }
  // @ts-ignore: decorator
  @inline export function kind(f: usize): u8 { return load<u8>(f, offsetof<Fiber>("_kind")); }
  // @ts-ignore: decorator
  @inline export function fn(f: usize): u32 { return load<u32>(f, offsetof<Fiber>("_fn")); }
  // @ts-ignore: decorator
  @inline export function slot(f: usize): u64 { return load<u64>(f, offsetof<Fiber>("_slot")); }
  // @ts-ignore: decorator
  @inline export function next(f: usize): usize { return load<usize>(f, offsetof<Fiber>("_next")); }
  // @ts-ignore: decorator
  @inline export function setNext(f: usize, v: usize): void { store<usize>(f, v, offsetof<Fiber>("_next")); }
  // @ts-ignore: decorator
  @inline export function outcome(f: usize): Outcome { return <Outcome>load<u8>(f, offsetof<Fiber>("_outcome")); }
  // @ts-ignore: decorator
  @inline export function setOutcome(f: usize, o: Outcome): void { store<u8>(f, <u8>o, offsetof<Fiber>("_outcome")); }
  // @ts-ignore: decorator
  @inline export function waitList(f: usize): usize { return load<usize>(f, offsetof<Fiber>("_waitList")); }
  // @ts-ignore: decorator
  @inline export function setWaitList(f: usize, v: usize): void { store<usize>(f, v, offsetof<Fiber>("_waitList")); }
  // @ts-ignore: decorator
  @inline export function setSlot(f: usize, bits: u64, isRef: bool): void {
    store<u64>(f, bits, offsetof<Fiber>("_slot"));
    let flags = load<u8>(f, offsetof<Fiber>("_flags")) & ~SLOT_IS_REF;
    store<u8>(f, isRef ? flags | SLOT_IS_REF : flags, offsetof<Fiber>("_flags"));
  }
  // @ts-ignore: decorator
  @inline export function waiters(f: usize): usize { return load<usize>(f, offsetof<Fiber>("_waiters")); }
  // @ts-ignore: decorator
  @inline export function setWaiters(f: usize, v: usize): void { store<usize>(f, v, offsetof<Fiber>("_waiters")); }
  // @ts-ignore: decorator
  @inline export function saved(f: usize): usize { return load<usize>(f, offsetof<Fiber>("_saved")); }
  // @ts-ignore: decorator
  @inline export function setSaved(f: usize, v: usize): void { store<usize>(f, v, offsetof<Fiber>("_saved")); }
  // @ts-ignore: decorator
  @inline export function flags(f: usize): u8 { return load<u8>(f, offsetof<Fiber>("_flags")); }
  // @ts-ignore: decorator
  @inline export function timer(f: usize): u32 { return load<u32>(f, offsetof<Fiber>("_timer")); }
  // @ts-ignore: decorator
  @inline export function deadline(f: usize): f64 { return load<f64>(f, offsetof<Fiber>("_deadline")); }
}

/** A fiber: a function running on its own saved stack, switched by the scheduler. */
export class Fiber {
  // No field initializers: the allocator hands out zeroed memory, which is every field's
  // starting value (state Ready = 0, null links; `newFiber` sets the kind), and an
  // initializer of a managed field would cost a write-barrier call on every spawn.
  /**
   * @internal the value slot of the fiber's current operation: argument bits for
   * `spawnWith` until the fiber first runs; afterwards the value a channel operation it is
   * blocked in hands over (sync/channel.ts) or a semaphore request. The GC visits it while
   * `_flags & SLOT_IS_REF`. Not the spawn argument's root once the fiber runs.
   */
  _slot: u64;
  /** @internal deadline of its blocking operations (host clock) while `_flags & HAS_DEADLINE`. */
  _deadline: f64;
  /** Unique, increasing from 1 (`main`) in spawn order. */
  readonly id: u32;
  /** @internal table index of the entry function. */
  _fn: u32;
  /** @internal current state; read it through `state`. */
  _state: u8;
  /** @internal how `fn` is called. */
  _kind: u8;
  /** @internal outcome of the last blocking operation (Outcome). */
  _outcome: u8;
  /** @internal SLOT_IS_REF, CANCELLED, HAS_DEADLINE, HOST_SPAWNED, PREEMPTED. */
  _flags: u8;
  /** @internal optional name. */
  _name: string | null;
  /** @internal run-queue or wait-list link (address of the next fiber, or 0). */
  _next: usize;
  /** @internal live-list links. */
  _liveNext: usize;
  _livePrev: usize;
  /** @internal saved block once suspended (stack.ts), or 0. */
  _saved: usize;
  /** @internal first fiber blocked in `join()` on this one (linked through their `_next`). */
  _waiters: usize;
  /** @internal the fiber this one is blocked joining, or 0. */
  _joining: usize;
  /** @internal set when the fiber failed. */
  _failure: Failure | null;
  /** @internal the WaitList (sync/waitlist.ts) this fiber is blocked on, or 0. */
  _waitList: usize;
  /** @internal the scope the fiber belongs to (scope.ts), or null. */
  _scope: Scope | null;
  /** @internal its timer-heap entry (timer.ts): index + 1, or 0. */
  _timer: u32;

  /** @internal fibers come from `spawn` and `spawnWith` (scheduler.ts `newFiber`). */
  private constructor() {
    this.id = 0;
  }

  /** The name given at spawn, or null. */
  get name(): string | null {
    return this._name;
  }

  /** Ready, running, blocked, done or failed. */
  get state(): FiberState {
    return <FiberState>this._state;
  }

  /** True once the fiber is done or failed. */
  get ended(): bool {
    return <FiberState>this._state >= FiberState.Done;
  }

  /** True once the fiber's scope was cancelled. */
  get cancelled(): bool {
    return (this._flags & CANCELLED) != 0;
  }

  /** The scope the fiber belongs to, or null. */
  get scope(): Scope | null {
    return this._scope;
  }

  /** Why the fiber failed, or null if it has not. */
  get failure(): Failure | null {
    return this._failure;
  }

  /**
   * Blocks the calling fiber until this one ends. Returns null if it finished normally,
   * or its Failure (AssemblyScript has no exceptions, so the failure is a value; see
   * docs/API.md). Returns at once if it has already ended. Joining oneself fails the
   * caller with a clear message instead of hanging.
   */
  join(): Failure | null {
    return joinFiber(this);
  }

  /**
   * `join`, giving up after `ms`: null then too, with `outcome()` TimedOut (the fiber goes
   * on running).
   */
  joinTimeout(ms: f64): Failure | null {
    let previous = beginTimeout(ms);
    let failure = joinFiber(this);
    endTimeout(previous);
    return failure;
  }

  /** `#3 "worker"` */
  toString(): string {
    let name = this._name;
    return name !== null ? "#" + this.id.toString() + " \"" + name + "\"" : "#" + this.id.toString();
  }

  // RT integration: the GC calls this instead of a generated visitor. It visits the
  // managed fields and, while the fiber is suspended, the references in its saved
  // shadow-stack slice: that is what keeps a parked fiber's objects alive.
  @unsafe private __visit(cookie: u32): void {
    // The collector visits every live fiber in each cycle: skipping the fields that are
    // usually null saves a call each.
    let name = changetype<usize>(this._name);
    if (name != 0) __visit(name, cookie);
    let failure = changetype<usize>(this._failure);
    if (failure != 0) __visit(failure, cookie);
    let scope = changetype<usize>(this._scope);
    if (scope != 0) __visit(scope, cookie);
    if (this._liveNext != 0) __visit(this._liveNext, cookie);
    if (this._flags & SLOT_IS_REF) __visit(<usize>this._slot, cookie);
    let saved = this._saved;
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
