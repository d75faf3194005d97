// The collector in WASI programs, and aborts that no guarded call can catch.
//
// The WASI target replaces AssemblyScript's `abort` with weft's (assembly/wasi/abort.ts),
// which the allocator itself calls. While that file imported the runner's report code, a
// program whose own top-level code allocated before it imported weft made asc run the
// core's top-level code (which allocates) before the collector's lists were set up: the
// first collections then aborted in itcms `unlink` or freed live objects. These programs
// have that layout: `wasigc` is the first report (no weft import at all), `wasigctorture`
// imports a module with top-level objects of many layouts and sizes before weft and
// tortures them with fibers, yields and full collections. Each must print what the JS
// host prints for it.
//
// The second half: an abort while an abort is handled, or with no guarded call around it,
// ends the program with one line and status 3 (it used to recurse until the call stack was
// exhausted, or leave an uncaught wasm exception to the WASI runtime).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import path from "node:path";
import type { BuildOptions } from "../build/build.js";
import { buildAndRun, buildWasi, GC_STRESS_USE, root } from "./helpers.js";

const exec = promisify(execFile);
const weft = path.join(root, "bin/weft.js");

let outDir = "";
beforeAll(async () => {
  await mkdir(path.join(root, "tests/.out"), { recursive: true });
  outDir = await mkdtemp(path.join(root, "tests/.out/wasigc-"));
});
afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

interface WasiRun {
  status: number;
  stdout: string[];
  stderr: string[];
}

function lines(text: string): string[] {
  return text === "" ? [] : text.replace(/\n$/, "").split("\n");
}

let written = 0;

/** Builds tests/programs/<name>.ts for WASI (cached) and runs it with `weft wasi` in a child process. */
async function buildAndRunWasi(name: string, options: Omit<BuildOptions, "entry" | "target"> = {}): Promise<WasiRun> {
  const { binary } = await buildWasi(name, options);
  const file = path.join(outDir, `${name}-${written++}.wasm`);
  await writeFile(file, binary);
  try {
    const { stdout, stderr } = await exec(process.execPath, [weft, "wasi", file], { cwd: root });
    return { status: 0, stdout: lines(stdout), stderr: lines(stderr) };
  } catch (e) {
    const err = e as { code?: number; stdout: string; stderr: string };
    if (typeof err.code !== "number") throw e;
    return { status: err.code, stdout: lines(err.stdout), stderr: lines(err.stderr) };
  }
}

describe("the collector in WASI programs whose top-level code allocates", () => {
  it("the first report: top-level allocation, no weft import, collections in main", async () => {
    const js = await buildAndRun("wasigc");
    expect(js.stdout).toEqual(["done"]);
    for (const exceptions of ["legacy", "none"] as const) {
      expect(await buildAndRunWasi("wasigc", { exceptions })).toEqual({ status: 0, stdout: ["done"], stderr: [] });
    }
  });

  it("torture: top-level objects of 11 sizes and several layouts, 63 fibers, about 190 full collections", async () => {
    const expected = { status: 0, stdout: ["verified 741", "errors 0"], stderr: [] };
    const js = await buildAndRun("wasigctorture");
    expect({ status: js.exitCode, stdout: js.stdout, stderr: js.stderr }).toEqual(expected);
    expect(await buildAndRunWasi("wasigctorture")).toEqual(expected);
    // the collector stepping at every allocation, in the build without exception handling
    expect(await buildAndRunWasi("wasigctorture", { exceptions: "none", use: GC_STRESS_USE })).toEqual(expected);
  });
});

describe("aborts the runner cannot catch end the program with one line and status 3", () => {
  // wasigcabort.ts breaks a collector header on purpose; the next collector step aborts
  const use = (mode: number) => [`WASIGC_ABORT=${mode}`, ...GC_STRESS_USE];
  const nested = "weft: fatal: abort while handling an abort: unknown failure at ~lib/rt/itcms.ts:132:16";

  it("an abort while failing the fiber of an earlier abort", async () => {
    for (const exceptions of ["legacy", "none"] as const) {
      expect(await buildAndRunWasi("wasigcabort", { exceptions, use: use(1) })).toEqual({
        status: 3,
        stdout: [],
        stderr: [`${nested} (handling: first failure)`],
      });
    }
  });

  it("an abort in the runner's own code, outside any guarded call, and one while reporting it", async () => {
    expect(await buildAndRunWasi("wasigcabort", { use: use(2) })).toEqual({
      status: 3,
      stdout: [],
      stderr: [`${nested} (handling: unknown failure at ~lib/rt/itcms.ts:132:16)`],
    });
  });
});
