// wasirun.ts: running a WASI command the way a user does (`weft wasi`, a child process),
// for the test files that compare WASI programs' exit status and output.
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { promisify } from "node:util";
import path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { root } from "./helpers.js";

const exec = promisify(execFile);
const weft = path.join(root, "bin/weft.js");

/** A finished WASI command: exit status and output lines. */
export interface WasiRun {
  status: number;
  stdout: string[];
  stderr: string[];
}

/** The lines of a command's output (no trailing empty line). */
export function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

/**
 * A directory of this test file's own modules, under tests/.out (error messages then show
 * the path from the repo), made before its tests and removed after: no test reads a file
 * another run or file wrote. Returns a getter (the directory exists once the tests run).
 */
export function ownOutDir(prefix: string): () => string {
  let dir = "";
  beforeAll(async () => {
    await mkdir(path.join(root, "tests/.out"), { recursive: true });
    dir = await mkdtemp(path.join(root, `tests/.out/${prefix}-`));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => dir;
}

/** Runs `weft wasi [flags] <file> [args]` in a child process, from the repo root. */
export async function runWasi(file: string, args: string[] = [], flags: string[] = []): Promise<WasiRun> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [weft, "wasi", ...flags, path.relative(root, file), ...args], { cwd: root });
    return { status: 0, stdout: lines(stdout), stderr: lines(stderr) };
  } catch (e) {
    const err = e as { code?: number; stdout: string; stderr: string };
    if (typeof err.code !== "number") throw e;
    return { status: err.code, stdout: lines(err.stdout), stderr: lines(err.stderr) };
  }
}
