// failure.ts: what a failed fiber leaves behind, and how the runtime fails a caller that
// misused it.
//
// A fiber fails when it traps or aborts (AssemblyScript has no exceptions): the host (or
// the WASI runner) catches the fault and calls `failCurrent` (sched/fail.ts), which
// records a Failure on the fiber. `join()` and `Scope.wait()` hand it to user code.
//
// Misuse: an API call that cannot be honoured (joining oneself, sending on a closed
// channel, ...) sets the per-thread misuse flag and aborts; `failCurrent` turns the
// abort into FailureKind.Misuse. Invariant: the flag is set only between `misuse` and the
// `failCurrent` that follows its abort, which clears it.

import { FailureKind } from "./layout";
import { T } from "./state";

export { FailureKind };

/** What a failed fiber left behind: `join()` hands it to the joiner. */
export class Failure {
  /**
   * The whole story, readable alone: `fiber #3 "worker" failed: id must be positive at
   * assembly/app.ts:10:5` (who, what, where; errors raised inside the standard library
   * point into it, `~lib/array.ts:...`). `toString()` returns it too. The one formatting
   * of a failure (`failureText`): the hosts print this text (`__weft_failure_text`).
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
    this.message = failureText(fiberId, fiberName, reason, file, line, column);
  }

  /** `message`. */
  toString(): string {
    return this.message;
  }
}

/** The text of a failure (see `Failure.toString`). */
export function failureText(id: u32, name: string | null, reason: string, file: string | null, line: u32, column: u32): string {
  let who = "fiber #" + id.toString();
  if (name !== null) who += " \"" + name + "\"";
  let text = who + " failed: " + reason;
  if (file !== null && file.length > 0) text += " at " + file + ":" + line.toString() + ":" + column.toString();
  return text;
}

/** Fails the running fiber because it misused the API (FailureKind.Misuse). */
export function misuse(message: string): void {
  T.setMisuse(true);
  abort(message);
}

/** `misuse` under the name the layers above have used. */
export function misuseOf(message: string): void {
  misuse(message);
}
