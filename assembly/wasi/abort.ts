// abort.ts: AssemblyScript's `abort` for the WASI target, and the guarded call around it.
//
// Model. On the JavaScript host, `abort()` (and `assert`, `throw`, the standard library's
// errors, which all compile to it) is an import that throws a JS exception: it unwinds
// every wasm frame to the host, which then fails the running fiber and resumes the
// scheduler. Under WASI there is no host to unwind to, so the module catches its own
// aborts with WebAssembly exception handling:
//
//   runner.ts ── tryCall(runEntry) ──► try ─ run() ─ fiber ─ ... ─ abort()
//                                        │                          │ records message,
//                                        │                          │ file, line, column
//                                        ◄──── catch $weft.abort ◄──┘ throw $weft.abort
//                returns false ◄─────────┘
//   runner.ts restores the shadow-stack pointer, calls failCurrent (sched/fail.ts), and
//   enters the scheduler again: exactly the JS host's path (host/runtime.ts `recover`).
//
// Both `throwAbort` and `tryCall` are imports that the build replaces with real wasm code
// after the asyncify pass (build/passes.ts `bindExceptions`): asyncify cannot instrument a
// function that contains try/catch, and it never sees them (no import can suspend). The
// `try` sits in the runner, around the whole call into the scheduler, not inside the
// trampoline: an abort raised by the trampoline itself (a guard check after a fiber ran)
// is then caught the same way, and the trampoline's code after the entry call, which would
// finish the fiber a second time, is skipped, as when the JS host unwinds.
//
// Traps (`unreachable`, out-of-bounds access, call-stack exhaustion) are not exceptions:
// wasm cannot catch them, and under WASI they end the program (docs/WASI.md).
//
// Without exception handling (`weft build --target wasi --exceptions none`, for runtimes
// that lack it) an abort cannot return into the scheduler: the build binds `throwAbort` to
// the runner's `__weft_fatal_abort`, which prints the failure line the other builds print
// and exits with status 3.
//
// Rejected: setjmp/longjmp over asyncify (unwinding every frame of the failing fiber by
// hand would need instrumentation of every function that can abort: nearly all of them),
// and a try around only the trampoline's entry call (aborts of the trampoline's own checks
// would escape it, and the fiber would be finished twice).

import { recover } from "./report";

// The last abort's arguments, read by the runner after the catch (lazy: an abort can
// come from top-level code that runs before this file's own).
// @ts-ignore: decorator
@lazy export let abortMessage: string | null = null;
// @ts-ignore: decorator
@lazy export let abortFile: string | null = null;
// @ts-ignore: decorator
@lazy export let abortLine: u32 = 0;
// @ts-ignore: decorator
@lazy export let abortColumn: u32 = 0;

/** Throws the module's abort exception (bound by the build to `throw $weft.abort`). */
// @ts-ignore: decorator
@external("weft", "throw_abort")
declare function throwAbort(): void;

/**
 * Calls the function at table index `fn`; returns false if it aborted (bound by the build
 * to `try (call_indirect fn) catch $weft.abort`).
 */
// @ts-ignore: decorator
@external("weft", "try_call")
declare function tryCallIndex(fn: u32): bool;

/**
 * Calls `fn` guarded; after an abort, restores the shadow-stack pointer and fails the
 * running fiber. Returns false if the abort came from outside any fiber (the program
 * must end with status 3).
 */
export function guarded(fn: () => void): bool {
  let sp = __stack_pointer;
  if (tryCallIndex(fn.index)) return true;
  __stack_pointer = sp;
  return recover(abortMessage, abortFile, abortLine, abortColumn);
}

/**
 * AssemblyScript's abort under WASI (`--use abort=__weft_wasi_abort`): records where and
 * why, and throws. Has no shadow frame: it runs when the shadow stack may already be
 * exhausted ("stack overflow"). With `--exceptions none` the build binds `throwAbort` to
 * the runner's `__weft_fatal_abort` instead, which reports and exits.
 */
// @ts-ignore: decorator
@global export function __weft_wasi_abort(message: string | null = null, fileName: string | null = null, lineNumber: u32 = 0, columnNumber: u32 = 0): void {
  abortMessage = message;
  abortFile = fileName;
  abortLine = lineNumber;
  abortColumn = columnNumber;
  throwAbort();
}
