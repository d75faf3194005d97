// abi.ts: the host side of the module ABI (assembly/abi.ts is the other side).
//
// Everything here is plain data: export names, codes shared with the AssemblyScript core,
// and the memory layouts the host reads. It uses only standard web APIs.

/** Exports every weft program has; a module without them is not a weft program. */
export const REQUIRED_EXPORTS = [
  "memory",
  "_start",
  "__new",
  "__weft_start",
  "__weft_run",
  "__weft_reset",
  "__weft_fail",
  "__weft_main_failure",
  "__weft_current",
  "__weft_dump",
  "__weft_alive",
  "__weft_exit_status",
  "__weft_is_deadlock",
  "__weft_deadlock_headline",
  "__weft_leftover_headline",
  "__weft_stats",
  "__weft_take_failure",
  "__weft_switches",
  "__weft_next_deadline",
  "__weft_pending_calls",
  "__weft_complete",
  "__weft_spawn_export",
  "__weft_take_settled",
  "__weft_settled_result",
  "__weft_settled_failure",
] as const;

import * as L from "../assembly/layout.js";

export { SPAWNABLE_PREFIX } from "../assembly/layout.js";

/** The exports as the host calls them. */
export interface WeftExports {
  memory: WebAssembly.Memory;
  /** Runs the program's top-level code (asc --exportStart). */
  _start(): void;
  __new(size: number, classId: number): number;
  __pin(ptr: number): number;
  __unpin(ptr: number): void;
  __collect?(): void;
  __weft_start(): void;
  __weft_run(budget: number, until: number): number;
  __weft_reset(): void;
  __weft_fail(kind: number, message: number, file: number, line: number, column: number): number;
  __weft_main_failure(): number;
  __weft_current(): number;
  __weft_dump(limit: number, minAge: number): number;
  __weft_switches(): number;
  __weft_alive(): number;
  /** The end-of-run policy (assembly/sched/end.ts). */
  __weft_exit_status(stopped: number): number;
  __weft_is_deadlock(status: number, mainEnded: number, hostCompletes: number): number;
  __weft_deadlock_headline(): number;
  __weft_leftover_headline(status: number, serving: number): number;
  __weft_stats(): number;
  __weft_take_failure(): number;
  __weft_next_deadline(): number;
  __weft_pending_calls(): number;
  __weft_complete(token: number, result: number, code: number, message: number): number;
  __weft_spawn_export(index: number, arg: number, name: number): number;
  __weft_take_settled(): number;
  __weft_settled_result(id: number): number;
  __weft_settled_failure(id: number): number;
  /** Tracing (assembly/trace.ts, host/trace.ts); absent in modules built before it existed. */
  __weft_trace_start?(capacity: number, stampEvery: number): number;
  __weft_trace_stop?(): void;
  __weft_trace_header?(): number;
  __weft_trace_string?(index: number): number;
  __weft_trace_drained?(): void;
}

// The codes, constants and block layouts shared with the core: one source, compiled by
// both asc and tsc (assembly/layout.ts).
export { RunStatus, FailureKind, RUN_BUDGET, DUMP_LIMIT, SLICE_MS, EXIT_OK, EXIT_MAIN_FAILED, EXIT_DEADLOCK, EXIT_FAULT } from "../assembly/layout.js";

/** AssemblyScript's class id of `String`. */
const STRING_ID = 2;

/** Counters kept by the scheduler (assembly/layout.ts `STATS_*`, filled by `__weft_stats`). */
export interface Stats {
  /** Fibers spawned since start, `main` included. */
  spawned: number;
  /** Switches into a fiber (first runs and resumes). */
  switches: number;
  /** Fibers that have not ended. */
  alive: number;
  /** Most fibers alive at once. */
  peakAlive: number;
  /** Fibers that failed. */
  failed: number;
  /** Fibers blocked now. */
  blocked: number;
  /** Times a fiber blocked since start (joins, channel operations, locks, `park`). */
  blocks: number;
  /** Times a blocked fiber was woken since start (every block ends in one wake: blocks - blocked). */
  wakes: number;
  /** Fibers on the run queue, waiting for their turn. */
  ready: number;
  /** Bytes of saved blocks held by suspended fibers. */
  savedBytes: number;
  /** Size of the asyncify scratch area. */
  scratchSize: number;
  /** Size of the scratch guard. */
  guardSize: number;
  /** Size of the shadow stack. */
  shadowStackSize: number;
  /** Bytes of linear memory. */
  memoryBytes: number;
  /** Timers pending (sleeping fibers, deadlines, tickers). */
  timers: number;
  /** Host calls in flight. */
  hostCalls: number;
}

/**
 * Reads the counters. One call into the core per read: blocked and ready fibers are counted
 * then (a walk of the live list and of the run queue), never on the switch path.
 */
export function readStats(exports: WeftExports): Stats {
  const at = exports.__weft_stats();
  const view = new DataView(exports.memory.buffer);
  const blocked = view.getUint32(at + L.STATS_BLOCKED, true);
  const blocks = Number(view.getBigUint64(at + L.STATS_BLOCKS, true));
  return {
    spawned: Number(view.getBigUint64(at + L.STATS_SPAWNED, true)),
    switches: Number(view.getBigUint64(at + L.STATS_SWITCHES, true)),
    alive: view.getUint32(at + L.STATS_ALIVE, true),
    peakAlive: view.getUint32(at + L.STATS_PEAK, true),
    failed: view.getUint32(at + L.STATS_FAILED, true),
    blocked,
    blocks,
    wakes: blocks - blocked,
    ready: view.getUint32(at + L.STATS_READY, true),
    savedBytes: view.getUint32(at + L.STATS_SAVED_BYTES, true),
    scratchSize: view.getUint32(at + L.STATS_SCRATCH_SIZE, true),
    guardSize: view.getUint32(at + L.STATS_GUARD_SIZE, true),
    shadowStackSize: view.getUint32(at + L.STATS_SHADOW_SIZE, true),
    memoryBytes: exports.memory.buffer.byteLength,
    timers: view.getUint32(at + L.STATS_TIMERS, true),
    hostCalls: view.getUint32(at + L.STATS_HOST_CALLS, true),
  };
}

/** A failure as the core recorded it (assembly/layout.ts `FAILURE_*`, `__weft_take_failure`). */
export interface FailureRecord {
  fiberId: number;
  /** The fiber's name, or null. */
  fiberName: string | null;
  kind: number;
  /** What went wrong, alone (the core's `Failure.reason`); `text` is the whole line. */
  message: string;
  file: string | null;
  line: number;
  column: number;
  /** The failure as one line, as the core formats it (`fiber #3 "w" failed: ...`). */
  text: string;
}

/** Takes the oldest failure the host has not seen, or null. */
export function takeFailure(exports: WeftExports): FailureRecord | null {
  const at = exports.__weft_take_failure();
  if (!at) return null;
  const view = new DataView(exports.memory.buffer);
  return {
    fiberId: view.getUint32(at + L.FAILURE_FIBER_ID, true),
    fiberName: readString(exports.memory, view.getUint32(at + L.FAILURE_FIBER_NAME, true)),
    kind: view.getUint32(at + L.FAILURE_KIND, true),
    message: readString(exports.memory, view.getUint32(at + L.FAILURE_REASON, true)) ?? "",
    file: readString(exports.memory, view.getUint32(at + L.FAILURE_FILE, true)) || null,
    line: view.getUint32(at + L.FAILURE_LINE, true),
    column: view.getUint32(at + L.FAILURE_COLUMN, true),
    text: readString(exports.memory, view.getUint32(at + L.FAILURE_TEXT, true)) ?? "",
  };
}

/** Reads an AssemblyScript string (UTF-16; byte length in the header word before it). */
export function readString(memory: WebAssembly.Memory, ptr: number): string | null {
  if (!ptr) return null;
  const buffer = memory.buffer;
  if (ptr < 4 || ptr > buffer.byteLength) return `<invalid string pointer ${ptr}>`;
  const bytes = new Uint32Array(buffer, ptr - 4, 1)[0];
  if (ptr + bytes > buffer.byteLength || bytes % 2) return `<invalid string at ${ptr}>`;
  const units = new Uint16Array(buffer, ptr, bytes >>> 1);
  let out = "";
  for (let i = 0; i < units.length; i += 4096) out += String.fromCharCode(...units.subarray(i, i + 4096));
  return out;
}

/**
 * Calls `fn` with AssemblyScript strings holding `texts` (null → 0), pinned for the call:
 * an allocation inside the call (or writing the next string) could otherwise let the GC
 * free one before the core stored it.
 */
export function withStrings<T>(exports: WeftExports, texts: (string | null)[], fn: (...ptrs: number[]) => T): T {
  const ptrs: number[] = [];
  try {
    for (const text of texts) ptrs.push(text === null ? 0 : exports.__pin(writeString(exports, text)));
    return fn(...ptrs);
  } finally {
    for (const ptr of ptrs) if (ptr) exports.__unpin(ptr);
  }
}

/** Allocates an AssemblyScript string holding `text`; returns its pointer (unpinned). */
export function writeString(exports: WeftExports, text: string): number {
  const ptr = exports.__new(text.length << 1, STRING_ID);
  const units = new Uint16Array(exports.memory.buffer, ptr, text.length);
  for (let i = 0; i < text.length; i++) units[i] = text.charCodeAt(i);
  return ptr;
}
