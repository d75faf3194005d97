// WASI programs: `weft build --target wasi` modules run under node:wasi (through the real
// `weft wasi` command, in a child process), with no JavaScript host driving them.
import { describe, it, expect } from "vitest";
import { execFile } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { promisify } from "node:util";
import path from "node:path";
import { build, BuildError, type BuildOptions } from "../build/build.js";
import { buildAndRun, buildProgram, buildWasi as buildWasiCached, root } from "./helpers.js";
import { lines, ownOutDir, runWasi } from "./wasirun.js";

const exec = promisify(execFile);
const weft = path.join(root, "bin/weft.js");
const outDirOf = ownOutDir("wasi");

const built = new Map<string, Promise<string>>();

/** Builds `entry` (relative to the repo) for the wasi target (cached) into this run's <name>.wasm. */
function buildWasi(entry: string, name: string, options: Omit<BuildOptions, "entry" | "target"> = {}): Promise<string> {
  const out = path.join(outDirOf(), `${name}.wasm`);
  if (!built.has(out)) {
    built.set(
      out,
      buildWasiCached(entry, options).then(async ({ binary }) => {
        await writeFile(out, binary);
        return out;
      }),
    );
  }
  return built.get(out)!;
}

/**
 * Runs a WASI command in this process under node:wasi, recording each poll_oneoff clock
 * subscription: its timeout (ns) and the monotonic clock's last reading before it (ns),
 * from which the runner computed it. Its stdout goes to a file and comes back as lines.
 */
async function runWasiCounting(file: string): Promise<{ status: number; stdout: string[]; sleeps: { at: number; timeout: number }[] }> {
  const { WASI } = await import("node:wasi");
  const outFile = `${file}.stdout`;
  const fd = openSync(outFile, "w");
  try {
    const wasi = new WASI({ version: "preview1", args: [path.basename(file)], env: {}, returnOnExit: true, stdout: fd });
    type Call = (...args: (number | bigint)[]) => number;
    const real = (wasi.getImportObject() as { wasi_snapshot_preview1: Record<string, Call> }).wasi_snapshot_preview1;
    let memory: WebAssembly.Memory | null = null;
    let clock = 0;
    const sleeps: { at: number; timeout: number }[] = [];
    const wrapped: Record<string, Call> = {
      ...real,
      clock_time_get: (id, precision, result) => {
        const status = real.clock_time_get(id, precision, result);
        if (id === 1) clock = Number(new DataView(memory!.buffer).getBigUint64(Number(result), true)); // monotonic
        return status;
      },
      // preview1 subscription, 48 bytes: tag u8 at 8 (0 = clock), timeout u64 at 24
      poll_oneoff: (subs, events, count, written) => {
        const view = new DataView(memory!.buffer);
        for (let i = 0; i < Number(count); i++) {
          const at = Number(subs) + 48 * i;
          if (view.getUint8(at + 8) === 0) sleeps.push({ at: clock, timeout: Number(view.getBigUint64(at + 24, true)) });
        }
        return real.poll_oneoff(subs, events, count, written);
      },
    };
    const instance = await WebAssembly.instantiate(await WebAssembly.compile(await readFile(file)), { wasi_snapshot_preview1: wrapped } as WebAssembly.Imports);
    memory = instance.exports.memory as WebAssembly.Memory;
    const status = wasi.start(instance);
    return { status, stdout: lines(readFileSync(outFile, "utf8")), sleeps };
  } finally {
    closeSync(fd);
  }
}

describe("WASI demos under node:wasi", () => {
  it("sleep sort prints the numbers in order, each after sleeping that long", async () => {
    const file = await buildWasi("examples/wasi/sleepsort.ts", "sleepsort");
    // 100 ms apart: the sleeps of one slice are armed when the slice ends or the clock is
    // next read (a few switches apart), so a loaded machine that stalls the process for
    // tens of ms between two of them must not reorder them
    const r = await runWasi(file, ["300", "100", "500", "200", "400", "0"]);
    expect(r).toEqual({ status: 0, stdout: ["0", "100", "200", "300", "400", "500"], stderr: [] });
    const bad = await runWasi(file, ["12", "soon"]);
    expect(bad).toEqual({ status: 2, stdout: [], stderr: ["sleepsort: not a number of milliseconds: soon"] });
  });

  it("the concurrent prime sieve prints the first N primes and leaves no fiber behind", async () => {
    const file = await buildWasi("examples/wasi/sieve.ts", "sieve");
    const r = await runWasi(file, ["30"]);
    expect(r).toEqual({
      status: 0,
      stdout: ["2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67 71 73 79 83 89 97 101 103 107 109 113"],
      stderr: [],
    });
    const last = await runWasi(file, ["1000"]);
    expect(last.stdout[0].split(" ")).toHaveLength(1000);
    expect(last.stdout[0].split(" ").at(-1)).toBe("7919");
  });

  it("wc counts several files in concurrent fibers, as wc does, through a preopened directory", async () => {
    const file = await buildWasi("examples/wasi/wc.ts", "wc");
    const data = "examples/wasi/data";
    const r = await runWasi(file, [`${data}/lorem.txt`, `${data}/tale.txt`, `${data}/empty.txt`, `${data}/partial.txt`], ["--dir", data]);
    expect(r).toEqual({
      status: 0,
      stdout: [
        `  400  3433 21895 ${data}/lorem.txt`,
        `    6    85   418 ${data}/tale.txt`,
        `    0     0     0 ${data}/empty.txt`,
        `    0     5    21 ${data}/partial.txt`,
        "  406  3523 22334 total",
      ],
      stderr: [],
    });
  });

  it("wc reports a missing file, a directory and a path outside the preopens as errors, and goes on", async () => {
    const file = await buildWasi("examples/wasi/wc.ts", "wc");
    const data = "examples/wasi/data";
    const r = await runWasi(file, [`${data}/missing.txt`, `${data}/tale.txt`, data, "package.json"], ["--dir", data]);
    expect(r.status).toBe(1);
    expect(r.stdout).toEqual([`  6  85 418 ${data}/tale.txt`, "  6  85 418 total"]);
    expect(r.stderr).toEqual([
      `wc: ${data}/missing.txt: No such file or directory`,
      `wc: ${data}: Is a directory`,
      "wc: package.json: Not permitted by the program's WASI capabilities (outside every preopened directory?)",
    ]);
  });
});

// The same program built for both targets prints the same bytes and ends with the same
// status: the runner reproduces the JS host's failure lines, deadlock and leak reports.
describe("same output and exit status as the JS host", () => {
  // [program, its arguments]
  const programs: [string, string[]][] = [
    ["isolation", ["3"]], // a runtime error (null element) in one fiber of 101
    ["mainfails", []], // exit 1
    ["deadlock", []], // exit 2 with the dump
    ["timerdeadlock", []], // deadlock while no timer is left
    ["leftover", []], // main ended with fibers alive, one preempted (the core names its function)
    ["selecttimeout", []], // select timeouts: the runner sleeps in poll_oneoff
    ["toplevel", []], // fault outside any fiber: exit 3
  ];
  for (const [name, args] of programs) {
    it(`${name}${args.length ? ` ${args.join(" ")}` : ""}`, async () => {
      // isolation's kind: the WASI command's argument, the JS host's import; deadlock's JS
      // build is core.test.ts's, with the debug checks (same output, one build fewer)
      const js = await buildAndRun(name, name === "deadlock" ? { debug: true } : {}, name === "isolation" ? { isolation: { kind: () => Number(args[0]) } } : {});
      const file = await buildWasi(`tests/programs/${name}.ts`, name);
      const wasi = await runWasi(file, args);
      expect(wasi.stdout).toEqual(js.stdout);
      expect(wasi.stderr).toEqual(js.stderr);
      expect(wasi.status).toBe(js.exitCode);
    });
  }

  it("checks the exit statuses themselves: 0, 1, 2, 3", async () => {
    const statuses: Record<string, number> = {};
    for (const name of ["leftover", "mainfails", "deadlock", "toplevel"]) {
      statuses[name] = (await runWasi(await buildWasi(`tests/programs/${name}.ts`, name))).status;
    }
    expect(statuses).toEqual({ leftover: 0, mainfails: 1, deadlock: 2, toplevel: 3 });
  });
});

describe("failures under WASI", () => {
  it("an abort fails only its fiber: the other 100 complete (wasm exception caught by the runner)", async () => {
    const r = await runWasi(await buildWasi("tests/programs/isolation.ts", "isolation"), ["0"]);
    expect(r).toEqual({
      status: 0,
      stdout: ["completed 100, failed 1, total 225000"],
      stderr: ['weft: fiber #52 "failing" failed: id must be negative at isolation.ts:25:5'],
    });
  });

  it("a shadow-stack overflow and a scratch overflow fail only their fibers", async () => {
    const r = await runWasi(await buildWasi("tests/programs/overflow.ts", "overflow", { use: ["SKIP_CALLSTACK=1"] }));
    const js = await buildAndRun("overflow", { use: ["SKIP_CALLSTACK=1"] });
    expect(r.status).toBe(0);
    expect(r.stdout).toEqual(js.stdout);
    expect(r.stderr).toEqual(js.stderr);
    expect(r.stderr[0]).toMatch(/^weft: fiber #\d+ "shadowStack" failed: shadow stack overflow/);
  });

  it("a trap cannot be caught: the program ends with status 3 and says why", async () => {
    const r = await runWasi(await buildWasi("tests/programs/isolation.ts", "isolation"), ["1"]);
    expect(r.status).toBe(3);
    expect(r.stdout).toEqual([]);
    expect(r.stderr).toEqual(["weft: fatal: wasm trap: unreachable in isolation/failing (a trap cannot be caught under WASI: the program ends)"]);
  });

  it("without exception handling an abort reports the failure and ends the program with status 3", async () => {
    const r = await runWasi(await buildWasi("tests/programs/isolation.ts", "noexceptions", { exceptions: "none" }), ["0"]);
    expect(r).toEqual({
      status: 3,
      stdout: [],
      stderr: [
        'weft: fiber #52 "failing" failed: id must be negative at isolation.ts:25:5',
        "weft: fatal: built without exception handling (--exceptions none), a failing fiber ends the program",
      ],
    });
  });
});

describe("the WASI module", () => {
  it("is a WASI command: exports _start and memory, imports only wasi_snapshot_preview1", async () => {
    const module = await WebAssembly.compile(await readFile(await buildWasi("examples/wasi/wc.ts", "wc")));
    expect(WebAssembly.Module.exports(module).map((e) => e.name).sort()).toEqual(["_start", "memory"]);
    const modules = new Set(WebAssembly.Module.imports(module).map((i) => i.module));
    expect([...modules]).toEqual(["wasi_snapshot_preview1"]);
    const names = WebAssembly.Module.imports(module).map((i) => i.name);
    for (const used of ["fd_write", "poll_oneoff", "clock_time_get", "proc_exit", "path_open", "fd_read", "fd_close", "args_get"]) {
      expect(names).toContain(used);
    }
  });

  it("a program whose fibers only sleep does not busy-wait: it sleeps until a fiber's deadline each time", async () => {
    // 200 fibers sleep 20 to 1000 ms (50 distinct durations); the runner's poll_oneoff
    // calls are recorded, each with the clock reading it was computed from. Every call
    // must sleep until some fiber's deadline, so at most 200 distinct ends (a runtime that
    // wakes it early, as node:wasi does, gets a call for the same end again, which is not
    // new); and at least one call must ask for a millisecond or more. A runner that spun
    // would make no such call; one that slept in short slices would have an end for each.
    const file = await buildWasi("tests/programs/sleepers.ts", "sleepers");
    const { status, stdout, sleeps } = await runWasiCounting(file);
    expect(stdout).toEqual(["all 200 woke"]);
    expect(status).toBe(0);
    expect(sleeps.filter((s) => s.timeout >= 1e6).length).toBeGreaterThanOrEqual(1);
    let ends = 0;
    let last = -Infinity;
    for (const { at, timeout } of sleeps) {
      if (at + timeout >= last + 1e6) ends++;
      last = Math.max(last, at + timeout);
    }
    expect(ends).toBeGreaterThanOrEqual(1);
    expect(ends).toBeLessThanOrEqual(200);
  });

  it("bad input gets clear errors", async () => {
    await expect(build({ entry: path.join(root, "examples/wasi/wc.ts"), target: "wasi", rtrace: true })).rejects.toThrow(
      new BuildError("rtrace builds need the JavaScript host; they cannot target wasi"),
    );
    await expect(build({ entry: path.join(root, "examples/wasi/wc.ts"), target: "wat" as never })).rejects.toThrow(
      'unknown target "wat": expected "js" or "wasi"',
    );
    const jsModule = path.join(outDirOf(), "js-target.wasm");
    await writeFile(jsModule, (await buildProgram("mainfails")).binary);
    const r = await runWasi(jsModule);
    expect(r.status).toBe(4);
    expect(r.stderr).toEqual([
      `weft: ${path.relative(root, jsModule)} was built for the JavaScript host: run it with \`weft run\`, or build it with \`weft build --target wasi\``,
    ]);
    const missing = await runWasi(path.join(outDirOf(), "nope.wasm"));
    expect(missing).toEqual({ status: 4, stdout: [], stderr: [`weft: no such file: ${path.relative(root, outDirOf())}/nope.wasm`] });
  });

  it("a WASI module gets a clear error from `weft run`", async () => {
    const file = await buildWasi("examples/wasi/wc.ts", "wc"); // any WASI module: one built above
    const { stderr } = await exec(process.execPath, [weft, "run", file]).catch((e) => e);
    expect(stderr).toBe(
      `weft: ${file} is a WASI command (built with --target wasi), not a program for this host: run it with \`weft wasi ${file}\` or another WASI runtime\n`,
    );
  });
});
