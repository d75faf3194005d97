// console.ts: AssemblyScript's `console` for the WASI target (`--use console=weft_console`).
//
// It writes what the JS host writes for the same call (host/runtime.ts `hostImports`):
// log, info and debug a line on fd 1; warn and error a line on fd 2; assert the message
// on fd 2 when the condition is false; timeLog and timeEnd `label: 1.234ms` on fd 1. The
// shim's own console (@assemblyscript/wasi-shim) prefixes "Info: ", "Warning: ", ... and
// sends errors to stdout: a program would print differently under WASI than on the JS
// host, so weft provides this one and takes the rest of the shim as it is.
//
// Each line is one `fd_write` (report.ts), so lines of different fibers never interleave.

import { clock_time_get, clockid } from "bindings/wasi_snapshot_preview1";
import { writeLine, STDOUT, STDERR } from "./report";

// @ts-ignore: decorator
@lazy const TIME_OUT: usize = memory.data(8, 8);
// @ts-ignore: decorator
@lazy const timers = new Map<string, u64>();

function nowNanos(): u64 {
  clock_time_get(clockid.MONOTONIC, 1000, TIME_OUT);
  return load<u64>(TIME_OUT);
}

/** `label: 12.345ms`: the time since `start` in ms with three decimals, as JS's toFixed(3). */
function elapsed(label: string, start: u64): string {
  let micros = (nowNanos() - start + 500) / 1000;
  let fraction = (micros % 1000).toString();
  while (fraction.length < 3) fraction = "0" + fraction;
  return label + ": " + (micros / 1000).toString() + "." + fraction + "ms";
}

// @ts-ignore: decorator
@global export namespace weft_console {
  /** Writes `message` to stderr if `condition` is falsy. */
  export function assert<T>(condition: T, message: string = ""): void {
    if (!condition) writeLine(STDERR, message);
  }

  /** Writes a line to stdout. */
  export function log(message: string = ""): void {
    writeLine(STDOUT, message);
  }

  /** Writes a line to stdout. */
  export function debug(message: string = ""): void {
    writeLine(STDOUT, message);
  }

  /** Writes a line to stdout. */
  export function info(message: string = ""): void {
    writeLine(STDOUT, message);
  }

  /** Writes a line to stderr. */
  export function warn(message: string = ""): void {
    writeLine(STDERR, message);
  }

  /** Writes a line to stderr. */
  export function error(message: string = ""): void {
    writeLine(STDERR, message);
  }

  /** Starts a timer named `label`. */
  export function time(label: string = "default"): void {
    timers.set(label, nowNanos());
  }

  /** Prints the time since `time(label)` (nothing if there is no such timer). */
  export function timeLog(label: string = "default"): void {
    if (timers.has(label)) writeLine(STDOUT, elapsed(label, timers.get(label)));
  }

  /** Prints the time since `time(label)` and forgets the timer. */
  export function timeEnd(label: string = "default"): void {
    if (!timers.has(label)) return;
    writeLine(STDOUT, elapsed(label, timers.get(label)));
    timers.delete(label);
  }
}
