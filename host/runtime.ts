// runtime.ts: the web-standard host core. Loads a weft program, runs it, isolates failures.
//
// The scheduler lives in wasm (assembly/scheduler.ts); the host only enters it and handles
// what wasm cannot handle itself: a trap unwinds every wasm frame and lands here. The host
// then tells the core which fiber failed and why (`__weft_fail`, after `__weft_reset`
// repaired the shadow-stack pointer) and enters the scheduler again, so one failing fiber
// never takes the others down. `abort()` in AssemblyScript reaches the host as the
// `env.abort` import: its message, file, line and column are recorded and a JS exception
// unwinds the wasm frames, which then takes the same path as a trap.
//
// Only standard web APIs are used here (WebAssembly, TextDecoder-free string decoding,
// performance); Node-specific parts live in host/node/.

import {
  REQUIRED_EXPORTS,
  RunStatus,
  RUN_BUDGET,
  FailureKind,
  readStats,
  readString,
  writeString,
  takeFailure,
  type Stats,
  type WeftExports,
} from "./abi.js";
import { Rtrace } from "./rtrace.js";

export type { Stats } from "./abi.js";

/** How a program is loaded and where its output and failure reports go. */
export interface RuntimeOptions {
  /** One line of standard output (no trailing newline). Default: console.log. */
  stdout?: (line: string) => void;
  /** One line of standard error (no trailing newline). Default: console.error. */
  stderr?: (line: string) => void;
  /**
   * Called when a fiber fails, `main` included (other fibers go on). Default: a line on
   * stderr, `weft: fiber #3 "worker" failed: <message> at <file>:<line>:<column>`.
   */
  onFailure?: (failure: FiberFailure) => void;
  /** Name of the program in messages (a file name). */
  name?: string;
  /**
   * Report fibers blocked for at least this many milliseconds while the program runs
   * (leak detection; checked between scheduler slices, each fiber reported once).
   */
  leakAfterMs?: number;
  /** Called for each such fiber with its dump line. Default: a line on stderr. */
  onLeak?: (line: string, blockedMs: number) => void;
  /**
   * Extra imports for the program's own `@external` functions, by module name. weft's
   * modules (`env`, `rtrace`) cannot be replaced.
   */
  imports?: Record<string, Record<string, unknown>>;
}

/** A fiber's failure as the host saw it. */
export interface FiberFailure {
  fiberId: number;
  fiberName: string | null;
  kind: keyof typeof FailureKind;
  message: string;
  file: string | null;
  line: number;
  column: number;
}

/** How a program ended. */
export interface RunResult {
  /** 0: main returned; 1: main failed; 2: deadlock; 3: a fault outside any fiber. */
  exitCode: number;
  /** `main`'s failure as text, if it failed. */
  mainFailure: string | null;
  /** Fibers still alive when the program ended (main ended before them, or a deadlock). */
  aliveAtEnd: number;
  /** Their dump lines, oldest first, at most `DUMP_LIMIT` (then a line counting the rest). */
  leftAlive: string[];
  /** Failures of fibers while the program ran, in order. */
  failures: FiberFailure[];
  stats: Stats;
}

/** A load error with a message meant for the user. */
export class LoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LoadError";
  }
}

/** Thrown through wasm frames by the `env.abort` import. */
class AbortUnwind extends Error {
  constructor(
    readonly messagePtr: number,
    readonly filePtr: number,
    readonly line: number,
    readonly column: number,
  ) {
    super("abort");
  }
}

/** Clock samples kept for mapping switch ages to time (halved when exceeded). */
const CLOCK_SAMPLES = 4096;

/** Most fibers a dump lists by default; more are counted on a last line. */
export const DUMP_LIMIT = 50;

const KIND_NAMES = Object.fromEntries(Object.entries(FailureKind).map(([k, v]) => [v, k])) as Record<number, keyof typeof FailureKind>;

/** A loaded weft program: one wasm instance with its scheduler. */
export class WeftProgram {
  readonly exports: WeftExports;
  /** Allocation counters, when the module was built with rtrace. */
  readonly rtrace: Rtrace | null;
  private readonly stdout: (line: string) => void;
  private readonly stderr: (line: string) => void;
  private readonly onFailure: (failure: FiberFailure) => void;
  private readonly failures: FiberFailure[] = [];
  private pendingAbort: AbortUnwind | null = null;
  private started = false;
  /** (switch count, ms) at each return from the scheduler: maps switch ages to time. */
  private readonly clock: { switches: number; ms: number }[] = [];
  private readonly leakAfterMs: number | undefined;
  private readonly onLeak: (line: string, blockedMs: number) => void;
  private readonly leaksReported = new Set<string>();
  private lastLeakCheck = 0;

  private constructor(instance: WebAssembly.Instance, rtrace: Rtrace | null, options: RuntimeOptions) {
    this.exports = instance.exports as unknown as WeftExports;
    this.rtrace = rtrace;
    this.stdout = options.stdout ?? ((line) => console.log(line));
    this.stderr = options.stderr ?? ((line) => console.error(line));
    this.leakAfterMs = options.leakAfterMs;
    this.onLeak = options.onLeak ?? ((line, ms) => this.stderr(`weft: fiber blocked for ${Math.round(ms)} ms, leaked? ${line}`));
    this.onFailure =
      options.onFailure ??
      ((f) =>
        this.stderr(
          `weft: fiber #${f.fiberId}${f.fiberName !== null ? ` "${f.fiberName}"` : ""} failed: ${f.message}` +
            (f.file ? ` at ${f.file}:${f.line}:${f.column}` : ""),
        ));
  }

  /**
   * Compiles (unless given a compiled module) and instantiates a weft module; throws
   * LoadError if it is not one. For URLs and fetch responses see `loadProgram` (load.ts).
   */
  static async load(bytes: BufferSource | WebAssembly.Module, options: RuntimeOptions = {}): Promise<WeftProgram> {
    const name = options.name ?? "the module";
    let module: WebAssembly.Module;
    try {
      module = bytes instanceof WebAssembly.Module ? bytes : await WebAssembly.compile(bytes);
    } catch (e) {
      throw new LoadError(`${name} is not a valid WebAssembly module: ${(e as Error).message}`);
    }
    const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    const missing = REQUIRED_EXPORTS.filter((e) => !exported.has(e));
    if (missing.length) {
      throw new LoadError(
        `${name} is not a weft program: it lacks the export${missing.length > 1 ? "s" : ""} ${missing.join(", ")} ` +
          "(build it with `weft build <entry.ts> -o <out.wasm>`)",
      );
    }
    let program: WeftProgram | null = null;
    const rtrace = WebAssembly.Module.imports(module).some((i) => i.module === "rtrace") ? new Rtrace() : null;
    const imports = hostImports(() => program!, rtrace);
    for (const [moduleName, members] of Object.entries(options.imports ?? {})) {
      if (moduleName in imports) throw new LoadError(`the import module "${moduleName}" is the host's own; choose another name`);
      imports[moduleName] = members;
    }
    const unknown = WebAssembly.Module.imports(module).filter(
      (i) => !(i.module in imports) || !(i.name in (imports as Record<string, Record<string, unknown>>)[i.module]),
    );
    if (unknown.length) {
      throw new LoadError(`${name} needs imports this host does not provide: ${unknown.map((i) => `${i.module}.${i.name}`).join(", ")}`);
    }
    const instance = await WebAssembly.instantiate(module, imports as WebAssembly.Imports);
    if (rtrace) rtrace.attach((instance.exports as unknown as WeftExports).memory);
    program = new WeftProgram(instance, rtrace, options);
    return program;
  }

  /** Runs `main` to completion (or to deadlock); fibers that fail are isolated. */
  run(): RunResult {
    this.begin();
    while (this.slice()) {}
    return this.end();
  }

  /**
   * Runs like `run()`, but returns to the event loop every `sliceMs` milliseconds of
   * scheduler time, so that the host's timers and signal handlers (the Node wing's SIGQUIT
   * dump) get their turn while fibers run.
   */
  async runAsync(sliceMs = 10): Promise<RunResult> {
    this.begin();
    for (;;) {
      const until = performance.now() + sliceMs;
      let more = true;
      while ((more = this.slice()) && performance.now() < until) {}
      if (!more) break;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    return this.end();
  }

  private exitCode = 0;

  private begin(): void {
    if (this.started) throw new Error("a weft program runs once; load it again to rerun");
    this.started = true;
    const x = this.exports;
    // top-level code first (module initializers), then `main` as fiber #1
    if (!this.guard(() => x._start()) || !this.guard(() => x.__weft_start())) this.exitCode = 3;
  }

  /** One scheduler slice (RUN_BUDGET switches at most); false once the program is over. */
  private slice(): boolean {
    if (this.exitCode !== 0) return false;
    const x = this.exports;
    let status: number = -1;
    const ok = this.guard(() => (status = x.__weft_run(RUN_BUDGET)));
    this.reportFailures();
    this.tick();
    if (!ok) {
      this.exitCode = 3;
      return false;
    }
    if (status === RunStatus.MainEnded) return false;
    if (status === RunStatus.Idle) {
      const alive = x.__weft_alive();
      this.stderr(`deadlock: all ${alive} fiber${alive === 1 ? " is" : "s are"} asleep`);
      for (const line of this.dump()) this.stderr(`  ${line}`);
      this.exitCode = 2;
      return false;
    }
    // Budget, or -1 (a fiber failed): the scheduler resumes with the others
    return true;
  }

  private end(): RunResult {
    const x = this.exports;
    let exitCode = this.exitCode;
    const mainFailure = readString(x.memory, x.__weft_main_failure());
    if (mainFailure !== null && exitCode === 0) exitCode = 1;
    const aliveAtEnd = x.__weft_alive();
    const leftAlive = aliveAtEnd ? this.dump() : [];
    if (exitCode < 2 && aliveAtEnd) {
      this.stderr(`weft: main ended with ${aliveAtEnd} fiber${aliveAtEnd > 1 ? "s" : ""} still alive:`);
      for (const line of leftAlive) this.stderr(`  ${line}`);
    }
    return { exitCode, mainFailure, aliveAtEnd, leftAlive, failures: this.failures, stats: this.stats() };
  }

  /**
   * One line per fiber that has not ended, oldest first, at most `limit` lines:
   * `#3 "worker" blocked (chan #5 recv) in scope #2 for 1234 switches`.
   */
  dump(limit = DUMP_LIMIT): string[] {
    return this.dumpLines(limit, -1);
  }

  /** How long ago, in ms, the scheduler was `switchesAgo` switches back (from the clock samples). */
  msAgo(switchesAgo: number): number {
    const now = performance.now();
    const at = this.exports.__weft_switches() - switchesAgo;
    // the latest sample at or before that switch: the fiber blocked after it
    let lo = 0;
    let hi = this.clock.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.clock[mid].switches <= at) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? now - (this.clock[0]?.ms ?? now) : now - this.clock[found].ms;
  }

  private dumpLines(limit: number, minAge: number): string[] {
    const text = readString(this.exports.memory, this.exports.__weft_dump(limit, minAge)) ?? "";
    return text ? text.split("\n") : [];
  }

  /** Samples the clock and, if asked, reports fibers blocked too long. */
  private tick(): void {
    const ms = performance.now();
    const switches = this.exports.__weft_switches();
    const last = this.clock[this.clock.length - 1];
    if (!last || last.switches !== switches) {
      this.clock.push({ switches, ms });
      // a long-running program would grow this without bound: keep every other sample
      // once there are many (older ages get coarser, recent ones stay one slice precise)
      if (this.clock.length > CLOCK_SAMPLES) {
        const kept = this.clock.filter((_, i) => i % 2 === 1 || i === this.clock.length - 1);
        this.clock.length = 0;
        this.clock.push(...kept);
      }
    }
    const threshold = this.leakAfterMs;
    if (threshold === undefined || ms - this.lastLeakCheck < threshold / 2) return;
    this.lastLeakCheck = ms;
    // the switch count `threshold` ms ago: fibers blocked since before it are reported
    const cutoff = ms - threshold;
    let before = -1;
    for (let i = this.clock.length - 1; i >= 0; i--) {
      if (this.clock[i].ms <= cutoff) {
        before = this.clock[i].switches;
        break;
      }
    }
    if (before < 0) return;
    for (const line of this.dumpLines(DUMP_LIMIT, switches - before)) {
      const id = /^#\d+/.exec(line)?.[0] ?? line;
      if (this.leaksReported.has(id)) continue;
      this.leaksReported.add(id);
      const age = Number(/for (\d+) switch(?:es)?$/.exec(line)?.[1] ?? 0);
      this.onLeak(line, this.msAgo(age));
    }
  }

  stats(): Stats {
    return readStats(this.exports);
  }

  /**
   * Calls into wasm; on a trap or abort fails the running fiber and returns true so the
   * caller resumes the scheduler. Returns false for a fault outside any fiber.
   */
  private guard(call: () => void): boolean {
    try {
      call();
      return true;
    } catch (error) {
      return this.recover(error);
    }
  }

  private recover(error: unknown): boolean {
    const x = this.exports;
    const abort = this.pendingAbort ?? (error instanceof AbortUnwind ? error : null);
    this.pendingAbort = null;
    let kind: number = FailureKind.Trap;
    let messagePtr = 0;
    let filePtr = 0;
    let line = 0;
    let column = 0;
    let where = "";
    if (abort) {
      kind = FailureKind.Abort;
      ({ messagePtr, filePtr, line, column } = abort);
    } else if (error instanceof RangeError && /call stack/i.test(error.message)) {
      kind = FailureKind.CallStackOverflow;
    } else if (error instanceof WebAssembly.RuntimeError) {
      where = trapFunction(error);
      if (/unreachable/.test(error.message)) kind = FailureKind.Unreachable;
      else if (/memory access out of bounds/.test(error.message)) kind = FailureKind.MemoryAccess;
      else kind = FailureKind.Trap;
    } else {
      // a host import threw: not a wasm fault, but the fiber that called it cannot go on
      kind = FailureKind.Trap;
    }
    x.__weft_reset();
    if (!abort) {
      const text = trapMessage(kind, error) + (where ? ` in ${where}` : "");
      messagePtr = writeString(x, text);
    }
    const failed = x.__weft_fail(kind, messagePtr, filePtr, line, column);
    if (!failed) {
      const text = abort ? readString(x.memory, abort.messagePtr) : String((error as Error)?.message ?? error);
      this.stderr(`weft: fatal: fault outside any fiber: ${text}`);
      return false;
    }
    return true;
  }

  /** Passes the failures the core recorded since the last call to `onFailure`. */
  private reportFailures(): void {
    for (let record; (record = takeFailure(this.exports)); ) {
      const failure: FiberFailure = { ...record, kind: KIND_NAMES[record.kind] ?? "Trap" };
      this.failures.push(failure);
      this.onFailure(failure);
    }
  }

  /** @internal called by the `env` imports with a string pointer */
  print(stream: "out" | "err", ptr: number): void {
    this.printText(stream, readString(this.exports.memory, ptr) ?? "null");
  }

  /** @internal */
  printText(stream: "out" | "err", text: string): void {
    for (const line of text.split("\n")) (stream === "out" ? this.stdout : this.stderr)(line);
  }

  /** @internal */
  abort(messagePtr: number, filePtr: number, line: number, column: number): never {
    const unwind = new AbortUnwind(messagePtr, filePtr, line, column);
    this.pendingAbort = unwind;
    throw unwind;
  }
}

function trapMessage(kind: number, error: unknown): string {
  switch (kind) {
    case FailureKind.Unreachable:
      return "unreachable executed";
    case FailureKind.MemoryAccess:
      return "out-of-bounds memory access";
    case FailureKind.CallStackOverflow:
      return "call stack overflow";
    default:
      return error instanceof WebAssembly.RuntimeError
        ? String(error.message)
        : `host error: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Name of the innermost wasm function in a trap's stack, or "". */
function trapFunction(error: Error): string {
  const match = /at (\S+) \(wasm:\/\/wasm\/[^)]*\)/.exec(error.stack ?? "") ?? /at (\S+) \(wasm-function/.exec(error.stack ?? "");
  return match ? match[1] : "";
}

/** The imports a weft module may use. */
function hostImports(program: () => WeftProgram, rtrace: Rtrace | null): Record<string, Record<string, unknown>> {
  const timers = new Map<string, number>();
  const label = (ptr: number) => readString(program().exports.memory, ptr) ?? "default";
  const imports: Record<string, Record<string, unknown>> = {
    env: {
      abort: (message: number, file: number, line: number, column: number) => program().abort(message, file, line, column),
      trace: (message: number, n: number, ...args: number[]) => {
        const text = readString(program().exports.memory, message) ?? "";
        program().printText("err", `trace: ${text}${n ? " " + args.slice(0, n).join(", ") : ""}`);
      },
      seed: () => Date.now() * Math.random(),
      "console.log": (ptr: number) => program().print("out", ptr),
      "console.info": (ptr: number) => program().print("out", ptr),
      "console.debug": (ptr: number) => program().print("out", ptr),
      "console.warn": (ptr: number) => program().print("err", ptr),
      "console.error": (ptr: number) => program().print("err", ptr),
      "console.assert": (ok: number, ptr: number) => {
        if (!ok) program().print("err", ptr);
      },
      "console.time": (ptr: number) => void timers.set(label(ptr), performance.now()),
      "console.timeLog": (ptr: number) => {
        const name = label(ptr);
        const start = timers.get(name);
        if (start !== undefined) program().printText("out", `${name}: ${(performance.now() - start).toFixed(3)}ms`);
      },
      "console.timeEnd": (ptr: number) => {
        const name = label(ptr);
        const start = timers.get(name);
        timers.delete(name);
        if (start !== undefined) program().printText("out", `${name}: ${(performance.now() - start).toFixed(3)}ms`);
      },
    },
  };
  if (rtrace) imports.rtrace = rtrace.imports();
  return imports;
}
