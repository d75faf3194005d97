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
import { describe, it, expect } from "vitest";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import binaryen from "binaryen";
import type { BuildOptions } from "../build/build.js";
import { buildAndRun, buildProgram, buildWasi, GC_STRESS_USE, run } from "./helpers.js";
import { ownOutDir, runWasi, type WasiRun } from "./wasirun.js";

const outDirOf = ownOutDir("wasigc");

let written = 0;

/** Builds tests/programs/<name>.ts for WASI (cached) and runs it with `weft wasi` in a child process. */
async function buildAndRunWasi(name: string, options: Omit<BuildOptions, "entry" | "target"> = {}, change = (b: Uint8Array) => b): Promise<WasiRun> {
  const binary = change((await buildWasi(name, options)).binary);
  const file = path.join(outDirOf(), `${name}-${written++}.wasm`);
  await writeFile(file, binary);
  return runWasi(file);
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

/**
 * The collector's list heads (itcms.ts `fromSpace`, `toSpace`, `pinSpace`) are set by
 * top-level code that asc places where it first compiles them. This makes `__new` trap
 * (`unreachable`) when it runs before all three are set: an allocation then would link
 * its object into a list at address 0, which no later collection sees whole.
 */
function trapEarlyAllocation(binary: Uint8Array): Uint8Array {
  const module = binaryen.readBinary(binary);
  try {
    // AssemblyScript's default features, as build/build.ts sets them, and the WASI runner's exceptions
    module.setFeatures(
      binaryen.Features.MutableGlobals | binaryen.Features.NontrappingFPToInt | binaryen.Features.BulkMemory |
        binaryen.Features.BulkMemoryOpt | binaryen.Features.SignExt | binaryen.Features.ExceptionHandling,
    );
    const name = "~lib/rt/itcms/__new";
    const info = binaryen.getFunctionInfo(module.getFunction(name));
    const unset = (list: string) => module.i32.eqz(module.global.get(`~lib/rt/itcms/${list}`, binaryen.i32));
    const check = module.if(module.i32.or(module.i32.or(unset("fromSpace"), unset("toSpace")), unset("pinSpace")), module.unreachable());
    module.removeFunction(name);
    module.addFunction(name, info.params, info.results, info.vars, module.block(null, [check, info.body], info.results));
    if (!module.validate()) throw new Error("the checked module does not validate");
    binaryen.setDebugInfo(true); // names in trap messages
    const out = new Uint8Array(module.emitBinary());
    binaryen.setDebugInfo(false);
    return out;
  } finally {
    module.dispose();
  }
}

describe("no allocation before the collector is set up", () => {
  it("in both targets, whatever the program's top-level code allocates first", async () => {
    expect((await buildAndRunWasi("wasigc", {}, trapEarlyAllocation)).stderr).toEqual([]);
    expect(await buildAndRunWasi("wasigctorture", {}, trapEarlyAllocation)).toEqual({ status: 0, stdout: ["verified 741", "errors 0"], stderr: [] });
    const js = await run(trapEarlyAllocation((await buildProgram("wasigctorture")).binary));
    expect(js.stdout).toEqual(["verified 741", "errors 0"]);
    expect(js.failures).toEqual([]);
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
