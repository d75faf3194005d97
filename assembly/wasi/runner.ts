// runner.ts: the WASI command. `_start` runs the program with no JavaScript host.
//
// `weft build --target wasi` compiles this file as the module's entry next to the user's
// program (instead of exporting the JS host's ABI), so the module exports `_start` and
// `memory` only: a WASI preview1 command that any WASI runtime can start. `_start` does
// what host/runtime.ts does for the JS host, in the same order and with the same text:
//
//   _start ─► top-level code (asc's start function, linked in as `weft.init`)
//          ─► spawn `main` as fiber #1 (abi.ts `__weft_start`)
//          ─► loop: run the scheduler for RUN_BUDGET switches, guarded (abort.ts)
//                   ├ an abort ended the slice: fail the running fiber, go on
//                   ├ failures recorded: one stderr line each
//                   ├ MainEnded: leave the loop
//                   ├ Idle: every fiber blocked, nothing can wake one: deadlock, status 2
//                   ├ Waiting: every fiber waits for a timer: sleep in poll_oneoff until
//                   │          the earliest deadline (sleep.ts), then go on
//                   └ Budget: go on
//          ─► report fibers `main` left alive; proc_exit(0 ok | 1 main failed | 2 | 3)
//
// The loop lives in wasm, so no switch and no slice ever leaves the module; the only
// calls out are WASI's (fd_write for output, poll_oneoff to sleep, proc_exit).
//
// Rejected: the shim's convention of running the program as `_start`'s top-level code
// (nothing would drive the scheduler after it), and a runner in JavaScript over the ABI
// exports (that is the JS host; a WASI runtime has no JavaScript to run it).
//
// The shadow-stack pointer after a caught abort points into the failed fiber's abandoned
// frames; the runner puts it back where it was when it entered the scheduler (the
// trampoline's fiber base), which is what the JS host's `__weft_reset` does for a call
// made from JavaScript (there the base is `__heap_base`; here the runner may own a frame).

import { proc_exit } from "bindings/wasi_snapshot_preview1";
import { RunStatus, RUN_BUDGET, SLICE_MS, EXIT_OK, EXIT_DEADLOCK, EXIT_FAULT } from "../layout";
import { isDeadlock } from "../sched/end";
import { run } from "../sched/run";
import { resetStack } from "../sched/fail";
import { nextDeadline } from "../sched/fire";
import { hostNow } from "../platform";
import { __weft_start } from "../abi";
import { tryCall, abortHandled, abortMessage, abortFile, abortLine, abortColumn } from "./abort";
import { recover, reportFailures, reportDeadlock, reportEnd, writeLine, STDERR } from "./report";
// weft_console, the `console` of WASI programs (--use console=weft_console)
import "./console";
import { sleepUntil } from "./sleep";

/** Kept until the build has inserted the safepoints that call it (build/preempt.ts). */
export { safepoint as __weft_safepoint } from "../sched/slice";

/** The program's top-level code: asc's start function, linked by the build. */
// @ts-ignore: decorator
@external("weft", "init")
declare function programInit(): void;

let status: i32 = 0;

function initEntry(): void {
  programInit();
}

function startEntry(): void {
  __weft_start();
}

function runEntry(): void {
  // slices as long as the JavaScript host's default `sliceMs`
  status = run(RUN_BUDGET, hostNow() + <f64>SLICE_MS);
}

/**
 * Calls `fn` guarded (abort.ts); after an abort, restores the shadow-stack pointer and
 * fails the running fiber. Returns false if the abort came from outside any fiber (the
 * program must end with status 3).
 */
function guarded(fn: () => void): bool {
  let sp = __stack_pointer;
  if (tryCall(fn.index)) return true;
  __stack_pointer = sp;
  let inFiber = recover(abortMessage, abortFile, abortLine, abortColumn);
  abortHandled();
  return inFiber;
}

/** Runs the program and returns its exit status. */
function execute(): i32 {
  if (!guarded(initEntry) || !guarded(startEntry)) return EXIT_FAULT;
  while (true) {
    status = -1;
    let ok = guarded(runEntry);
    reportFailures();
    if (!ok) return EXIT_FAULT;
    if (status == RunStatus.MainEnded) return EXIT_OK;
    // under WASI there is no host to complete a host call (hostcall.ts): a fiber waiting
    // for one is asleep for good
    if (status >= 0 && isDeadlock(<RunStatus>status, false, false)) {
      reportDeadlock();
      return EXIT_DEADLOCK;
    }
    if (status == RunStatus.Waiting) {
      if (!sleepUntil(nextDeadline())) {
        writeLine(STDERR, "weft: fatal: the WASI runtime cannot sleep (poll_oneoff failed)");
        return EXIT_FAULT;
      }
    }
    // Budget, Waiting, or -1 (a fiber failed): the scheduler goes on with the others
  }
  return EXIT_OK;
}

/** The WASI command's entry point. */
export function _start(): void {
  let code = reportEnd(execute());
  if (code != 0) proc_exit(code);
}

/**
 * The fatal end of an abort (abort.ts `fatalAbort`; the build links it and removes this
 * export): every abort of a build without exception handling (`--exceptions none`), and
 * in any build an abort with no guarded call around it (the runner's own code, outside
 * any fiber). Abandons the shadow stack before anything that has a frame runs (an
 * overflowed stack must not overflow again), reports the failure as every build does
 * (a fiber's failure line, or `fault outside any fiber`), says why the program stops, and
 * exits with status 3. An abort while this reports is reported by abort.ts, in one line.
 */
export function __weft_fatal_abort(): void {
  resetStack();
  fatalAbort();
}

function fatalAbort(): void {
  if (recover(abortMessage, abortFile, abortLine, abortColumn)) {
    reportFailures();
    writeLine(STDERR, "weft: fatal: built without exception handling (--exceptions none), a failing fiber ends the program");
  }
  proc_exit(EXIT_FAULT);
}
