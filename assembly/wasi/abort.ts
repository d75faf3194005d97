// abort.ts: AssemblyScript's `abort` for the WASI target, and the guarded call around it.
//
// Model. On the JavaScript host, `abort()` (and `assert`, `throw`, the standard library's
// errors, which all compile to it) is an import that throws a JS exception: it unwinds
// every wasm frame to the host, which then fails the running fiber and resumes the
// scheduler. Under WASI there is no host to unwind to, so the module catches its own
// aborts with WebAssembly exception handling:
//
//   runner.ts ── guarded(runEntry) ─► tryCall ─► try ─ run() ─ fiber ─ ... ─ abort()
//                                                 │                          │ records message,
//                                                 │                          │ file, line, column
//                                                 ◄──── catch $weft.abort ◄──┘ throw $weft.abort
//                returns false ◄──────────────────┘
//   runner.ts restores the shadow-stack pointer, calls failCurrent (sched/fail.ts), and
//   enters the scheduler again: exactly the JS host's path (host/runtime.ts `recover`).
//
// `throwAbort`, `tryCallIndex` and `fatalAbort` are imports that the build replaces with
// real wasm code after the asyncify pass (build/passes.ts `bindExceptions`): asyncify cannot
// instrument a function that contains try/catch, and it never sees them (no import can
// suspend). The `try` sits in the runner, around the whole call into the scheduler, not
// inside the trampoline: an abort raised by the trampoline itself (a guard check after a
// fiber ran) is then caught the same way, and the trampoline's code after the entry call,
// which would finish the fiber a second time, is skipped, as when the JS host unwinds.
//
// An abort with no `try` around it (the runner's own code between guarded calls, such as
// the failure report) must not throw: nothing would catch it, and the WASI runtime would
// end the program with its own message about an uncaught exception. It goes to the
// runner's fatal handler (`fatalAbort`, bound to `__weft_fatal_abort`), which reports it
// and exits with status 3.
//
// A second abort while the first is handled (the handler reports with strings, so a
// corrupted heap or collector aborts again) would call the handler again, without end,
// until the call stack is exhausted. It is reported instead by `nestedAbort`, in one line
// written without allocating, and the program exits with status 3.
//
// Invariant: THIS FILE IMPORTS NOTHING BUT THE WASI BINDINGS (declarations only). The
// runtime itself calls `abort` (itcms.ts, tlsf.ts, `__new`), so asc compiles this file
// while it compiles the allocator. asc puts the initializer of a lazily compiled global
// (the collector's `fromSpace`, `toSpace`, `pinSpace`, `threshold`) into the start function
// it is compiling when it first meets the global, and the call to an imported file's
// top-level code into the same start function when it first meets the file. A file
// imported here (report.ts, and through it the scheduler, the tracer, ...) would have its
// top-level code, which allocates (`new Array`, `new Map`), run before the collector's
// lists exist: those objects were linked into a list at address 0 and were in no list
// afterwards, and the first collection that marked them asserted in itcms `unlink` (or,
// without the assert, corrupted the lists and freed live objects). The program's own
// top-level allocation (`let keep = new A2()`) is what made asc compile the allocator, and
// so this file, from the program's start function. tests/wasigc.test.ts builds such
// programs.
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

import { fd_write, proc_exit } from "bindings/wasi_snapshot_preview1";

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

/** Guarded calls in progress: 0 means an abort now has no `try` to reach. */
// @ts-ignore: decorator
@lazy let guardDepth: i32 = 0;

// What the module is doing about aborts.
// @ts-ignore: decorator
@inline const CALM = 0;
// @ts-ignore: decorator
@inline const HANDLING = 1; // an abort is being handled (caught and recovering, or fatal)
// @ts-ignore: decorator
@inline const NESTED = 2; // a second abort came meanwhile: it is being reported
// @ts-ignore: decorator
@lazy let phase: i32 = CALM;

// The second abort's arguments, for `nestedAbort`.
// @ts-ignore: decorator
@lazy let nestedMessage: string | null = null;
// @ts-ignore: decorator
@lazy let nestedFile: string | null = null;
// @ts-ignore: decorator
@lazy let nestedLine: u32 = 0;
// @ts-ignore: decorator
@lazy let nestedColumn: u32 = 0;

/** Status of a program that ended on a fault (docs/WASI.md). */
// @ts-ignore: decorator
@inline const FATAL_STATUS: u32 = 3;

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

/** The runner's fatal handler, `__weft_fatal_abort` (bound by the build): reports, exits 3. */
// @ts-ignore: decorator
@external("weft", "fatal_abort")
declare function fatalAbort(): void;

/** Calls the function at table index `fn` guarded; returns false if it aborted. */
export function tryCall(fn: u32): bool {
  guardDepth++;
  let ok = tryCallIndex(fn);
  guardDepth--;
  return ok;
}

/** The runner has handled the last abort (the fiber failed): a next one is a new one. */
export function abortHandled(): void {
  phase = CALM;
}

/**
 * AssemblyScript's abort under WASI (`--use abort=__weft_wasi_abort`): records where and
 * why, and throws, or goes to the fatal handler when nothing would catch the exception.
 * Has no shadow frame: it runs when the shadow stack may already be exhausted ("stack
 * overflow"); no managed argument is used after a call. With `--exceptions none` the
 * build binds `throwAbort` to the runner's `__weft_fatal_abort` too, which reports and exits.
 */
// @ts-ignore: decorator
@global export function __weft_wasi_abort(message: string | null = null, fileName: string | null = null, lineNumber: u32 = 0, columnNumber: u32 = 0): void {
  if (phase != CALM) {
    nestedMessage = message;
    nestedFile = fileName;
    nestedLine = lineNumber;
    nestedColumn = columnNumber;
    nestedAbort();
    return;
  }
  abortMessage = message;
  abortFile = fileName;
  abortLine = lineNumber;
  abortColumn = columnNumber;
  phase = HANDLING;
  if (guardDepth == 0) fatalAbort();
  else throwAbort();
}

/**
 * A second abort while the first was handled: abandons the shadow stack (which may be the
 * reason), then reports both in one line, and exits with status 3. Has no frame itself.
 */
function nestedAbort(): void {
  if (phase == NESTED) proc_exit(FATAL_STATUS); // reporting the nested abort aborted: no more words
  phase = NESTED;
  __stack_pointer = __heap_base;
  reportNested();
  proc_exit(FATAL_STATUS);
}

/**
 * `weft: fatal: abort while handling an abort: <second> (handling: <first>)`, each as
 * `message at file:line:column`, to stderr. Allocates nothing: the heap or the collector
 * may be what aborted.
 */
function reportNested(): void {
  lineLength = 0;
  appendText("weft: fatal: abort while handling an abort: ");
  appendAbort(nestedMessage, nestedFile, nestedLine, nestedColumn);
  appendText(" (handling: ");
  appendAbort(abortMessage, abortFile, abortLine, abortColumn);
  appendText(")");
  store<u8>(LINE + lineLength++, 0x0a); // room was kept for it
  let p = LINE;
  let left = lineLength;
  while (left > 0) {
    store<usize>(LINE_IOV, p, 0);
    store<usize>(LINE_IOV, left, 4);
    if (fd_write(2, LINE_IOV, 1, LINE_IOV + 8) != 0) break;
    let n = load<usize>(LINE_IOV, 8);
    if (n == 0) break;
    p += n;
    left -= n;
  }
}

// The nested-abort line, built in static memory (long texts are cut).
// @ts-ignore: decorator
@inline const LINE_CAPACITY: usize = 1024;
// @ts-ignore: decorator
@lazy const LINE: usize = memory.data(<i32>LINE_CAPACITY);
// @ts-ignore: decorator
@lazy const LINE_IOV: usize = memory.data(12, 4);
// @ts-ignore: decorator
@lazy let lineLength: usize = 0;

/** `message at file:line:column`, as the failure lines write an abort ("unknown failure" for none). */
function appendAbort(message: string | null, file: string | null, line: u32, column: u32): void {
  appendText(message !== null ? message : "unknown failure");
  if (file === null || file.length == 0) return;
  appendText(" at ");
  appendText(file);
  appendText(":");
  appendNumber(line);
  appendText(":");
  appendNumber(column);
}

/** Appends `text` as UTF-8, as much as fits (every UTF-16 unit takes at most 3 bytes). */
function appendText(text: string): void {
  let room = (LINE_CAPACITY - 1 - lineLength) / 3; // one byte stays for the newline
  let units = <usize>text.length;
  if (units > room) units = room;
  lineLength += String.UTF8.encodeUnsafe(changetype<usize>(text), units, LINE + lineLength);
}

/** Appends `value` in decimal. */
function appendNumber(value: u32): void {
  let digits: usize = 1;
  for (let v = value; v >= 10; v /= 10) digits++;
  if (lineLength + digits > LINE_CAPACITY - 1) return;
  for (let i = digits; i > 0; i--) {
    store<u8>(LINE + lineLength + i - 1, 0x30 + value % 10);
    value /= 10;
  }
  lineLength += digits;
}
