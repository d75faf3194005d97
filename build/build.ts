// build.ts: turns an AssemblyScript fiber program into a runnable weft module.
//
// Pipeline (docs/ARCHITECTURE.md, "Build"):
//   1. asc compiles the program together with weft's ABI entry (assembly/abi.ts), optimized,
//      with the suspend primitives marked no-inline so that the optimizer cannot move a
//      `start_unwind` into user code (the pass would then silently skip that function);
//   2. our link steps give the ABI's `weft.main` import the program's exported `main`, and
//      `weft.call_export` a dispatcher over the program's other numeric exports, which the
//      host can then spawn as fibers (`program.spawn`);
//   3. Binaryen's asyncify pass instruments every function that can reach a suspend
//      primitive. No import can suspend (fibers park inside wasm), so imports are ignored;
//      an indirect call counts only if a table entry of its signature can suspend
//      (instrument.ts decides, asyncify is told, and the result is checked);
//   4. our verify step checks that only the primitives start an unwind and that every
//      caller of a primitive was instrumented (passes.ts `analyze`); asyncify's control
//      functions lose their redundant bound checks (`simplifyAsyncifyControl`);
//   5. full optimization, now that inlining is safe; then the primitives themselves are
//      inlined into their callers (`inlinePrimitives`, skipped with `shrink`).
// Around the pass, `asyncify.get_state` is hidden and rebound (passes.ts), since the pass
// does not accept it as an intrinsic.
// The result keeps its function names (a name section) so that traps name the function.

import { readFile, readdir } from "node:fs/promises";
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";
import {
  linkMain,
  linkInit,
  linkExports,
  bindGcMarking,
  bindGcProfile,
  bindExceptions,
  analyze,
  hideStateIntrinsic,
  bindStateIntrinsic,
  removeAsyncifyExports,
  simplifyAsyncifyControl,
  inlinePrimitives,
  nameMatcher,
  type ModuleReport,
} from "./passes.js";
import { planInstrumentation, checkPlan, asyncifyListEntry } from "./instrument.js";
import { insertSafepoints, SAFEPOINT } from "./preempt.js";
import { CORE } from "./core.js";
import { findStackRefs, describeStackRefs } from "./stackrefs.js";
import { threadsAscArgs, moveGlobalsToMemory, checkAsyncifyGlobals, initMemoryOnce, passivateData, hoistStackStores, THREADS_OUT_OF_LINE } from "./threads.js";

/**
 * Where a program runs. `js`: the JavaScript host (host/runtime.ts) drives the module
 * through weft's ABI exports. `wasi`: a WASI preview1 command that runs itself
 * (assembly/wasi/runner.ts); no JavaScript host needed (docs/WASI.md).
 */
export type BuildTarget = "js" | "wasi";

/**
 * How a WASI program isolates a failing fiber. `legacy`: abort() throws a wasm exception
 * that the runner catches (the exception-handling proposal as V8, and so Node, browsers
 * and Deno, run it); `none`: no exception handling, an abort ends the program with status
 * 3 (for runtimes without the legacy proposal, such as wasmtime).
 */
export type WasiExceptions = "legacy" | "none";

/** Options of `build` and of `weft build`. */
export interface BuildOptions {
  /** The program's entry file (exports `main`). */
  entry: string;
  /** Bytes of the AssemblyScript shadow stack shared by all fibers (asc --stackSize). */
  stackSize?: number;
  /** Bytes of asyncify frames one suspend may save (the scratch area). */
  scratchSize?: number;
  /** Optimize (default true). Without it the module is only as fast as asc -O0. */
  optimize?: boolean;
  /** Assume indirect calls never suspend (smaller, faster; wrong if a callback yields). */
  ignoreIndirect?: boolean;
  /**
   * Preemption (default true): a safepoint at the top of every loop of the program's own
   * code lets the scheduler preempt a fiber that computes past its slice (build/preempt.ts).
   * False (`--no-preempt`) makes scheduling purely cooperative again: a fiber that never
   * yields then stalls the others.
   */
  preempt?: boolean;
  /**
   * False skips the asyncify pass (and the safepoints): the module cannot switch fibers
   * and is only good for measuring what instrumentation costs (bench/responsive.ts).
   */
  asyncify?: boolean;
  /**
   * Favor module size over switch speed: the suspend primitives (channel send and receive,
   * park, yield) stay out of line instead of being inlined at every call site (passes.ts
   * `inlinePrimitives`). Modules up to 14% smaller; a channel hand-off about 15% slower.
   */
  shrink?: boolean;
  /** Build with AssemblyScript's rtrace hooks, for allocation accounting (tests). */
  rtrace?: boolean;
  /**
   * Check the core's invariants at run time (assembly/sched/check.ts): a broken one fails
   * with `internal: ...`. Slower; for tests and for hunting a runtime bug.
   */
  debug?: boolean;
  /** Extra `--use NAME=value` constants for asc. */
  use?: string[];
  /** Report progress and the instrumented functions here. */
  log?: (line: string) => void;
  /** Where the program runs (default "js"). */
  target?: BuildTarget;
  /** WASI target: how a failing fiber is isolated (default "legacy"). */
  exceptions?: WasiExceptions;
  /**
   * Build for N threads on one shared memory (build/threads.ts): module variables and the
   * heap are shared, each thread gets its own stacks. Costs module variables as memory
   * words instead of globals and a heap built for threads; the default build is unchanged.
   * Internal until programs run on threads (docs/THREADS.md, steps 2 and 3): the loader
   * (host/threads.ts) and the tests use it; the command line has no flag for it yet.
   */
  threads?: boolean;
}

/** What a build produced. */
export interface BuildResult {
  binary: Uint8Array<ArrayBuffer>;
  /** Functions the asyncify pass instrumented, sorted. */
  instrumented: string[];
  /**
   * Why each instrumented function was: what it calls that can suspend (`calls
   * ~lib/weft/sched/suspend/yieldNow`, or a function reference whose type a suspending table
   * entry has). `weft build --verbose` prints it.
   */
  why: Record<string, string>;
  /** Functions of the program given safepoints (preemption: a check atop their loops), sorted. */
  safepoints: string[];
  /** Functions of the program that were left uninstrumented, sorted. */
  uninstrumented: string[];
  /** Upper bound of the bytes one frame of any instrumented function saves. */
  largestFrame: number;
  /** Bytes of the zone after the scratch area that absorbs an overflowing unwind. */
  guardSize: number;
  /** Bytes of the final module. */
  size: number;
}

/** A build failure with a message meant for the user. */
export class BuildError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BuildError";
  }
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Root of the weft package (this file is build/build.ts or dist/build/build.js). */
export const packageRoot = [path.resolve(here, ".."), path.resolve(here, "../..")].find((dir) =>
  existsSync(path.join(dir, "assembly", "abi.ts")),
)!;
const assemblyDir = path.join(packageRoot, "assembly");

export { DEFAULT_STACK_SIZE, DEFAULT_SCRATCH_SIZE } from "./defaults.js";
import { DEFAULT_STACK_SIZE, DEFAULT_SCRATCH_SIZE } from "./defaults.js";
import { DEFAULT_GUARD_SIZE } from "../assembly/layout.js";
/** Virtual second entry: re-exports the ABI so that every program exports it. */
const ABI_ENTRY = "__weft_abi_entry__.ts";
/** Virtual second entry of a WASI command: the runner's `_start`. */
const WASI_ENTRY = "__weft_wasi_entry__.ts";
/** Virtual third entry of a threads build: the per-thread entry and the heap's exports. */
const THREADS_ENTRY = "__weft_threads_entry__.ts";
/** Virtual runtime of a threads build (asc --runtime): weft's thread-safe heap (assembly/rt/). */
const THREADS_RUNTIME = "__weft_threads_rt__";
/** The JS target's top-level code, which the host calls (the threads build wraps it). */
const START_EXPORT = "_start";
/** The top-level code's function, exported by asc under this name until `linkInit` links it. */
const INIT_EXPORT = "__weft_init";
/** @assemblyscript/wasi-shim's library folder: WASI bindings, `process`, `Date`, ... */
const shimDir = path.join(path.dirname(createRequire(import.meta.url).resolve("@assemblyscript/wasi-shim/package.json")), "assembly");
/**
 * Globals the WASI target replaces (asc --use): the shim's, except `console`, whose output
 * differs from the JS host's (assembly/wasi/console.ts), and `abort` (assembly/wasi/abort.ts).
 */
const WASI_ALIASES = [
  "ASC_WASI=1",
  "abort=__weft_wasi_abort",
  "console=weft_console",
  "trace=wasi_trace",
  "seed=wasi_seed",
  "crypto=wasi_crypto",
  "performance=wasi_performance",
  "process=wasi_process",
  "Date=wasi_Date",
];
/** The suspend primitives: the only functions allowed to start an unwind. */
export const SUSPEND_PRIMITIVES = [CORE.yieldNow, CORE.safepoint, CORE.park, CORE.chanSend, CORE.chanRecv];
/**
 * Trace hooks on hot paths (assembly/trace.ts): kept out of line, so that the switch, the
 * wake-ups and spawns carry one call behind a branch, not the hook's body.
 */
export const OUT_OF_LINE_HOOKS = [CORE.traceSwitch, CORE.traceWake, CORE.traceSpawn, CORE.traceEnd];
/**
 * Rare paths kept out of line: the trampoline's, so that the loop that every switch runs
 * stays small enough for the engine to keep its values in registers (inlined, they made
 * the depth-0 switch about 15% slower on this machine at an unchanged instruction count),
 * and a channel send's preemption, so that every send in a program stays small.
 */
export const OFF_THE_SWITCH_PATH = [CORE.publishWaiting, CORE.sliceOver, CORE.preemptAfterCheckpoint];
/** Functions that run the trampoline: they start rewinds and stop unwinds. */
export const TRAMPOLINES = [CORE.run];
/**
 * Runtime functions on the switch and exit paths that must never reach a suspend
 * primitive or an indirect call: instrumented, they would slow every switch or exit (and
 * could not unwind anyway). Checked when they survive as functions.
 */
export const MUST_STAY_PLAIN = [CORE.finish, CORE.resizeSaved, CORE.barrierSlice, CORE.failFiber, CORE.memberEnded, CORE.fireTimers, CORE.publishWaiting];

// AssemblyScript's default feature set (plus exception handling where the WASI runner
// binds it); the optimizer must not use others.
const FEATURES =
  binaryen.Features.MutableGlobals |
  binaryen.Features.NontrappingFPToInt |
  binaryen.Features.BulkMemory |
  binaryen.Features.BulkMemoryOpt |
  binaryen.Features.SignExt;

/** Builds `options.entry` into a weft module. Throws BuildError on bad input. */
export async function build(options: BuildOptions): Promise<BuildResult> {
  const log = options.log ?? (() => {});
  const entry = path.resolve(options.entry);
  checkEntry(entry, options.entry);
  const target = options.target ?? "js";
  if (target !== "js" && target !== "wasi") throw new BuildError(`unknown target "${String(target)}": expected "js" or "wasi"`);
  const exceptions = options.exceptions ?? "legacy";
  if (exceptions !== "legacy" && exceptions !== "none") {
    throw new BuildError(`unknown exception handling "${String(exceptions)}": expected "legacy" or "none"`);
  }
  if (options.exceptions !== undefined && target !== "wasi") throw new BuildError("exception handling is chosen for the wasi target only");
  if (options.rtrace && target === "wasi") throw new BuildError("rtrace builds need the JavaScript host; they cannot target wasi");
  if (options.threads && target === "wasi") throw new BuildError("a WASI program runs on one thread: the threads build needs the JavaScript host (no --target wasi)");
  if (options.threads && options.rtrace) throw new BuildError("the threads build and rtrace cannot be combined: the threads heap has no rtrace hooks");
  for (const [name, value] of [["stack size", options.stackSize], ["scratch size", options.scratchSize]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1024 || value > 1 << 30 || value % 16 !== 0)) {
      throw new BuildError(`${name} must be a multiple of 16 between 1024 and 1073741824 bytes, got ${value}`);
    }
  }
  return buildModule(entry, options, log);
}

/** The entry must be an AssemblyScript source file: say what was given instead. */
function checkEntry(entry: string, given: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(entry).isDirectory();
  } catch {
    throw new BuildError(`entry file not found: ${given}`);
  }
  if (isDirectory) throw new BuildError(`${given} is a directory: give the program's entry file (the .ts file that exports main)`);
  if (entry.endsWith(".wasm")) {
    throw new BuildError(`${given} is a built module, not a program source: run it with \`weft run ${given}\` (weft build takes the .ts file that exports main)`);
  }
}

/**
 * A WASI command gets only what a WASI runtime provides: imports from any other module
 * (weft/io's `weft_io`, an `@external` host function, ...) would only fail when the
 * program is started, so the build refuses them and names them.
 */
function checkWasiImports(module: binaryen.Module): void {
  const foreign = new Map<string, string[]>();
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (!info.module || info.module === "wasi_snapshot_preview1") continue;
    foreign.set(info.module, [...(foreign.get(info.module) ?? []), `${info.module}.${info.base}`]);
  }
  if (!foreign.size) return;
  const named = [...foreign].map(([name, imports]) => (name === "weft_io" ? `weft/io (${imports.join(", ")})` : imports.join(", ")));
  throw new BuildError(
    `a WASI program can import only what a WASI runtime provides, but this one imports ${named.join(", ")}: ` +
      "weft/io and @external host functions need the JavaScript host (build without --target wasi and run it with `weft run`)",
  );
}

async function buildModule(entry: string, options: BuildOptions, log: (line: string) => void): Promise<BuildResult> {
  const wasi = options.target === "wasi";
  const { wasm, preempted } = await compile(entry, options);
  const module = binaryen.readBinary(wasm);
  try {
    module.setFeatures(options.threads ? FEATURES | binaryen.Features.Atomics : FEATURES);
    linkMain(module, path.relative(process.cwd(), entry));
    bindGcMarking(module, options.threads === true);
    if (!wasi && !options.rtrace) bindGcProfile(module);
    const spawnable = linkExports(module);
    if (spawnable.length) log(`spawnable from the host: ${spawnable.join(", ")}`);
    if (wasi) linkInit(module, INIT_EXPORT);
    const stateIntrinsic = hideStateIntrinsic(module);
    const asyncify = options.asyncify !== false;
    if (preempted.length) log(`safepoints in ${preempted.length} function(s) with loops`);

    const isPrimitive = nameMatcher(SUSPEND_PRIMITIVES);
    const plan = planInstrumentation(module, isPrimitive, TRAMPOLINES, options.ignoreIndirect === true);
    binaryen.clearPassArguments();
    binaryen.setOptimizeLevel(options.optimize === false ? 0 : 3);
    binaryen.setShrinkLevel(0);
    binaryen.setPassArgument("asyncify-ignore-imports", "1");
    binaryen.setPassArgument("asyncify-ignore-indirect", "1");
    if (plan.indirectCallers.length) {
      binaryen.setPassArgument("asyncify-addlist", plan.indirectCallers.map(asyncifyListEntry).join("\n"));
      binaryen.setPassArgument("asyncify-propagate-addlist", "1");
    }
    if (asyncify && options.threads) {
      // no shadow-stack address may outlive a suspend: the fiber may resume on another thread
      const refs = findStackRefs(module, plan);
      if (refs.length) throw new BuildError(`internal: ${describeStackRefs(refs)}`);
    }
    if (asyncify) module.runPasses(["asyncify"]);
    binaryen.clearPassArguments();
    if (wasi && bindExceptions(module, options.exceptions ?? "legacy")) {
      module.setFeatures(FEATURES | binaryen.Features.ExceptionHandling);
    }

    let report: ModuleReport = { instrumented: [], uninstrumented: [], largestFrame: 0 };
    if (asyncify) bindStateIntrinsic(module, stateIntrinsic);
    if (asyncify && options.threads) checkAsyncifyGlobals(module);
    if (wasi) checkWasiImports(module);
    if (asyncify) {
      report = analyze(module, SUSPEND_PRIMITIVES, TRAMPOLINES, MUST_STAY_PLAIN);
      const disagreements = checkPlan(plan, report.instrumented, isPrimitive);
      if (disagreements.length) throw new BuildError(`internal: asyncify and weft disagree on what can suspend:\n  ${disagreements.join("\n  ")}`);
      removeAsyncifyExports(module);
      simplifyAsyncifyControl(module);
    }
    if (options.optimize !== false) {
      binaryen.setOptimizeLevel(3);
      binaryen.setShrinkLevel(0);
      // marks do not survive the binary asc handed over: mark the hooks again
      noInline(module, [...OUT_OF_LINE_HOOKS, ...OFF_THE_SWITCH_PATH, ...(options.threads ? THREADS_OUT_OF_LINE : [])]);
      // once: a second back-to-back run changed only the numbering of locals (same size,
      // same code) on the benchmark programs, a test program and the HTTP example, for
      // about a tenth of the build's time
      module.optimize();
      if (!options.shrink && asyncify) {
        // the safepoint's slow path stays a call: it is off every loop's fast path
        inlinePrimitives(module, SUSPEND_PRIMITIVES.filter((name) => name !== SAFEPOINT));
        module.optimize();
      }
    }
    if (options.threads) initMemoryOnce(module, START_EXPORT);
    if (!module.validate()) throw new BuildError("internal: the built module does not validate");
    binaryen.setDebugInfo(true); // keep the name section: traps then name the function
    let binary = new Uint8Array(module.emitBinary());
    binaryen.setDebugInfo(false);
    if (options.threads) binary = passivateData(binary);
    log(`built ${path.relative(process.cwd(), entry)}: ${binary.length} bytes, ${report.instrumented.length} functions instrumented`);
    const why = Object.fromEntries(report.instrumented.map((name) => [name, plan.suspending.get(name)!]));
    return { binary, ...report, why, safepoints: [...preempted].sort(), guardSize: DEFAULT_GUARD_SIZE, size: binary.length };
  } finally {
    module.dispose();
  }
}

/**
 * asc adds the files of `--lib` folders to its own table of standard-library files, which
 * lives as long as the process, and compiles every top-level file of that table in later
 * builds: after a WASI build, a JS build would compile the WASI shim too. Builds therefore
 * run one at a time, and each removes what asc added.
 */
let compiling: Promise<unknown> = Promise.resolve();

/** What asc produced: the module, and the functions the safepoint transform gave safepoints. */
interface Compiled {
  wasm: Uint8Array;
  preempted: string[];
}

/** Runs asc in-process; `weft` imports resolve to this package's assembly/ directory. */
function compile(entry: string, options: BuildOptions): Promise<Compiled> {
  const next = compiling.then(() => compileAlone(entry, options));
  compiling = next.catch(() => {});
  return next;
}

async function compileAlone(entry: string, options: BuildOptions): Promise<Compiled> {
  const asc = await import("assemblyscript/asc");
  const library = asc.libraryFiles as Record<string, string>;
  const standard = new Set(Object.keys(library));
  try {
    return await runAsc(asc, entry, options);
  } finally {
    for (const name of Object.keys(library)) if (!standard.has(name)) delete library[name];
  }
}

async function runAsc(asc: typeof import("assemblyscript/asc"), entry: string, options: BuildOptions): Promise<Compiled> {
  const baseDir = path.dirname(entry);
  const wasi = options.target === "wasi";
  const uses = [
    `WEFT_SCRATCH_SIZE=${options.scratchSize ?? DEFAULT_SCRATCH_SIZE}`,
    `WEFT_GUARD_SIZE=${DEFAULT_GUARD_SIZE}`,
    ...(options.debug ? ["WEFT_DEBUG=1"] : []),
    ...(options.threads ? ["WEFT_THREADS=1", `WEFT_STACK_SIZE=${options.stackSize ?? DEFAULT_STACK_SIZE}`] : []),
    ...(wasi ? WASI_ALIASES : []),
    ...(options.use ?? []),
  ];
  if (options.rtrace) uses.push("ASC_RTRACE=1");
  // the collector reports its steps (rtrace.oninterrupt/onyield/oncollect), which
  // bindGcProfile links to the tracer; rtrace builds give those imports to the host instead
  else if (!wasi) uses.push("ASC_PROFILE=1");
  const args = [
    path.basename(entry),
    wasi ? WASI_ENTRY : ABI_ENTRY,
    ...(options.threads ? [THREADS_ENTRY, ...threadsAscArgs()] : []),
    "--outFile", "out.wasm",
    "--baseDir", baseDir,
    "--runtime", options.threads ? THREADS_RUNTIME : "incremental",
    // JS: the host runs top-level code itself, after it is ready to account for
    // allocations. WASI: the runner's `_start` runs it (linked by `linkInit`).
    // WASI: the table is exported until the runner's guarded call (`weft.try_call`, an
    // import until bindExceptions) uses it; otherwise asc would drop it and every entry
    // reached only through it (bindExceptions unexports it).
    ...(wasi ? ["--exportStart", INIT_EXPORT, "--exportTable", "--lib", shimDir] : ["--exportRuntime", "--exportStart", START_EXPORT]),
    "--stackSize", String(options.stackSize ?? DEFAULT_STACK_SIZE),
    "--debug", // names, so that our passes find functions; stripped of nothing else
    "--noColors",
    ...(options.optimize === false ? ["-O0"] : ["-O3"]),
    ...uses.flatMap((u) => ["--use", u]),
  ];
  let output: Uint8Array | null = null;
  const stderr: string[] = [];
  const preempted: string[] = [];
  const preempt = options.asyncify !== false && options.preempt !== false;
  const transform = class extends BeforeOptimizing {
    afterCompile(module: binaryen.Module): void {
      super.afterCompile(module);
      preempted.push(...insertSafepoints(module, preempt, this.binaryen));
      if (options.threads) {
        moveGlobalsToMemory(module, this.binaryen, START_EXPORT);
        noInline(module, THREADS_OUT_OF_LINE, this.binaryen);
        hoistStackStores(module, this.binaryen);
      }
    }
  };
  const { error } = await asc.main(args, {
    readFile: (file: string, dir: string) => readSource(file, dir, entry, wasi),
    writeFile: (file: string, contents: Uint8Array | string) => {
      if (file.endsWith(".wasm")) output = contents as Uint8Array;
    },
    // only the shim's folder is listed (--lib): all of its files are library files
    listFiles: async (dir: string, base: string) =>
      path.resolve(base, dir) === shimDir ? (await readdir(shimDir)).filter((f) => f.endsWith(".ts")) : [],
    stdout: { write: () => true } as never,
    stderr: { write: (text: string | Uint8Array) => (stderr.push(String(text)), true) } as never,
    transforms: [transform as never],
  });
  if (error || !output) {
    const details = stderr.join("").trim();
    throw new BuildError(`asc failed to compile ${path.relative(process.cwd(), entry)}${details ? `:\n${details}` : `: ${error?.message ?? "no output"}`}`);
  }
  return { wasm: output, preempted };
}

/** Source reader for asc: maps the `weft` package and the virtual entries. */
async function readSource(file: string, dir: string, entry: string, wasi: boolean): Promise<string | null> {
  const full = path.resolve(dir, file);
  if (full === path.resolve(path.dirname(entry), ABI_ENTRY)) return `export * from "weft/abi";\n`;
  if (full === path.resolve(path.dirname(entry), WASI_ENTRY)) return `export * from "weft/wasi/runner";\n`;
  if (full === path.resolve(path.dirname(entry), THREADS_ENTRY)) return `export * from "weft/threads";\n`;
  if (full === path.resolve(path.dirname(entry), THREADS_RUNTIME + ".ts")) return `import "weft/rt/heap";\nimport "weft/rt/itcms";\n`;
  const match = /(?:^|[\\/])node_modules[\\/]weft[\\/](.+)$/.exec(full);
  // the WASI target swaps the core's one platform file for its WASI twin
  const mapped = match && wasi && match[1] === "platform.ts" ? "platform.wasi.ts" : match?.[1];
  const target = mapped ? path.join(assemblyDir, mapped) : full;
  try {
    return await readFile(target, "utf8");
  } catch {
    return null;
  }
}

/**
 * asc transform, run on the module asc compiled before it optimizes it: marks the suspend
 * primitives no-inline, so that no caller ends up calling `asyncify.start_unwind` itself;
 * `runAsc` adds the safepoints (preempt.ts) while every loop is still in the function it
 * was written in, so that a loop of the standard library or of weft that asc then inlines
 * into the program's code comes without one.
 */
class BeforeOptimizing {
  declare binaryen: typeof binaryen;
  afterCompile(module: binaryen.Module): void {
    noInline(module, [...SUSPEND_PRIMITIVES, ...OUT_OF_LINE_HOOKS, ...OFF_THE_SWITCH_PATH], this.binaryen);
  }
}

/** Marks the functions matching `patterns` no-inline for the optimizations that follow. */
function noInline(module: binaryen.Module, patterns: string[], api: typeof binaryen = binaryen): void {
  // the pass takes one wildcard pattern per run
  for (const name of patterns) {
    api.setPassArgument("no-inline", name);
    module.runPasses(["no-inline"]);
  }
  api.clearPassArguments();
}
