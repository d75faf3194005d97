// layout.ts: every layout, code and constant that the core and its hosts must agree on,
// written once. Both sides compile this file: asc as part of the core (AssemblyScript),
// tsc for the JavaScript host (host/abi.ts re-exports it); the WASI runner is core code.
// So it holds only what both languages read the same way: enums with explicit values and
// integer or string constants, no types of either side, no decorators.
//
// Invariant: a number here is the only place that number is written. Anything that reads
// or writes one of these blocks uses these names (tests/layers.test.ts checks host/abi.ts
// and the core's writers of the blocks for offsets of their own).

/** Why `__weft_run` returned to the host. */
export enum RunStatus {
  /** `main` ended (done or failed): the program is over. Reported once. */
  MainEnded = 0,
  /** No fiber is ready, no timer is pending and no host call is outstanding: every fiber
   *  left is blocked for good (a deadlock, if `main` has not ended). */
  Idle = 1,
  /** The switch budget or the time slice is spent; fibers are still ready. Call `run` again. */
  Budget = 2,
  /** No fiber is ready, but a timer is pending (`__weft_next_deadline`) or a host call is
   *  outstanding: call `run` again at that deadline, or when the host completes a call. */
  Waiting = 3,
  /** Threads build only: this thread found no work anywhere and counted itself idle: the
   *  host sleeps on its wake word (`__weft_wake_word`) until it is woken, then calls
   *  `run` again (sched/runq.ts). */
  Parked = 4,
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

/** Exit statuses of a program (sched/end.ts decides them). */
export const EXIT_OK = 0;
/** `main` failed. */
export const EXIT_MAIN_FAILED = 1;
/** Every fiber asleep while `main` runs. */
export const EXIT_DEADLOCK = 2;
/** A fault outside any fiber (or a fatal abort of a build without exception handling). */
export const EXIT_FAULT = 3;

/** Switches per `__weft_run` call from a host (sched/run.ts `run` says why there is one). */
export const RUN_BUDGET = 8192;

/** Default time slice (ms): a `__weft_run` call returns once its slice is over (sched/slice.ts). */
export const SLICE_MS = 10;

/** Most bytes of a safepoint site's function name (UTF-8) that a dump prints; a multiple
 *  of 8 (build/preempt.ts writes the names into the core's `siteNameInto`, sched/slice.ts). */
export const SITE_NAME_MAX = 256;

/** Prefix of the exported globals that number the spawnable exports (build/passes.ts). */
export const SPAWNABLE_PREFIX = "__weft_export$";

/** Default bytes of the zone after the scratch area that absorbs an overflowing unwind. */
export const DEFAULT_GUARD_SIZE = 1048576;
/** Default bytes of asyncify frames one unwind may save (`weft build --scratch-size`). */
export const DEFAULT_SCRATCH_SIZE = 65536;

/** Most fibers an end-of-run or deadlock report lists; more are counted on a last line. */
export const DUMP_LIMIT = 50;

// The counters block (`__weft_stats` returns its address; host/abi.ts `readStats`). All
// little-endian; u64 fields are 8-aligned.
/** u64: fibers spawned since start, `main` included. */
export const STATS_SPAWNED = 0;
/** u64: switches into a fiber. */
export const STATS_SWITCHES = 8;
/** u32: fibers that have not ended. */
export const STATS_ALIVE = 16;
/** u32: most fibers alive at once. */
export const STATS_PEAK = 20;
/** u32: fibers that failed. */
export const STATS_FAILED = 24;
/** u32: bytes of saved blocks. */
export const STATS_SAVED_BYTES = 28;
/** u32: size of the scratch area. */
export const STATS_SCRATCH_SIZE = 32;
/** u32: size of the scratch guard zone. */
export const STATS_GUARD_SIZE = 36;
/** u32: size of the shadow stack. */
export const STATS_SHADOW_SIZE = 40;
/** u32: fibers blocked now. */
export const STATS_BLOCKED = 44;
/** u32: timers pending. */
export const STATS_TIMERS = 48;
/** u32: host calls in flight. */
export const STATS_HOST_CALLS = 52;
/** u64: times a fiber blocked. */
export const STATS_BLOCKS = 56;
/** u32: fibers on the run queue. */
export const STATS_READY = 64;
/** Bytes of the counters block. */
export const STATS_SIZE = 72;

// The failure-info block (`__weft_take_failure` returns its address; host/abi.ts
// `takeFailure`, wasi/report.ts). Strings are AssemblyScript string pointers (or 0).
/** u32: id of the fiber that failed. */
export const FAILURE_FIBER_ID = 0;
/** u32: FailureKind. */
export const FAILURE_KIND = 4;
/** string: the reason alone (`Failure.reason`: the abort message, or the trap). */
export const FAILURE_REASON = 8;
/** string: source file, or empty. */
export const FAILURE_FILE = 12;
/** u32: line, or 0. */
export const FAILURE_LINE = 16;
/** u32: column, or 0. */
export const FAILURE_COLUMN = 20;
/** string: the fiber's name, or 0. */
export const FAILURE_FIBER_NAME = 24;
/** string: the failure as one line of text, the core's one formatting of it
 *  (`fiber #3 "worker" failed: <message> at <file>:<line>:<column>`); hosts print
 *  `weft: ` and this. */
export const FAILURE_TEXT = 28;
/** Bytes of the failure-info block. */
export const FAILURE_INFO_SIZE = 32;
