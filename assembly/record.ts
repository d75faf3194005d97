// record.ts: the fiber record's layout, its states and flags, and the one way to read and
// write it (`Rec`).
//
// A fiber record is a managed object (the `Fiber` class, fiber.ts, declares its fields;
// a compile-time check there fails the build if they are not at the offsets below). The
// scheduler never touches it through the class: every layer below fiber.ts works on the
// record's address with the accessors here. That keeps the switch path free of managed
// temporaries (each would get a shadow-stack slot, zeroed on entry and copied on every
// switch, and a spill made while a fiber's slice is restored below the trampoline would
// land in that slice) and lets these layers sit below the class, whose methods (`join`)
// call into them.
//
// Layout (wasm32; 68 bytes of fields after AssemblyScript's 16-byte object header, and
// the allocator's 4-byte block header):
//
//   ┌───────────┬────────────┬─────┬─────┬───────┬──────┬─────────┬───────┬──────┬──────┬──────────┬──────────┐
//   │ slot (u64)│ deadline   │ id  │ fn  │ state │ kind │ outcome │ flags │ name │ next │ liveNext │ livePrev │
//   │ 0         │ 8  f64     │ 16  │ 20  │ 24 u8 │ 25   │ 26      │ 27    │ 28   │ 32   │ 36       │ 40       │
//   ├───────┬─────────┬─────────┬──────────┬───────┬───────┬─────────────────────────────────────────────────┘
//   │ saved │ joiners │ failure │ waitList │ scope │ timer │
//   │ 44    │ 48 ptr  │ 52 ptr  │ 56       │ 60    │ 64    │
//   └───────┴─────────┴─────────┴──────────┴───────┴───────┘
//
//   slot     the value slot of the fiber's current operation: spawnWith's argument bits
//            until the first run (the entry's parameter, by `kind`), then the value a
//            blocked channel operation hands over, a semaphore's request, a preempted
//            fiber's safepoint site (flags: SLOT_IS_REF while it holds a managed
//            reference). Never the argument's root once the fiber runs: see below.
//   deadline when its blocking operations give up (host clock, ms; flags & HAS_DEADLINE);
//            while a plain `sleep(ms)` is pending (sched/sleep.ts), its `ms`
//   id       unique, increasing from 1 (`main`)
//   fn       table index of the entry function; kind: its parameter's wasm type
//   state    FiberState; outcome: how its last blocking operation ended (Outcome)
//   next     run-queue or wait-list link (raw address); liveNext/livePrev: the live list
//            (liveNext is visited by the GC: it is what keeps live fibers alive)
//   saved    the saved block (stack.ts) once the fiber has been suspended
//   joiners  the WaitList of fibers blocked joining this one, made by the first joiner
//   waitList what it is blocked on: a WaitList's address, a select (address | NODE_TAG),
//            SLEEPING, or 0
//   scope    its scope (ScopeCore, scopecore.ts), or null
//   timer    its entry in the timer heap (timer.ts): back-pointer, or 0 when none is armed
//
// Invariants (debug builds check the run-queue, Blocked and Done/Failed ones, sched/check.ts):
//   - state Ready    ⇔ the fiber is on the run queue, once;
//   - state Running  ⇔ it is the running fiber of the thread (state.ts); its slice lives
//                      on the shadow stack;
//   - state Blocked  ⇒ it is on the run queue of no thread; `waitList` is a list it is on
//                      (or a select whose nodes are on theirs), SLEEPING (it waits only
//                      for its timer), or 0 (`park`: its waker holds it);
//   - Done / Failed  ⇔ off every list, saved block freed, joiners woken.
//
// The spawn argument's root. AssemblyScript treats a parameter as rooted by its caller: the
// callee keeps no shadow-stack slot for it and reuses its slots for temporaries. A fiber's
// caller is the scheduler's trampoline, so the runtime must root a managed argument for the
// whole life of the entry call, whatever operations the fiber performs. Until the first run
// the record's slot holds it (SLOT_IS_REF, visited by fiber.ts). On the first run the
// trampoline pushes it as the one word of the entry's caller frame, at the top of the
// fiber's shadow-stack slice (sched/run.ts `rootArgument`), and clears SLOT_IS_REF: from
// then on the slot is free for operations, and the argument travels in the fiber's slice
// like any caller's root (scanned while the fiber runs, visited while it is suspended).

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

/** `flags`: `slot` holds a managed reference (the GC visits it). */
export const SLOT_IS_REF: u8 = 1;
/** `flags`: the fiber was cancelled (its scope was); blocking operations return Cancelled. */
export const CANCELLED: u8 = 2;
/** `flags`: `deadline` is set; blocking operations return TimedOut once it passes. */
export const HAS_DEADLINE: u8 = 4;
/** `flags`: spawned by the host (`runtime.spawn`); its end is reported to the host. */
export const HOST_SPAWNED: u8 = 8;
/**
 * `flags`: preempted at a safepoint and not yet resumed; `slot` holds the site
 * (build/preempt.ts), for dumps. Set and cleared by `safepoint` (sched/slice.ts).
 */
export const PREEMPTED: u8 = 16;

/**
 * How an operation ended, for the fiber that called it: the one status vocabulary of the
 * API (docs/API.md, "How operations report their outcome"). An operation that only waits
 * returns it; an operation that yields a value returns the value and leaves this in
 * `outcome()`.
 */
export enum Outcome {
  /** It completed. */
  Ok = 0,
  /** The channel is closed (and, for a receive, drained). */
  Closed = 1,
  /** A `try...` operation (or a select's `poll`) would have had to block. */
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

/** `waitList` of a fiber blocked in `sleep`: it waits on no list, only on its timer. Even,
 *  so never taken for a tagged select (NODE_TAG), and below any heap address. */
// @ts-ignore: decorator
@inline export const SLEEPING: usize = 2;

// Field offsets (the layout above). fiber.ts checks them against the class at compile time.
// @ts-ignore: decorator
@inline export const F_SLOT: usize = 0;
// @ts-ignore: decorator
@inline export const F_DEADLINE: usize = 8;
// @ts-ignore: decorator
@inline export const F_ID: usize = 16;
// @ts-ignore: decorator
@inline export const F_FN: usize = 20;
// @ts-ignore: decorator
@inline export const F_STATE: usize = 24;
// @ts-ignore: decorator
@inline export const F_KIND: usize = 25;
// @ts-ignore: decorator
@inline export const F_OUTCOME: usize = 26;
// @ts-ignore: decorator
@inline export const F_FLAGS: usize = 27;
// @ts-ignore: decorator
@inline export const F_NAME: usize = 28;
// @ts-ignore: decorator
@inline export const F_NEXT: usize = 32;
// @ts-ignore: decorator
@inline export const F_LIVE_NEXT: usize = 36;
// @ts-ignore: decorator
@inline export const F_LIVE_PREV: usize = 40;
// @ts-ignore: decorator
@inline export const F_SAVED: usize = 44;
// @ts-ignore: decorator
@inline export const F_JOINERS: usize = 48;
// @ts-ignore: decorator
@inline export const F_FAILURE: usize = 52;
// @ts-ignore: decorator
@inline export const F_WAIT_LIST: usize = 56;
// @ts-ignore: decorator
@inline export const F_SCOPE: usize = 60;
// @ts-ignore: decorator
@inline export const F_TIMER: usize = 64;
/** Bytes of fields. */
// @ts-ignore: decorator
@inline export const F_SIZE: usize = 68;

/**
 * Raw access to a fiber record by address: the one way the runtime reads and writes one
 * (fiber.ts's getters included).
 */
export namespace Rec {
  // @ts-ignore: decorator
  @inline export function id(f: usize): u32 { return load<u32>(f, F_ID); }
  // @ts-ignore: decorator
  @inline export function setId(f: usize, v: u32): void { store<u32>(f, v, F_ID); }
  // @ts-ignore: decorator
  @inline export function state(f: usize): FiberState { return <FiberState>load<u8>(f, F_STATE); }
  // @ts-ignore: decorator
  @inline export function setState(f: usize, s: FiberState): void { store<u8>(f, <u8>s, F_STATE); }
  // @ts-ignore: decorator
  @inline export function kind(f: usize): u8 { return load<u8>(f, F_KIND); }
  // @ts-ignore: decorator
  @inline export function setKind(f: usize, v: u8): void { store<u8>(f, v, F_KIND); }
  // @ts-ignore: decorator
  @inline export function fn(f: usize): u32 { return load<u32>(f, F_FN); }
  // @ts-ignore: decorator
  @inline export function setFn(f: usize, v: u32): void { store<u32>(f, v, F_FN); }
  // @ts-ignore: decorator
  @inline export function slot(f: usize): u64 { return load<u64>(f, F_SLOT); }
  // @ts-ignore: decorator
  @inline export function next(f: usize): usize { return load<usize>(f, F_NEXT); }
  // @ts-ignore: decorator
  @inline export function setNext(f: usize, v: usize): void { store<usize>(f, v, F_NEXT); }
  // @ts-ignore: decorator
  @inline export function liveNext(f: usize): usize { return load<usize>(f, F_LIVE_NEXT); }
  // @ts-ignore: decorator
  @inline export function setLiveNext(f: usize, v: usize): void { store<usize>(f, v, F_LIVE_NEXT); }
  // @ts-ignore: decorator
  @inline export function livePrev(f: usize): usize { return load<usize>(f, F_LIVE_PREV); }
  // @ts-ignore: decorator
  @inline export function setLivePrev(f: usize, v: usize): void { store<usize>(f, v, F_LIVE_PREV); }
  // @ts-ignore: decorator
  @inline export function outcome(f: usize): Outcome { return <Outcome>load<u8>(f, F_OUTCOME); }
  // @ts-ignore: decorator
  @inline export function setOutcome(f: usize, o: Outcome): void { store<u8>(f, <u8>o, F_OUTCOME); }
  // @ts-ignore: decorator
  @inline export function waitList(f: usize): usize { return load<usize>(f, F_WAIT_LIST); }
  // @ts-ignore: decorator
  @inline export function setWaitList(f: usize, v: usize): void { store<usize>(f, v, F_WAIT_LIST); }
  /** Sets the value slot; `isRef` says whether the GC must visit it. */
  // @ts-ignore: decorator
  @inline export function setSlot(f: usize, bits: u64, isRef: bool): void {
    store<u64>(f, bits, F_SLOT);
    let flags = load<u8>(f, F_FLAGS) & ~SLOT_IS_REF;
    store<u8>(f, isRef ? flags | SLOT_IS_REF : flags, F_FLAGS);
  }
  /** Sets the argument bits at spawn (the record is new: no flag to keep). */
  // @ts-ignore: decorator
  @inline export function initSlot(f: usize, bits: u64): void { store<u64>(f, bits, F_SLOT); }
  // @ts-ignore: decorator
  @inline export function joiners(f: usize): usize { return load<usize>(f, F_JOINERS); }
  // @ts-ignore: decorator
  @inline export function saved(f: usize): usize { return load<usize>(f, F_SAVED); }
  // @ts-ignore: decorator
  @inline export function setSaved(f: usize, v: usize): void { store<usize>(f, v, F_SAVED); }
  // @ts-ignore: decorator
  @inline export function flags(f: usize): u8 { return load<u8>(f, F_FLAGS); }
  // @ts-ignore: decorator
  @inline export function setFlags(f: usize, v: u8): void { store<u8>(f, v, F_FLAGS); }
  // @ts-ignore: decorator
  @inline export function timer(f: usize): u32 { return load<u32>(f, F_TIMER); }
  // @ts-ignore: decorator
  @inline export function setTimer(f: usize, v: u32): void { store<u32>(f, v, F_TIMER); }
  // @ts-ignore: decorator
  @inline export function deadline(f: usize): f64 { return load<f64>(f, F_DEADLINE); }
  // @ts-ignore: decorator
  @inline export function setDeadline(f: usize, v: f64): void { store<f64>(f, v, F_DEADLINE); }
  // @ts-ignore: decorator
  @inline export function scope(f: usize): usize { return load<usize>(f, F_SCOPE); }
  // @ts-ignore: decorator
  @inline export function failure(f: usize): usize { return load<usize>(f, F_FAILURE); }
  // @ts-ignore: decorator
  @inline export function name(f: usize): usize { return load<usize>(f, F_NAME); }
  /**
   * Stores a managed field of a record that may already be marked: the write barrier
   * (`__link`) keeps the GC from missing `ref`. For name, failure, scope, joiners.
   */
  // @ts-ignore: decorator
  @inline export function setRef(f: usize, offset: usize, ref: usize): void {
    store<usize>(f + offset, ref);
    if (ref != 0) __link(f, ref, false);
  }
  /** Stores a managed field of a record fresh from `__new` (white: no barrier needed). */
  // @ts-ignore: decorator
  @inline export function initRef(f: usize, offset: usize, ref: usize): void {
    store<usize>(f + offset, ref);
  }
}

/** `#3 "worker"`: how messages and dumps name the fiber at `f`. */
export function fiberLabel(f: usize): string {
  let id = "#" + Rec.id(f).toString();
  let name = Rec.name(f);
  return name != 0 ? id + " \"" + changetype<string>(name) + "\"" : id;
}
