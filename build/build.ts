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
//   4. our verify step checks that only the primitives start an unwind and that every
//      caller of a primitive was instrumented (passes.ts `analyze`);
//   5. full optimization, now that inlining is safe.
// Around the pass, `asyncify.get_state` is hidden and rebound (passes.ts), since the pass
// does not accept it as an intrinsic.
// The result keeps its function names (a name section) so that traps name the function.

import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";
import { linkMain, linkExports, bindGcMarking, analyze, hideStateIntrinsic, bindStateIntrinsic, removeAsyncifyExports, type ModuleReport } from "./passes.js";

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
  /** Build with AssemblyScript's rtrace hooks, for allocation accounting (tests). */
  rtrace?: boolean;
  /** Extra `--use NAME=value` constants for asc. */
  use?: string[];
  /** Report progress and the instrumented functions here. */
  log?: (line: string) => void;
}

/** What a build produced. */
export interface BuildResult {
  binary: Uint8Array<ArrayBuffer>;
  /** Functions the asyncify pass instrumented, sorted. */
  instrumented: string[];
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

export const DEFAULT_STACK_SIZE = 65536;
export const DEFAULT_SCRATCH_SIZE = 65536;
const DEFAULT_GUARD_SIZE = 1 << 20;
/** Virtual second entry: re-exports the ABI so that every program exports it. */
const ABI_ENTRY = "__weft_abi_entry__.ts";
/** The suspend primitives: the only functions allowed to start an unwind. */
export const SUSPEND_PRIMITIVES = ["~lib/weft/scheduler/yieldNow", "~lib/weft/scheduler/park"];
/** Functions that run the trampoline: they start rewinds and stop unwinds. */
export const TRAMPOLINES = ["~lib/weft/scheduler/run"];
/**
 * Runtime functions on the switch and exit paths that must never reach a suspend
 * primitive or an indirect call: instrumented, they would slow every switch or exit (and
 * could not unwind anyway). Checked when they survive as functions.
 */
export const MUST_STAY_PLAIN = [
  "~lib/weft/scheduler/finish",
  "~lib/weft/scheduler/save",
  "~lib/weft/scheduler/failFiber",
  "~lib/weft/scope/memberEnded",
  "~lib/weft/scheduler/fireTimers",
];

// AssemblyScript's default feature set; the optimizer must not use others.
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
  if (!existsSync(entry)) throw new BuildError(`entry file not found: ${options.entry}`);
  for (const [name, value] of [["stack size", options.stackSize], ["scratch size", options.scratchSize]] as const) {
    if (value !== undefined && (!Number.isInteger(value) || value < 1024 || value > 1 << 30 || value % 16 !== 0)) {
      throw new BuildError(`${name} must be a multiple of 16 between 1024 and 1073741824 bytes, got ${value}`);
    }
  }
  return buildModule(entry, options, log);
}

async function buildModule(entry: string, options: BuildOptions, log: (line: string) => void): Promise<BuildResult> {
  const wasm = await compile(entry, options);
  const module = binaryen.readBinary(wasm);
  try {
    module.setFeatures(FEATURES);
    linkMain(module, path.relative(process.cwd(), entry));
    bindGcMarking(module);
    const spawnable = linkExports(module);
    if (spawnable.length) log(`spawnable from the host: ${spawnable.join(", ")}`);
    const stateIntrinsic = hideStateIntrinsic(module);

    binaryen.clearPassArguments();
    binaryen.setOptimizeLevel(options.optimize === false ? 0 : 3);
    binaryen.setShrinkLevel(0);
    binaryen.setPassArgument("asyncify-ignore-imports", "1");
    if (options.ignoreIndirect) binaryen.setPassArgument("asyncify-ignore-indirect", "1");
    module.runPasses(["asyncify"]);
    binaryen.clearPassArguments();
    bindStateIntrinsic(module, stateIntrinsic);

    const report: ModuleReport = analyze(module, SUSPEND_PRIMITIVES, TRAMPOLINES, MUST_STAY_PLAIN);
    removeAsyncifyExports(module);
    if (options.optimize !== false) {
      binaryen.setOptimizeLevel(3);
      binaryen.setShrinkLevel(0);
      module.optimize();
      module.optimize();
    }
    if (!module.validate()) throw new BuildError("internal: the built module does not validate");
    binaryen.setDebugInfo(true); // keep the name section: traps then name the function
    const binary = new Uint8Array(module.emitBinary());
    binaryen.setDebugInfo(false);
    log(`built ${path.relative(process.cwd(), entry)}: ${binary.length} bytes, ${report.instrumented.length} functions instrumented`);
    return { binary, ...report, guardSize: DEFAULT_GUARD_SIZE, size: binary.length };
  } finally {
    module.dispose();
  }
}

/** Runs asc in-process; `weft` imports resolve to this package's assembly/ directory. */
async function compile(entry: string, options: BuildOptions): Promise<Uint8Array> {
  const asc = await import("assemblyscript/asc");
  const baseDir = path.dirname(entry);
  const uses = [
    `WEFT_SCRATCH_SIZE=${options.scratchSize ?? DEFAULT_SCRATCH_SIZE}`,
    `WEFT_GUARD_SIZE=${DEFAULT_GUARD_SIZE}`,
    ...(options.use ?? []),
  ];
  if (options.rtrace) uses.push("ASC_RTRACE=1");
  const args = [
    path.basename(entry),
    ABI_ENTRY,
    "--outFile", "out.wasm",
    "--baseDir", baseDir,
    "--runtime", "incremental",
    "--exportRuntime",
    // the host runs top-level code itself, after it is ready to account for allocations
    "--exportStart", "_start",
    "--stackSize", String(options.stackSize ?? DEFAULT_STACK_SIZE),
    "--debug", // names, so that our passes find functions; stripped of nothing else
    "--noColors",
    ...(options.optimize === false ? ["-O0"] : ["-O3"]),
    ...uses.flatMap((u) => ["--use", u]),
  ];
  let output: Uint8Array | null = null;
  const stderr: string[] = [];
  const { error } = await asc.main(args, {
    readFile: (file: string, dir: string) => readSource(file, dir, entry),
    writeFile: (file: string, contents: Uint8Array | string) => {
      if (file.endsWith(".wasm")) output = contents as Uint8Array;
    },
    listFiles: () => [],
    stdout: { write: () => true } as never,
    stderr: { write: (text: string | Uint8Array) => (stderr.push(String(text)), true) } as never,
    transforms: [NoInlinePrimitives as never],
  });
  if (error || !output) {
    const details = stderr.join("").trim();
    throw new BuildError(`asc failed to compile ${path.relative(process.cwd(), entry)}${details ? `:\n${details}` : `: ${error?.message ?? "no output"}`}`);
  }
  return output;
}

/** Source reader for asc: maps the `weft` package and the virtual ABI entry. */
async function readSource(file: string, dir: string, entry: string): Promise<string | null> {
  const full = path.resolve(dir, file);
  if (full === path.resolve(path.dirname(entry), ABI_ENTRY)) return `export * from "weft/abi";\n`;
  const match = /(?:^|[\\/])node_modules[\\/]weft[\\/](.+)$/.exec(full);
  const target = match ? path.join(assemblyDir, match[1]) : full;
  try {
    return await readFile(target, "utf8");
  } catch {
    return null;
  }
}

/**
 * asc transform: marks the suspend primitives no-inline before asc optimizes, so that no
 * caller ends up calling `asyncify.start_unwind` itself.
 */
class NoInlinePrimitives {
  declare binaryen: typeof binaryen;
  afterCompile(module: binaryen.Module): void {
    // the pass takes one wildcard pattern per run
    for (const name of SUSPEND_PRIMITIVES) {
      this.binaryen.setPassArgument("no-inline", name);
      module.runPasses(["no-inline"]);
    }
    this.binaryen.clearPassArguments();
  }
}
