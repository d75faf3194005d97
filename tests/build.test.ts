import { describe, it, expect } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildProgram, root, run } from "./helpers.js";
import { BuildError } from "../build/build.js";
import { WeftProgram, LoadError } from "../host/runtime.js";
import { runFile } from "../host/node/run.js";

const exec = promisify(execFile);

describe("build", () => {
  it("instruments what can reach a yield and leaves pure compute alone (without preemption)", async () => {
    // with preemption, collatzSteps' loop has a safepoint and can suspend (preempt.test.ts)
    const r = await buildProgram("compute", { preempt: false });
    const own = (names: string[]) => names.filter((n) => n.startsWith("compute/"));
    expect(own(r.instrumented)).toEqual(["compute/main", "compute/stepper"]);
    expect(own(r.uninstrumented)).toEqual(["compute/collatzSteps"]);
  });

  it("instruments an indirect call only if an entry of its signature can suspend", async () => {
    // without preemption, so that loops do not make these functions suspend by themselves
    const r = await buildProgram("closures", { preempt: false });
    // the (i32) => i32 callback yields: its caller is instrumented, and says why
    expect(r.instrumented).toContain("closures/viaCallback");
    expect(r.why["closures/viaCallback"]).toBe("calls a function reference of type (func (param i32) (result i32)), which may be closures/doubleAndYield");
    expect(r.why["closures/doubleAndYield"]).toBe("calls ~lib/weft/sched/suspend/yieldNow");
    // the comparator never suspends: the sort and its caller stay plain code
    expect(r.instrumented).not.toContain("closures/sortScores");
    expect(r.instrumented.filter((n) => n.includes("sort"))).toEqual([]);
    expect(r.uninstrumented).toContain("closures/sortScores");
    const out = await run(r.binary);
    expect(out.stdout).toEqual([
      "sorted 422",
      "fiber 1 step 2",
      "fiber 10 step 20",
      "fiber 1 step 4",
      "fiber 10 step 40",
      "fiber 1 step 8",
      "fiber 10 step 80",
    ]);
    expect(out.exitCode).toBe(0);
  });

  it("reports the instrumented functions with weft build --verbose", async () => {
    const out = path.join(await mkdtemp(path.join(tmpdir(), "weft-")), "compute.wasm");
    const { stdout } = await exec(process.execPath, [path.join(root, "bin/weft.js"), "build", "tests/programs/compute.ts", "-o", out, "--verbose", "--no-preempt"], { cwd: root });
    const lines = stdout.split("\n");
    expect(lines).toContain("  compute/stepper: calls ~lib/weft/sched/suspend/yieldNow");
    const uninstrumented = lines.indexOf(lines.find((l) => l.startsWith("left uninstrumented"))!);
    expect(lines.slice(uninstrumented)).toContain("  compute/collatzSteps");
    expect(lines.slice(0, uninstrumented).some((l) => l.startsWith("  compute/collatzSteps"))).toBe(false);
  });

  it("rejects a program without main, naming what to add", async () => {
    await expect(buildProgram("nomain")).rejects.toThrow(BuildError);
    await expect(buildProgram("nomain")).rejects.toThrow(/nomain\.ts does not export a `main` function; a weft program starts there/);
  });

  it("rejects a main with the wrong signature", async () => {
    await expect(buildProgram("badmain")).rejects.toThrow(/`main` must take no parameters and return void/);
  });

  it("passes compiler errors on", async () => {
    await expect(buildProgram("typo")).rejects.toThrow(/asc failed to compile .*typo\.ts:[\s\S]*Type '~lib\/string\/String' is not assignable to type 'i32'/);
  });

  it("inlines the switch primitives into their callers, or keeps them out of line with shrink", async () => {
    const binaryen = (await import("binaryen")).default;
    const names = (binary: Uint8Array) => {
      const module = binaryen.readBinary(binary);
      try {
        return Array.from({ length: module.getNumFunctions() }, (_, i) => binaryen.getFunctionInfo(module.getFunctionByIndex(i)).name);
      } finally {
        module.dispose();
      }
    };
    const primitive = /^~lib\/weft\/(sync\/channel\/chan(Send|Recv)<i32>|sched\/suspend\/park)$/;
    // cooperative: with preemption, a time slice that runs out on a loaded machine adds a
    // switch to one run and not the other, and the counts below must match exactly
    const fast = await buildProgram("sieve", { preempt: false });
    const small = await buildProgram("sieve", { shrink: true, preempt: false });
    expect(names(fast.binary).filter((n) => primitive.test(n))).toEqual([]);
    expect(names(small.binary).filter((n) => primitive.test(n)).sort()).toEqual([
      "~lib/weft/sync/channel/chanRecv<i32>",
      "~lib/weft/sync/channel/chanSend<i32>",
    ]);
    expect(small.size).toBeLessThan(fast.size);
    // the same program either way
    const [a, b] = [await run(fast.binary), await run(small.binary)];
    expect(a.stdout).toEqual(b.stdout);
    expect(a.stdout.at(-1)).toBe("prime #1000 = 7919, sum 3682913");
    expect([a.stats.switches, a.aliveAtEnd]).toEqual([b.stats.switches, b.aliveAtEnd]);
  });

  it("rejects a missing entry and bad limits", async () => {
    await expect(buildProgram("missing")).rejects.toThrow(/entry file not found: .*missing\.ts/);
    await expect(buildProgram("compute", { scratchSize: 100 })).rejects.toThrow(/scratch size must be a multiple of 16 between 1024 and 1073741824 bytes, got 100/);
  });
});

describe("host loading", () => {
  it("names a missing file", async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => (lines.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      expect(await runFile("/nonexistent/program.wasm")).toBe(4);
    } finally {
      process.stderr.write = write;
    }
    expect(lines.join("")).toBe("weft: no such file: /nonexistent/program.wasm\n");
  });

  it("rejects bytes that are not WebAssembly", async () => {
    await expect(WeftProgram.load(new TextEncoder().encode("hello"), { name: "hello.wasm" })).rejects.toThrow(
      /^hello\.wasm is not a valid WebAssembly module: /,
    );
  });

  it("rejects a module that is not a weft program, naming the missing exports", async () => {
    // (module (memory (export "memory") 1) (func (export "__weft_run")))
    const bytes = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5, 3, 1, 0, 1, 7, 23, 2, 6, 109, 101, 109, 111, 114,
      121, 2, 0, 10, 95, 95, 119, 101, 102, 116, 95, 114, 117, 110, 0, 0, 10, 4, 1, 2, 0, 11,
    ]);
    const load = WeftProgram.load(bytes, { name: "plain.wasm" });
    await expect(load).rejects.toThrow(LoadError);
    await expect(WeftProgram.load(bytes, { name: "plain.wasm" })).rejects.toThrow(
      "plain.wasm is not a weft program: it lacks the exports _start, __new, __weft_start, __weft_reset, __weft_fail and 18 more (build it with `weft build <entry.ts> -o <out.wasm>`)",
    );
  });

  it("runs a built file through the CLI with its exit status", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "weft-"));
    const out = path.join(dir, "mainfails.wasm");
    await writeFile(out, (await buildProgram("mainfails")).binary);
    const run = exec(process.execPath, [path.join(root, "bin/weft.js"), "run", out]);
    await expect(run).rejects.toMatchObject({ code: 1, stdout: "before\n" });
    const err = await run.catch((e) => e.stderr as string);
    expect(err).toMatch(/weft: fiber #1 "main" failed: main gives up at .*mainfails\.ts:\d+:\d+\n/);
    await writeFile(path.join(dir, "junk.wasm"), "junk");
    await expect(exec(process.execPath, [path.join(root, "bin/weft.js"), "run", path.join(dir, "junk.wasm")])).rejects.toMatchObject({ code: 4 });
  });
});

describe("switching rules (build/passes.ts analyze)", () => {
  /**
   * Runs `analyze` over a module made of asyncify's data global and `start_unwind`, plus
   * `funcs` and `exports` (text format); returns what it threw, or null.
   */
  async function analyzeText(funcs: string, exports: string, primitives: string[], trampolines: string[] = []): Promise<unknown> {
    const binaryen = (await import("binaryen")).default;
    const { analyze } = await import("../build/passes.js");
    const module = binaryen.parseText(`(module
      (global $__asyncify_data (mut i32) (i32.const 0))
      (func $asyncify_start_unwind (param i32) (global.set $__asyncify_data (local.get 0)))
      ${funcs} ${exports})`);
    try {
      return analyze(module, primitives, trampolines);
    } catch (error) {
      return error;
    } finally {
      module.dispose();
    }
  }

  it("reports the instrumented callers, but not the primitives or the trampoline, which asyncify instruments too", async () => {
    // all four touch asyncify's data, as instrumented functions do; only the callers count
    const report = await analyzeText(
      `(func $~lib/weft/sched/suspend/yieldNow (drop (global.get $__asyncify_data)) (call $asyncify_start_unwind (i32.const 16)))
      (func $~lib/weft/sched/run/run (drop (global.get $__asyncify_data)) (call $app/caller))
      (func $app/caller (drop (global.get $__asyncify_data)) (call $~lib/weft/sched/suspend/yieldNow))
      (func $app/pure (result i32) (i32.const 7))`,
      `(export "a" (func $app/caller)) (export "b" (func $app/pure)) (export "c" (func $~lib/weft/sched/run/run))`,
      ["~lib/weft/sched/suspend/yieldNow"],
      ["~lib/weft/sched/run/run"],
    );
    expect(report).toEqual({ instrumented: ["app/caller"], uninstrumented: ["app/pure"], largestFrame: expect.any(Number) });
  });

  it("fails when a suspend primitive was inlined into a caller, or a caller was not instrumented", async () => {
    const error = await analyzeText(
      `(func $~lib/weft/sched/suspend/yieldNow (call $asyncify_start_unwind (i32.const 16)))
      (func $app/inlined (call $asyncify_start_unwind (i32.const 16)))
      (func $app/plain (call $~lib/weft/sched/suspend/yieldNow))
      (func $app/instrumented (drop (global.get $__asyncify_data)) (call $~lib/weft/sched/suspend/yieldNow))`,
      `(export "a" (func $app/inlined)) (export "b" (func $app/plain)) (export "c" (func $app/instrumented))`,
      ["~lib/weft/sched/suspend/yieldNow"],
    );
    expect(error).toBeInstanceOf(BuildError);
    expect((error as Error).message).toBe(
      "the module breaks weft's switching rules:\n" +
        "  app/inlined starts an unwind itself: a suspend primitive was inlined into it, so it would not be saved on a switch\n" +
        "  app/plain calls yieldNow but was not instrumented by asyncify",
    );
  });

  it("knows each instantiation of a generic primitive by its pattern", async () => {
    const error = await analyzeText(
      `(func $~lib/weft/sync/channel/chanSend<i32> (call $asyncify_start_unwind (i32.const 16)))
      (func $~lib/weft/sync/channel/chanSend<~lib/string/String> (call $asyncify_start_unwind (i32.const 16)))
      (func $app/sender (drop (global.get $__asyncify_data)) (call $~lib/weft/sync/channel/chanSend<i32>))
      (func $app/plain (call $~lib/weft/sync/channel/chanSend<~lib/string/String>))`,
      `(export "a" (func $app/sender)) (export "b" (func $app/plain))`,
      ["~lib/weft/sync/channel/chanSend<*>"],
    );
    expect((error as Error).message).toBe(
      "the module breaks weft's switching rules:\n  app/plain calls chanSend<~lib/string/String> but was not instrumented by asyncify",
    );
  });
});
