// report.ts: what a WASI program writes about itself, byte for byte what the JS host writes.
//
// The JavaScript host (host/runtime.ts) prints failure lines, the deadlock report and the
// report of fibers left alive when `main` ended. Under WASI the runner prints them itself,
// from the same scheduler data, with the same text, so that a program's output does not
// depend on where it runs (tests/wasi.test.ts compares both). Output goes straight to
// fd 1 and fd 2 with `fd_write`, one call per line: nothing is buffered, so nothing is
// lost when the program exits or traps.

import { fd_write } from "bindings/wasi_snapshot_preview1";
import { FailureKind, DUMP_LIMIT, FAILURE_TEXT } from "../layout";
import { failCurrent, takeFailure } from "../sched/fail";
import { dumpFibers } from "../sched/diag";
import { exitStatus, deadlockHeadline, leftoverHeadline } from "../sched/end";

export const STDOUT: u32 = 1;
export const STDERR: u32 = 2;


// One iovec { buf, len } and the written-count word, reused by every write.
// @ts-ignore: decorator
@lazy const IOV: usize = memory.data(12, 4);

/** Writes `text` to `fd` as UTF-8 (all of it: short writes are continued). */
export function writeText(fd: u32, text: string, newline: bool = false): void {
  let units = text.length;
  let bytes = <usize>String.UTF8.byteLength(text) + (newline ? 1 : 0);
  let buf = heap.alloc(bytes);
  String.UTF8.encodeUnsafe(changetype<usize>(text), units, buf);
  if (newline) store<u8>(buf + bytes - 1, 0x0a);
  let p = buf;
  let left = bytes;
  while (left > 0) {
    store<usize>(IOV, p, 0);
    store<usize>(IOV, left, 4);
    // a failed write (closed pipe) drops the rest: there is nowhere to report it
    if (fd_write(fd, IOV, 1, IOV + 8) != 0) break;
    let n = load<usize>(IOV, 8);
    if (n == 0) break;
    p += n;
    left -= n;
  }
  heap.free(buf);
}

/** Writes `text` and a newline to `fd` in one write. */
export function writeLine(fd: u32, text: string): void {
  writeText(fd, text, true);
}

/**
 * `weft: fiber #3 "worker" failed: <message> at <file>:<line>:<column>` for each failure
 * the scheduler recorded since the last call, as the JS host's default `onFailure`.
 */
export function reportFailures(): void {
  for (let at = takeFailure(); at != 0; at = takeFailure()) {
    writeLine(STDERR, "weft: " + changetype<string>(load<usize>(at + FAILURE_TEXT)));
  }
}

/**
 * After a caught abort (the shadow stack already restored): fails the running fiber with
 * the abort's message and location, as the JS host's `recover`. Returns false, after
 * printing the fatal line, if no fiber was running (the program must end with status 3).
 */
export function recover(message: string | null, file: string | null, line: u32, column: u32): bool {
  if (failCurrent(FailureKind.Abort, message, file, line, column)) return true;
  writeLine(STDERR, "weft: fatal: fault outside any fiber: " + (message !== null ? message : "null"));
  return false;
}

/** The deadlock report (sched/end.ts): every fiber is blocked and nothing can wake one. */
export function reportDeadlock(): void {
  writeLine(STDERR, deadlockHeadline());
  writeDump();
}

/**
 * The end of a run that stopped with `stopped` (0, 2 or 3): the exit status and the report
 * of fibers left alive, by the one policy (sched/end.ts). Returns the status.
 */
export function reportEnd(stopped: i32): i32 {
  let status = exitStatus(stopped);
  let headline = leftoverHeadline(status, false);
  if (headline !== null) {
    writeLine(STDERR, headline);
    writeDump();
  }
  return status;
}

/** The dump of live fibers, indented, one line each, at most DUMP_LIMIT. */
function writeDump(): void {
  let text = dumpFibers(DUMP_LIMIT);
  if (text.length == 0) return;
  let lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) writeLine(STDERR, "  " + lines[i]);
}
