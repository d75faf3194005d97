// switch.ts: the asyncify intrinsics, as inline helpers for the suspend primitives.
//
// The primitives themselves live where their logic is (`yieldNow` and `park` in
// sched/suspend.ts, `chanSend` and `chanRecv` in sync/channel.ts, the trampoline in
// sched/run.ts); they call the helpers here. Binaryen's asyncify pass turns the
// `asyncify.*` imports declared below into direct calls to the functions it generates, and
// it leaves alone every function that calls one of them directly: that is what keeps the
// primitives and the trampoline *uninstrumented*.
// Everything that can reach these primitives (user code that yields, `join`, ...) is
// instrumented. After the pass the build inlines the primitives into their callers
// (build/passes.ts `inlinePrimitives` says why that is sound).
//
// How a fiber suspends (see docs/ARCHITECTURE.md, "Anatomy of a switch"):
//
//   user code ── yieldNow() ── [suspend primitive] start_unwind(scratch)
//        ▲                              │ returns at once, state = UNWINDING
//        │ every instrumented frame saves its locals into the scratch area and returns
//        │                              ▼
//   trampoline (sched/run.ts): stop_unwind, copy scratch + shadow-stack slice into the
//   fiber's exact-size saved block, pick the next fiber, copy its slice back, restore the
//   stack pointer, start_rewind(its block), call its entry: the instrumented frames reload
//   their locals and re-enter the primitive, which sees REWINDING, calls stop_rewind and
//   returns normally into user code.
//
// Rules that keep this sound (docs/ARCHITECTURE.md, "Anatomy of a switch"):
// - A primitive must not be inlined into its caller before the asyncify pass runs: the
//   caller would then call start_unwind directly and silently stop being instrumented.
//   The build compiles without inlining before the pass and verifies afterwards that only
//   the suspend primitives call `start_unwind` (`analyze` in build/passes.ts).
// - Nothing may run between `start_unwind` and the return from the primitive, and nothing
//   instrumented may run between `start_rewind` and the call into the fiber's entry.
// - The helpers below are `@inline`: AssemblyScript inlines them in its own front end, so
//   the primitive that uses them is still the one function that calls the intrinsic.

import { Scratch } from "./stack";

// @ts-ignore: decorator
@external("asyncify", "start_unwind")
declare function asyncify_start_unwind(data: usize): void;
// @ts-ignore: decorator
@external("asyncify", "stop_unwind")
declare function asyncify_stop_unwind(): void;
// @ts-ignore: decorator
@external("asyncify", "start_rewind")
declare function asyncify_start_rewind(data: usize): void;
// @ts-ignore: decorator
@external("asyncify", "stop_rewind")
declare function asyncify_stop_rewind(): void;
// @ts-ignore: decorator
@external("asyncify", "get_state")
declare function asyncify_get_state(): i32;

/** Asyncify's global state, as returned by `asyncify.get_state`. */
export const enum UnwindState {
  /** Code runs normally. */
  Normal = 0,
  /** Frames are being saved on the way out to the trampoline. */
  Unwinding = 1,
  /** Frames are being restored on the way back into a fiber. */
  Rewinding = 2,
}

/** Current asyncify state. */
// @ts-ignore: decorator
@inline export function unwindState(): i32 {
  return asyncify_get_state();
}

/** Begins unwinding the running fiber into the scratch area. The caller must return at once. */
// @ts-ignore: decorator
@inline export function beginUnwind(): void {
  Scratch.reset();
  asyncify_start_unwind(Scratch.header());
}

/** Called by the trampoline when the fiber's frames are all saved. */
// @ts-ignore: decorator
@inline export function endUnwind(): void {
  asyncify_stop_unwind();
}

/** Starts rewinding from a saved asyncify header; the trampoline then calls the entry. */
// @ts-ignore: decorator
@inline export function beginRewind(header: usize): void {
  asyncify_start_rewind(header);
}

/**
 * The resume half of every suspend primitive: true when this call is the re-entry of a
 * rewinding fiber, in which case the rewind is complete and the primitive must return.
 */
// @ts-ignore: decorator
@inline export function resumed(): bool {
  if (asyncify_get_state() == UnwindState.Rewinding) {
    asyncify_stop_rewind();
    return true;
  }
  return false;
}

/**
 * Abandons an unwind that cannot complete (the host calls this after a trap during
 * unwinding): asyncify goes back to normal so that the scheduler can run again.
 */
export function abandonUnwind(): void {
  if (asyncify_get_state() == UnwindState.Unwinding) {
    // the frames written so far are dropped
    Scratch.reset();
    asyncify_stop_unwind();
  } else if (asyncify_get_state() == UnwindState.Rewinding) {
    asyncify_stop_rewind();
  }
}
