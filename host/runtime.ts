// runtime.ts: the web-standard host core. Loads a weft program, runs it, isolates failures.
//
// The scheduler lives in wasm (assembly/sched/); the host only enters it and handles
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
  withStrings,
  takeFailure,
  SPAWNABLE_PREFIX,
  DUMP_LIMIT,
  SLICE_MS,
  EXIT_DEADLOCK,
  EXIT_FAULT,
  type Stats,
  type WeftExports,
} from "./abi.js";
import { Rtrace } from "./rtrace.js";
import { Ports } from "./ports.js";
import { fetchImports, type IoContexts } from "./fetch.js";
import { TraceRecorder, canTrace, tracePending, type TraceOptions } from "./trace.js";
import { toChromeTrace, type ChromeTrace } from "./tracejson.js";

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
  /**
   * Record a trace from the start (docs/TRACING.md): `true` or options. Read it with
   * `program.trace()`. A program can also start and stop tracing itself (`traceStart`).
   */
  trace?: boolean | TraceOptions;
  /**
   * Where fetch from fibers does its I/O (host/fetch.ts): for hosts whose I/O objects
   * belong to one context, like workerd's requests (examples/edge/worker.ts). Default:
   * every operation starts at once.
   */
  ioContexts?: IoContexts;
}

/** A word nobody notifies: `Atomics.wait` on it is a sleep (made on the first sleep). */
let sleepCell: Int32Array | null = null;

/** Blocks the thread until `performance.now()` reaches `deadline` (sync `run()` only). */
function sleepUntil(deadline: number): void {
  const ms = Math.ceil(deadline - performance.now());
  if (ms <= 0) return;
  try {
    sleepCell ??= new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(sleepCell, 0, 0, ms);
  } catch {
    throw new Error("every fiber sleeps, and this thread cannot block; run the program with runAsync()");
  }
}

/**
 * Runs callbacks as macrotasks: after the current event-loop turn's other callbacks, so
 * that wake-ups arriving in one turn are handled by one scheduler pass. setImmediate where
 * there is one (Node: after the turn's I/O callbacks), else a MessageChannel (browsers:
 * unlike setTimeout(0), not clamped to 4 ms when nested).
 */
function macrotaskScheduler(): (fn: () => void) => void {
  const g = globalThis as { setImmediate?: (fn: () => void) => unknown };
  if (typeof g.setImmediate === "function") return (fn) => void g.setImmediate!(fn);
  if (typeof MessageChannel === "function") {
    const queue: (() => void)[] = [];
    const channel = new MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
    return (fn) => {
      queue.push(fn);
      channel.port2.postMessage(0);
    };
  }
  return (fn) => void setTimeout(fn, 0);
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
  /** The failure as one line: `fiber #3 "worker" failed: <message> at <file>:<line>:<column>`. */
  text: string;
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

/** A host-spawned fiber failed (`spawn`); the message is its failure line. */
export class FiberError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FiberError";
  }
}

/**
 * Marks a function that returns a Promise as an import for fibers (assembly/hostcall.ts):
 * the wasm side calls it with a HostCall's token first, then its own arguments, and
 * waits; the fiber wakes with the resolved number as `result`, or with `code`/`error`
 * from a rejection (`error.code`, `error.message`).
 *
 *   imports: { app: { fetchUser: asyncImport(async (id) => (await db.get(id)).score) } }
 */
export function asyncImport(fn: (...args: number[]) => Promise<unknown> | unknown): AsyncImport {
  return { [ASYNC_IMPORT]: fn };
}

const ASYNC_IMPORT = Symbol("weft.asyncImport");
/** What `asyncImport` returns; bound to the program when it is loaded. */
export interface AsyncImport {
  [ASYNC_IMPORT]: (...args: number[]) => Promise<unknown> | unknown;
}

function bindAsyncImport(program: () => WeftProgram, fn: (...args: number[]) => Promise<unknown> | unknown) {
  return (token: number, ...args: number[]): void => {
    let promise: Promise<unknown>;
    try {
      promise = Promise.resolve(fn(...args));
    } catch (error) {
      promise = Promise.reject(error);
    }
    promise.then(
      (value) => program().complete(token, typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : value ? 1 : 0),
      (error) => {
        const e = error as { code?: unknown; message?: unknown };
        program().completeError(token, typeof e?.code === "string" ? e.code : null, String(e?.message ?? error));
      },
    );
  };
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

/** Most fibers a dump lists by default; more are counted on a last line (assembly/layout.ts). */
export { DUMP_LIMIT };

/** A FailureKind's name (the enum maps values back to names). */
const kindName = (kind: number) => FailureKind[kind] as keyof typeof FailureKind | undefined;

/** A loaded weft program: one wasm instance with its scheduler. */
export class WeftProgram {
  readonly exports: WeftExports;
  /** Allocation counters, when the module was built with rtrace. */
  readonly rtrace: Rtrace | null;
  /** The program's name in messages (RuntimeOptions.name). */
  readonly name: string;
  /** Named string channels to and from the program's fibers (assembly/port.ts). */
  readonly ports: Ports;
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
  /** The trace records drained so far (made by the first start, or the first records a program traced). */
  private recorder: TraceRecorder | null = null;
  private readonly traceOptions: TraceOptions | null;

  private constructor(instance: WebAssembly.Instance, rtrace: Rtrace | null, ports: Ports, options: RuntimeOptions) {
    this.exports = instance.exports as unknown as WeftExports;
    this.rtrace = rtrace;
    this.ports = ports;
    this.name = options.name ?? "the program";
    this.stdout = options.stdout ?? ((line) => console.log(line));
    this.stderr = options.stderr ?? ((line) => console.error(line));
    this.leakAfterMs = options.leakAfterMs;
    this.traceOptions = options.trace ? (options.trace === true ? {} : options.trace) : null;
    this.onLeak = options.onLeak ?? ((line, ms) => this.stderr(`weft: fiber blocked for ${Math.round(ms)} ms, leaked? ${line}`));
    this.onFailure =
      options.onFailure ??
      ((f) => this.stderr(`weft: ${f.text}`));
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
    if (missing.length && exported.has("_start") && WebAssembly.Module.imports(module).some((i) => i.module === "wasi_snapshot_preview1")) {
      // a command for a WASI runtime (`weft build --target wasi`): it runs itself
      throw new LoadError(`${name} is a WASI command (built with --target wasi), not a program for this host: run it with \`weft wasi ${name}\` or another WASI runtime`);
    }
    if (missing.length) {
      throw new LoadError(
        `${name} is not a weft program: it lacks the export${missing.length > 1 ? "s" : ""} ` +
          // a module from another toolchain lacks them all: name a few, count the rest
          `${missing.length > 6 ? `${missing.slice(0, 5).join(", ")} and ${missing.length - 5} more` : missing.join(", ")} ` +
          "(build it with `weft build <entry.ts> -o <out.wasm>`)",
      );
    }
    let program: WeftProgram | null = null;
    const rtrace = WebAssembly.Module.imports(module).some((i) => i.module === "rtrace") ? new Rtrace() : null;
    const imports = hostImports(() => program!, rtrace);
    // fetch and ports from fibers (host/fetch.ts, host/ports.ts)
    const ports = new Ports(() => program!);
    imports.weft_fetch = fetchImports(() => program!, options.ioContexts);
    imports.weft_port = ports.imports();
    for (const [moduleName, members] of Object.entries(options.imports ?? {})) {
      if (moduleName in imports) throw new LoadError(`the import module "${moduleName}" is the host's own; choose another name`);
      imports[moduleName] = Object.fromEntries(
        Object.entries(members).map(([key, value]) => [
          key,
          value !== null && typeof value === "object" && ASYNC_IMPORT in value ? bindAsyncImport(() => program!, (value as AsyncImport)[ASYNC_IMPORT]) : value,
        ]),
      );
    }
    const unknown = WebAssembly.Module.imports(module).filter(
      (i) => !(i.module in imports) || !(i.name in (imports as Record<string, Record<string, unknown>>)[i.module]),
    );
    if (unknown.length) {
      throw new LoadError(`${name} needs imports this host does not provide: ${unknown.map((i) => `${i.module}.${i.name}`).join(", ")}`);
    }
    const instance = await WebAssembly.instantiate(module, imports as WebAssembly.Imports);
    if (rtrace) rtrace.attach((instance.exports as unknown as WeftExports).memory);
    program = new WeftProgram(instance, rtrace, ports, options);
    return program;
  }

  /**
   * Runs `main` to completion (or to deadlock) synchronously; fibers that fail are
   * isolated. While every fiber sleeps, the thread sleeps too (Atomics.wait, where the
   * environment allows it: Node, workers). A program that waits for the host (I/O,
   * promises) needs `runAsync`, since the host's work needs the event loop.
   */
  run(): RunResult {
    this.begin();
    for (;;) {
      const status = this.step(performance.now() + this.sliceMs);
      if (status === RunStatus.Budget) continue;
      if (status !== RunStatus.Waiting) break;
      if (this.exports.__weft_pending_calls() > 0) {
        throw new Error("the program waits for the host (a host call is in flight); run it with runAsync()");
      }
      sleepUntil(this.exports.__weft_next_deadline());
    }
    return this.end();
  }

  /**
   * Runs `main` on the event loop: the scheduler runs in slices of at most `sliceMs`,
   * between which the host's callbacks (I/O, promises, signals) get their turn; while
   * every fiber waits, exactly one host timer is armed for the earliest deadline and no
   * CPU is used. Resolves when `main` ends. Host-spawned fibers (`spawn`) keep the
   * program running until they settle.
   */
  runAsync(sliceMs: number = SLICE_MS): Promise<RunResult> {
    if (this.started) return Promise.reject(new Error("a weft program runs once; load it again to rerun"));
    this.sliceMs = sliceMs;
    return this.onEventLoop();
  }

  /** Puts the program on the event loop (starting it if needed); `main`'s result. */
  private onEventLoop(): Promise<RunResult> {
    if (this.mainResult) return this.mainResult;
    this.mainResult = new Promise((resolve) => (this.resolveMain = resolve));
    if (!this.started) this.begin();
    // after a synchronous run(): main has ended already
    if (this.mainEnded || this.over) this.finishMain();
    this.schedule();
    return this.mainResult;
  }

  /**
   * Spawns a fiber running the program's exported function `exportName` with `arg` (at
   * most one numeric parameter; see assembly/interop.ts) and resolves with its result as
   * a number, or rejects with a FiberError if the fiber fails. Starts the program (and
   * `main`) on the event loop if it is not running yet; works after `main` has ended too.
   */
  spawn(exportName: string, arg = 0, fiberName: string | null = null): Promise<number> {
    const missing = this.notSpawnable(exportName);
    if (missing) return Promise.reject(missing);
    void this.onEventLoop();
    return new Promise((resolve, reject) => {
      const spawned = this.spawnFiber(exportName, arg, fiberName, { resolve, reject });
      if (spawned instanceof Error) reject(spawned);
      else this.schedule();
    });
  }

  /**
   * For hosts that run the scheduler themselves (`drive`): spawns a fiber as `spawn` does,
   * without putting the program on the event loop, and reports its end by calling
   * `onEnd(error, result)` (error null when it returned) from the scheduler pass that ends
   * it. No Promise is made or settled: under workerd a Promise belongs to the request that
   * made it, and a pass driven by another request may end this fiber. Returns the fiber's
   * id (what `exports.__weft_current()` says while it runs). Throws if the fiber cannot be
   * spawned.
   */
  spawnCallback(exportName: string, arg: number, fiberName: string | null, onEnd: (error: Error | null, result: number) => void): number {
    const notSpawnable = this.notSpawnable(exportName);
    if (notSpawnable) throw notSpawnable;
    const spawned = this.spawnFiber(exportName, arg, fiberName, { resolve: (result) => onEnd(null, result), reject: (e) => onEnd(e, 0) });
    if (spawned instanceof Error) throw spawned;
    return spawned;
  }

  /**
   * For hosts that run the scheduler themselves instead of `runAsync`: starts the program
   * if needed and runs ready fibers for at most `sliceMs` on the caller's turn, arming no
   * timer and scheduling nothing. Returns when to call again: 0 if fibers are still ready,
   * else the earliest deadline (`performance.now()` ms), Infinity if none; Infinity also
   * once the program has stopped. Whoever calls it keeps its own timers: an edge handler
   * under workerd, where a timer or a Promise belongs to one request
   * (examples/edge/worker.ts).
   */
  drive(sliceMs: number = SLICE_MS): number {
    if (this.mainResult) throw new Error("this program runs on the event loop (runAsync or spawn); drive() is for hosts that run it themselves");
    if (!this.started) this.begin();
    const until = performance.now() + sliceMs;
    for (;;) {
      if (this.over) return Infinity;
      const status = this.step(until);
      if (this.over) return Infinity;
      // main's end is reported once (end() keeps its result); host-spawned fibers run on
      if (status === RunStatus.MainEnded) {
        this.end();
        continue;
      }
      if (status === RunStatus.Waiting || status === RunStatus.Idle) return this.exports.__weft_next_deadline();
      if (performance.now() >= until) return 0;
    }
  }

  /** An Error if `exportName` cannot be spawned (the exports that can are named), else null. */
  private notSpawnable(exportName: string): Error | null {
    const index = (this.exports as unknown as Record<string, unknown>)[SPAWNABLE_PREFIX + exportName];
    if (index instanceof WebAssembly.Global) return null;
    const names = Object.keys(this.exports)
      .filter((n) => n.startsWith(SPAWNABLE_PREFIX))
      .map((n) => n.slice(SPAWNABLE_PREFIX.length));
    return new Error(
      `"${exportName}" is not a spawnable export of ${this.name} (an exported function with at most one numeric parameter); ` +
        (names.length ? `it has: ${names.join(", ")}` : "it has none"),
    );
  }

  /** Spawns the fiber and registers how its end is reported; its id, or an Error if it cannot. */
  private spawnFiber(
    exportName: string,
    arg: number,
    fiberName: string | null,
    settle: { resolve: (value: number) => void; reject: (error: Error) => void },
  ): Error | number {
    if (!this.started) this.begin();
    if (this.over) return new Error(`${this.name} has stopped (exit status ${this.exitCode}); it runs no more fibers`);
    const index = (this.exports as unknown as Record<string, WebAssembly.Global>)[SPAWNABLE_PREFIX + exportName];
    let id = 0;
    const ok = this.guard(() => {
      id = withStrings(this.exports, [fiberName], (name) => this.exports.__weft_spawn_export(index.value as number, arg, name));
    });
    if (!ok || !id) return new Error(`${this.name}: spawning ${exportName} failed outside any fiber`);
    this.spawned.set(id, settle);
    return id;
  }

  /**
   * Completes host call `token` (assembly/hostcall.ts) with `result`; its fiber wakes on
   * the next scheduler pass. Returns false if no such call is in flight. May be called at
   * any time, from any callback.
   */
  complete(token: number, result = 0): boolean {
    return this.settleCall(token, result, null, null);
  }

  /** Completes host call `token` with an error: a short `code` (ENOENT, ...) and a message. */
  completeError(token: number, code: string | null, message: string): boolean {
    return this.settleCall(token, 0, code, message);
  }

  private settleCall(token: number, result: number, code: string | null, message: string | null): boolean {
    if (this.over) return false;
    let done = 0;
    if (!this.guard(() => (done = withStrings(this.exports, [code, message], (c, m) => this.exports.__weft_complete(token, result, c, m))))) {
      this.stop(EXIT_FAULT);
      return false;
    }
    if (done) this.schedule();
    return done === 1;
  }

  private exitCode = 0;
  /** The program stopped for good: deadlock, or a fault outside any fiber. */
  private over = false;
  private sliceMs: number = SLICE_MS;
  private mainResult: Promise<RunResult> | null = null;
  private resolveMain: ((result: RunResult) => void) | null = null;
  private mainEnded = false;
  private readonly spawned = new Map<number, { resolve: (value: number) => void; reject: (error: Error) => void }>();
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Infinity;

  private begin(): void {
    if (this.started) throw new Error("a weft program runs once; load it again to rerun");
    this.started = true;
    const x = this.exports;
    // top-level code first (module initializers), then `main` as fiber #1
    if (!this.guard(() => x._start())) return this.stop(EXIT_FAULT);
    if (this.traceOptions) this.traceStart(this.traceOptions);
    if (!this.guard(() => x.__weft_start())) this.stop(EXIT_FAULT);
  }

  /**
   * Starts recording a trace (docs/TRACING.md), or goes on with the one recorded so far.
   * Returns false if tracing was on already. Throws if the module was built without
   * tracing support.
   */
  traceStart(options: TraceOptions = {}): boolean {
    if (!canTrace(this.exports)) throw new Error(`${this.name} cannot trace: it was built by a weft without tracing; rebuild it with \`weft build\``);
    this.recorder ??= new TraceRecorder(this.exports, options.maxRecords);
    return this.recorder.start(options);
  }

  /** Stops recording (the trace so far stays: `trace()`). */
  traceStop(): void {
    if (!canTrace(this.exports)) return;
    this.exports.__weft_trace_stop?.();
    this.drainTrace();
  }

  /**
   * The trace recorded so far as a Chrome Trace Event file (Perfetto, chrome://tracing,
   * the live view), or null if nothing was traced.
   */
  trace(): ChromeTrace | null {
    this.drainTrace();
    return this.recorder ? toChromeTrace(this.recorder, this.name) : null;
  }

  /** The raw records (host/trace.ts), or null if nothing was traced. */
  get traceRecorder(): TraceRecorder | null {
    return this.recorder;
  }

  /** Copies the core's trace records out (after every scheduler call). */
  private drainTrace(): void {
    if (this.recorder === null) {
      // a program may start tracing itself: collect from its first records on
      if (!canTrace(this.exports) || !tracePending(this.exports)) return;
      this.recorder = new TraceRecorder(this.exports);
    }
    this.recorder.drain();
  }

  /**
   * One scheduler call (RUN_BUDGET switches at most, and until the host clock reaches
   * `until`: the scheduler then returns even while fibers compute, preempting one that
   * does not yield), with failure reports and settled spawns taken; returns its RunStatus.
   * Decides the program's end: MainEnded once, Idle (a deadlock while `main` runs) and a
   * fault outside any fiber stop it.
   */
  private step(until: number): number {
    if (this.exitCode !== 0) return RunStatus.MainEnded;
    const x = this.exports;
    let status: number = RunStatus.Budget;
    const ok = this.guard(() => (status = x.__weft_run(RUN_BUDGET, until)));
    this.drainTrace();
    this.reportFailures();
    this.settleSpawns();
    this.tick();
    if (!ok) {
      this.stop(EXIT_FAULT);
      return RunStatus.MainEnded;
    }
    if (status === RunStatus.MainEnded) this.mainEnded = true;
    if (status === RunStatus.Idle || status === RunStatus.Waiting) {
      // the one end-of-run policy (assembly/sched/end.ts): this host completes host calls
      if (x.__weft_is_deadlock(status, this.mainEnded ? 1 : 0, 1)) {
        this.stderr(readString(x.memory, x.__weft_deadlock_headline()) ?? "");
        for (const line of this.dump()) this.stderr(`  ${line}`);
        this.stop(EXIT_DEADLOCK);
        return RunStatus.MainEnded;
      }
    }
    if (status === RunStatus.Idle) {
      // after main: fibers the host still waits for can never finish
      this.rejectSpawns((id) => `deadlock: fiber #${id} can never finish: every fiber is asleep`);
    }
    // Budget, or a failed fiber's slice (status unset): the scheduler resumes with the others
    return status;
  }

  /** Stops the program for good with `exitCode` (2 deadlock, 3 fault outside fibers). */
  private stop(exitCode: number): void {
    this.exitCode = exitCode;
    this.over = true;
    this.rejectSpawns(() => `${this.name} stopped (exit status ${exitCode})`);
  }

  private rejectSpawns(message: (id: number) => string): void {
    for (const [id, { reject }] of this.spawned) reject(new Error(message(id)));
    this.spawned.clear();
  }

  /** Settles the Promises of host-spawned fibers that ended. */
  private settleSpawns(): void {
    const x = this.exports;
    for (let id; (id = x.__weft_take_settled()); ) {
      const result = x.__weft_settled_result(id);
      const failure = readString(x.memory, x.__weft_settled_failure(id));
      const pending = this.spawned.get(id);
      this.spawned.delete(id);
      if (!pending) continue;
      if (failure !== null) pending.reject(new FiberError(failure));
      else pending.resolve(result);
    }
  }

  /** Runs the scheduler in the next macrotask (once, however often it is asked). */
  private schedule(): void {
    if (this.scheduled || this.over || !this.mainResult) return;
    this.scheduled = true;
    this.macrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** One event-loop turn of scheduling: slices until `sliceMs` is spent or nothing is ready. */
  private pump(): void {
    if (this.over && this.resolveMain === null) return;
    const until = performance.now() + this.sliceMs;
    for (;;) {
      const status = this.step(until);
      if (this.over || (this.mainEnded && this.spawned.size === 0)) {
        this.disarm();
        this.finishMain();
        return;
      }
      if (status === RunStatus.MainEnded) {
        this.finishMain();
        continue; // host-spawned fibers still run
      }
      if (status === RunStatus.Waiting || status === RunStatus.Idle) {
        this.arm(this.exports.__weft_next_deadline());
        return;
      }
      if (performance.now() >= until) {
        this.schedule();
        return;
      }
    }
  }

  private finishMain(): void {
    const resolve = this.resolveMain;
    if (!resolve) return;
    this.resolveMain = null;
    resolve(this.end());
  }

  /** Keeps exactly one host timer, for the earliest deadline (none for +Infinity). */
  private arm(deadline: number): void {
    if (deadline === this.timerAt && this.timer !== null) return;
    this.disarm();
    if (!Number.isFinite(deadline)) return;
    this.timerAt = deadline;
    // whole ms, rounded up: a timer that fires early would only find nothing due
    this.timer = setTimeout(() => {
      this.timer = null;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, Math.ceil(deadline - performance.now())));
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  private readonly macrotask = macrotaskScheduler();

  /** How `main` ended, reported once (the fibers left alive go to stderr then). */
  private end(): RunResult {
    if (this.result) return this.result;
    const x = this.exports;
    this.drainTrace();
    // the one end-of-run policy (assembly/sched/end.ts)
    const exitCode = x.__weft_exit_status(this.exitCode);
    const mainFailure = readString(x.memory, x.__weft_main_failure());
    const aliveAtEnd = x.__weft_alive();
    const leftAlive = aliveAtEnd ? this.dump() : [];
    // While fibers the host spawned are in flight the program serves (an edge handler's
    // requests): the fibers still alive are theirs, or theirs to wait for, not leaks of main
    const headline = readString(x.memory, x.__weft_leftover_headline(exitCode, this.spawned.size > 0 ? 1 : 0));
    if (headline !== null) {
      this.stderr(headline);
      for (const line of leftAlive) this.stderr(`  ${line}`);
    }
    this.result = { exitCode, mainFailure, aliveAtEnd, leftAlive, failures: this.failures, stats: this.stats() };
    return this.result;
  }
  private result: RunResult | null = null;

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
    const text = abort ? null : trapMessage(kind, error) + (where ? ` in ${where}` : "");
    const failed = withStrings(x, [text], (written) => x.__weft_fail(kind, written || messagePtr, filePtr, line, column));
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
      const failure: FiberFailure = { ...record, kind: kindName(record.kind) ?? "Trap" };
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
    // the clock of timers (assembly/platform.ts); deadlines come back in it
    weft: { now: performance.now.bind(performance) },
    env: {
      abort: (message: number, file: number, line: number, column: number) => program().abort(message, file, line, column),
      trace: (message: number, n: number, ...args: number[]) => {
        const text = readString(program().exports.memory, message) ?? "";
        program().printText("err", `trace: ${text}${n ? " " + args.slice(0, n).join(", ") : ""}`);
      },
      seed: () => Date.now() * Math.random(),
      // the wall clock of AssemblyScript's `Date.now()` (weft's own `now()` is monotonic)
      "Date.now": () => Date.now(),
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
