// Test helpers: build an AssemblyScript program with the real pipeline and run it with the
// real host, capturing its output lines.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type BuildOptions, type BuildResult } from "../build/build.js";
import { WeftProgram, type RunResult } from "../host/runtime.js";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Builds tests/programs/<name>.ts (or a path relative to the repo root). */
export async function buildProgram(name: string, options: Omit<BuildOptions, "entry"> = {}): Promise<BuildResult> {
  const entry = name.includes("/") ? path.join(root, name) : path.join(root, "tests", "programs", `${name}.ts`);
  return build({ entry, ...options });
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
export async function buildAndRun(name: string, options: Omit<BuildOptions, "entry"> = {}): Promise<Run> {
  return run((await buildProgram(name, options)).binary);
}
