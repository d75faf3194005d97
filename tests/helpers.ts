// Test helpers: build an AssemblyScript program with the real pipeline and run it with the
// real host, capturing its output lines.
//
// Builds go through the suite's content-addressed cache (tests/buildcache.ts): a program
// with the same sources and options is built once per `npm test` (and reused by later runs
// while nothing it reads changes), whichever test file and worker asks for it. Tests build
// with `buildProgram`/`buildAndRun` (or `buildWasi` for the WASI target), never with
// `build()` directly, so that the suite stays within its time budget.
//
// GC stress: `{ gcStress: true }` builds the same program with AssemblyScript's
// incremental collector (std/assembly/rt/itcms.ts) stepping at nearly every allocation and
// never idling, starting right after the top-level code: a missing root or write barrier
// in the core then shows up as a wrong result or a trap within a few allocations, instead
// of once in a long run. Output, exit status and dumps must be the same as without it.
import path from "node:path";
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";
import { expect } from "vitest";
import { BuildError, type BuildOptions, type BuildResult } from "../build/build.js";
import { WeftProgram, type RunResult } from "../host/runtime.js";
import { cachedBuild } from "./buildcache.js";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Options of `buildProgram`: the build's own, plus the test-only GC stress mode. */
export interface TestBuildOptions extends Omit<BuildOptions, "entry"> {
  /** Build with the collector stepping at nearly every allocation (see above). JS target only. */
  gcStress?: boolean;
}

/**
 * itcms's tuning constants for GC stress (asc `--use`). GRANULARITY: bytes allocated
 * between two collector steps (every allocation is larger than 16 bytes with its header,
 * so each one steps). SWEEPFACTOR: a step's budget in % of GRANULARITY: 100 = 16 units,
 * about 16 objects marked or 2 swept, so a cycle spreads over many allocations and fiber
 * switches. IDLEFACTOR 100: after a cycle ends, the next starts at the next allocation.
 */
export const GC_STRESS_USE = ["ASC_GC_GRANULARITY=16", "ASC_GC_SWEEPFACTOR=100", "ASC_GC_IDLEFACTOR=100"];

/**
 * The two build modes the core's semantic tests run in: `describe.each(BUILD_MODES)`. The
 * second is the core's checking mode: GC stress and the debug build (`weft build --debug`:
 * the core checks its invariants as it runs, sched/check.ts) in one build, so that the
 * suite pays one extra build per program for both.
 */
export const BUILD_MODES = [
  { mode: "default", gcStress: false, debug: false },
  { mode: "GC stress + debug checks", gcStress: true, debug: true },
] as const;

/** Where tests/programs/<name>.ts is, or `name` as a path (absolute, or from the repo root) if it has a "/". */
export function entryOf(name: string): string {
  if (path.isAbsolute(name)) return name;
  return name.includes("/") ? path.join(root, name) : path.join(root, "tests", "programs", `${name}.ts`);
}

/** `buildProgram` as the example build scripts take it (buildBrowserDemo, buildEdge): entry in, bytes out. */
export const compileCached = async (entry: string): Promise<Uint8Array> => (await buildProgram(entry)).binary;

/** Builds tests/programs/<name>.ts (or a path relative to the repo root), once per content. */
export async function buildProgram(name: string, options: TestBuildOptions = {}): Promise<BuildResult> {
  const { gcStress, ...buildOptions } = options;
  if (!gcStress) return cachedBuild({ entry: entryOf(name), options: buildOptions });
  if (buildOptions.target === "wasi") throw new BuildError("gcStress builds are for the JavaScript host");
  return cachedBuild({
    entry: entryOf(name),
    options: { ...buildOptions, use: [...GC_STRESS_USE, ...(buildOptions.use ?? [])] },
    transform: { name: "gc-stress-start", apply: collectAfterTopLevel },
  });
}

/** Builds `name` for the WASI target (a WASI command, run by `weft wasi`), once per content. */
export function buildWasi(name: string, options: Omit<BuildOptions, "entry" | "target"> = {}): Promise<BuildResult> {
  return cachedBuild({ entry: entryOf(name), options: { ...options, target: "wasi" } });
}

/**
 * The collector's first step waits until half of the initial memory's free part is
 * allocated (itcms's initial `threshold`), which small programs never reach. A full
 * collection sets the threshold from the constants instead: `_start` (top-level code,
 * which the host runs before `main`) is made to end with `__collect()`.
 */
function collectAfterTopLevel(binary: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const module = binaryen.readBinary(binary);
  try {
    // AssemblyScript's default features, as build/build.ts sets them
    module.setFeatures(
      binaryen.Features.MutableGlobals | binaryen.Features.NontrappingFPToInt | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.SignExt,
    );
    const target = (name: string) => binaryen.getExportInfo(module.getExport(name)).value;
    const start = target("_start");
    const collect = target("__collect");
    module.addFunction(
      "weft-test/gcStressStart",
      binaryen.none,
      binaryen.none,
      [],
      module.block(null, [module.call(start, [], binaryen.none), module.call(collect, [], binaryen.none)]),
    );
    module.removeExport("_start");
    module.addFunctionExport("weft-test/gcStressStart", "_start");
    if (!module.validate()) throw new Error("internal: the GC-stress module does not validate");
    binaryen.setDebugInfo(true); // keep the name section, as the pipeline does
    const out = new Uint8Array(module.emitBinary());
    binaryen.setDebugInfo(false);
    return out;
  } finally {
    module.dispose();
  }
}

/**
 * A line of a fiber dump (deadlock report, leak report, `dump()`) whose switch count is
 * not the point: `prefix` is the line up to " for N switches", which may be any count.
 * Use it where the core's scheduling details could change the count but not the state.
 */
export function dumpLine(prefix: string): string {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return expect.stringMatching(new RegExp(`^${escaped} for \\d+ switch(es)?$`)) as unknown as string;
}

export interface Run extends RunResult {
  stdout: string[];
  stderr: string[];
  program: WeftProgram;
}

/** Loads and runs a built module, collecting its output. */
export async function run(binary: Uint8Array): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const program = await WeftProgram.load(binary as Uint8Array<ArrayBuffer>, {
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
  });
  const result = program.run();
  return { ...result, stdout, stderr, program };
}

/** Builds and runs in one go. */
export async function buildAndRun(name: string, options: TestBuildOptions = {}): Promise<Run> {
  return run((await buildProgram(name, options)).binary);
}

/**
 * Runs `binary` with `weft run` in a child process and sends it SIGQUIT once its stdout
 * contains `marker`; resolves with its exit status and stderr lines (the dump).
 */
export async function quitWhen(binary: Uint8Array, marker: string): Promise<{ code: number | null; stderr: string[] }> {
  const out = path.join(await mkdtemp(path.join(tmpdir(), "weft-")), "program.wasm");
  await writeFile(out, binary);
  const child = spawn(process.execPath, [path.join(root, "bin/weft.js"), "run", out]);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
    if (stdout.includes(marker)) child.kill("SIGQUIT");
  });
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  return { code, stderr: stderr.trim().split("\n") };
}
