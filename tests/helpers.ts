// Test helpers: build an AssemblyScript program with the real pipeline and run it with the
// real host, capturing its output lines.
//
// Builds go through the suite's content-addressed cache (tests/buildcache.ts): a program
// with the same sources and options is built once per `npm test` (and reused by later runs
// while nothing it reads changes), whichever test file and worker asks for it, and most
// are built before any test asks, two at a time, by the build-ahead processes that
// vitest's global setup starts (tests/buildahead.ts lists them). Tests build with
// `buildProgram`/`buildAndRun` (or `buildWasi` for the WASI target), never with `build()`
// directly, so that the suite stays within its time budget.
//
// What a name and options mean (the entry file, the GC-stress mode) is in
// tests/testbuild.ts, re-exported here.
import path from "node:path";
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { expect } from "vitest";
import type { BuildOptions, BuildResult } from "../build/build.js";
import { WeftProgram, type RunResult, type RuntimeOptions } from "../host/runtime.js";
import { cachedBuild } from "./buildcache.js";
import { programRequest, root, wasiRequest, type TestBuildOptions } from "./testbuild.js";

export { BUILD_MODES, entryOf, GC_STRESS_USE, root, type TestBuildOptions } from "./testbuild.js";

/** Builds tests/programs/<name>.ts (or a path relative to the repo root), once per content. */
export async function buildProgram(name: string, options: TestBuildOptions = {}): Promise<BuildResult> {
  if (options.gcStress && options.target === "wasi") throw new (await import("../build/build.js")).BuildError("gcStress builds are for the JavaScript host");
  return cachedBuild(programRequest(name, options));
}

/** Builds `name` for the WASI target (a WASI command, run by `weft wasi`), once per content. */
export async function buildWasi(name: string, options: Omit<BuildOptions, "entry" | "target"> = {}): Promise<BuildResult> {
  return cachedBuild(wasiRequest(name, options));
}

/** `buildProgram` as the example build scripts take it (buildBrowserDemo, buildEdge): entry in, bytes out. */
export const compileCached = async (entry: string): Promise<Uint8Array> => (await buildProgram(entry)).binary;

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

/**
 * Loads and runs a built module, collecting its output. `imports`: the program's own
 * `@external` functions (RuntimeOptions.imports), e.g. how the suites of several test
 * programs in one module (tests/programs/syncsuite.ts) learn which one to run.
 */
export async function run(binary: Uint8Array, imports: RuntimeOptions["imports"] = {}): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const program = await WeftProgram.load(binary as Uint8Array<ArrayBuffer>, {
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
    imports,
  });
  const result = program.run();
  return { ...result, stdout, stderr, program };
}

/** Builds and runs in one go. */
export async function buildAndRun(name: string, options: TestBuildOptions = {}, imports: RuntimeOptions["imports"] = {}): Promise<Run> {
  return run((await buildProgram(name, options)).binary, imports);
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
