// abi.ts: the exports through which a host drives a weft program.
//
// The build compiles this file as a second entry next to the user's program, so every
// weft module exports the same small ABI no matter what the program exports itself
// (host/abi.ts is the other side and documents each call). The program's own exported
// `main` is reached through the `weft.main` import, which the build links to it
// (build/passes.ts) and then removes from the exports.

import { FailureKind, RunStatus } from "./layout";
import { T } from "./state";
import { startMain, run } from "./sched/run";
import { failCurrent, resetStack, takeFailure } from "./sched/fail";
import { mainFailure, currentId, dumpFibers, aliveFibers, statsAddress, switchTotal } from "./sched/diag";
import { nextDeadline } from "./sched/fire";
import { exitStatus, isDeadlock, deadlockHeadline, leftoverHeadline } from "./sched/end";
import { completeHostCall, hostCallsPending } from "./hostcall";
import { spawnForHost, takeSettled, settledResult, settledFailure } from "./interop";
import { traceOn, traceRunBegin, traceRunEnd, startTrace, stopTrace, traceHeader, traceString, traceDrained, traceGc, GcEvent } from "./trace";

// @ts-ignore: decorator
@external("weft", "main")
declare function userMain(): void;

function mainEntry(): void {
  userMain();
}

/** Spawns `main` as fiber #1. Call once, after instantiation. */
export function __weft_start(): void {
  startMain(mainEntry);
}

/**
 * Runs the scheduler for at most `budget` switches and until the host clock reaches
 * `until` (the slice's end): 0 = main ended (reported once), 1 = idle (every fiber
 * blocked, nothing pending: a deadlock if main runs), 2 = budget or slice spent (call
 * again), 3 = waiting (for `__weft_next_deadline`, or a host call).
 */
export function __weft_run(budget: u32, until: f64): i32 {
  if (traceOn) traceRunBegin();
  let status = run(budget, until);
  if (traceOn) traceRunEnd(status);
  return status;
}

/** Kept until the build has inserted the safepoints that call it (build/preempt.ts). */
export { safepoint as __weft_safepoint } from "./sched/slice";

/** After a trap: resets the shadow stack. Call before any other export. */
export function __weft_reset(): void {
  resetStack();
}

/**
 * After a trap or abort: fails the running fiber. `message` and `file` are string
 * pointers or 0. Returns 1 if a fiber was failed, 0 if the fault was outside any fiber.
 */
export function __weft_fail(kind: i32, message: string | null, file: string | null, line: u32, column: u32): i32 {
  return failCurrent(<FailureKind>kind, message, file, line, column) ? 1 : 0;
}

/** The oldest failure not yet taken: address of its fields (host/abi.ts), or 0. */
export function __weft_take_failure(): usize {
  return takeFailure();
}

/** `main`'s failure as text, or null. */
export function __weft_main_failure(): string | null {
  let failure = mainFailure();
  return failure !== null ? failure.toString() : null;
}

/** Id of the running fiber, or 0. */
export function __weft_current(): u32 {
  return currentId();
}

/**
 * One line per fiber that has not ended, in spawn order, at most `limit` lines; with
 * `minAge` >= 0 only fibers blocked for at least that many switches.
 */
export function __weft_dump(limit: u32, minAge: f64): string {
  return dumpFibers(limit, minAge);
}

/** The scheduler's switch count (the host's clock samples map it to time). */
export function __weft_switches(): f64 {
  return <f64>switchTotal();
}

/** Number of fibers that have not ended. */
export function __weft_alive(): u32 {
  return aliveFibers();
}

// The end-of-run policy (sched/end.ts): the host asks, so that every host ends a program
// the same way.

/** The exit status of a program that stopped with `stopped` (0, 2 or 3): 1 if main failed. */
export function __weft_exit_status(stopped: i32): i32 {
  return exitStatus(stopped);
}

/** 1 if a run call's `status` means a deadlock (`mainEnded`, and whether the host completes host calls, 0/1). */
export function __weft_is_deadlock(status: i32, mainEnded: i32, hostCompletes: i32): i32 {
  return isDeadlock(<RunStatus>status, mainEnded != 0, hostCompletes != 0) ? 1 : 0;
}

/** The first line of a deadlock report (the dump follows). */
export function __weft_deadlock_headline(): string {
  return deadlockHeadline();
}

/** The first line of the report of fibers left alive at exit status `status`, or null (no report; `serving`: 0/1). */
export function __weft_leftover_headline(status: i32, serving: i32): string | null {
  return leftoverHeadline(status, serving != 0);
}

/** Address of the counters block (host/abi.ts `readStats`). */
export function __weft_stats(): usize {
  return statsAddress();
}

/** The earliest pending timer's deadline on the host clock (`weft.now`), or +Infinity. */
export function __weft_next_deadline(): f64 {
  return nextDeadline();
}

/** Host calls in flight (hostcall.ts). */
export function __weft_pending_calls(): i32 {
  return hostCallsPending();
}

/**
 * Completes host call `token` with `result`, or with an error (`code`, `message`: string
 * pointers or 0). Returns 1, or 0 if no such call is in flight.
 */
export function __weft_complete(token: u32, result: f64, code: string | null, message: string | null): i32 {
  return completeHostCall(token, result, code, message) ? 1 : 0;
}

/** Spawns a fiber running spawnable export number `index` (build) with `arg`; its id. */
export function __weft_spawn_export(index: i32, arg: f64, name: string | null): u32 {
  return spawnForHost(index, arg, name);
}

/** Id of the next host-spawned fiber that ended, or 0 (then `__weft_settled_*`). */
export function __weft_take_settled(): u32 {
  return takeSettled();
}

/** Result of ended host-spawned fiber `id`; read before `__weft_settled_failure`. */
export function __weft_settled_result(id: u32): f64 {
  return settledResult(id);
}

/** Failure of ended host-spawned fiber `id` as text, or null; forgets the fiber. */
export function __weft_settled_failure(id: u32): string | null {
  return settledFailure(id);
}

/**
 * Publications the trampoline made after saving a suspending fiber (sched/suspend.ts
 * `publish`); counted in debug builds only (`weft build --debug`), 0 otherwise.
 */
export function __weft_debug_published(): u32 {
  return T.published();
}

/**
 * Starts tracing (assembly/trace.ts): a ring of `capacity` records (0: the default),
 * reading the clock every `stampEvery`-th frequent record (0: the default). Returns 1, or
 * 0 if tracing was on already.
 */
export function __weft_trace_start(capacity: u32, stampEvery: u32): i32 {
  return startTrace(capacity, stampEvery, false) ? 1 : 0;
}

/** Stops tracing (the records stay until drained). */
export function __weft_trace_stop(): void {
  stopTrace(false);
}

/** Address of the trace header (host/trace.ts `readHeader`), refreshed. */
export function __weft_trace_header(): usize {
  return traceHeader();
}

/** String `index` that records since the last drain refer to, or null. */
export function __weft_trace_string(index: u32): string | null {
  return traceString(index);
}

/** The host has read every record and string: frees them for new ones. */
export function __weft_trace_drained(): void {
  traceDrained();
}

// The collector's steps (build/passes.ts `bindGcProfile` links AssemblyScript's profiling
// hooks here and removes these exports): recorded while tracing.

/** An incremental collector step begins; `total` bytes are allocated. */
export function __weft_gc_interrupt(total: usize): void {
  if (traceOn) traceGc(GcEvent.StepBegin, total);
}

/** The step ends. */
export function __weft_gc_yield(total: usize): void {
  if (traceOn) traceGc(GcEvent.StepEnd, total);
}

/** A full collection (`__collect()`) ended. */
export function __weft_gc_collect(total: usize): void {
  if (traceOn) traceGc(GcEvent.Full, total);
}
