// run.ts: weft's benchmark suite (`npm run bench`, compiled to dist/bench/run.js).
//
//   npm run bench                                  every benchmark, results in bench/results.json
//   npm run bench -- --only switch,spawn           a subset
//   npm run bench -- --only parked --json out.json another results file
//
// Each benchmark program (bench/programs/*.ts) is built with `build()` and its parameters
// as compile-time constants (`use: ["NAME=value"]`), loaded with `WeftProgram.load`, and
// `program.run()` is timed with `process.hrtime.bigint()`. Timing figures are the best
// (minimum) of RUNS runs, each on a freshly loaded instance. Every run's output and
// counters are checked against what the program must have done, and the built binary is
// checked for the calls the benchmark depends on (so that an optimizer that folded the
// recursion away, or a runtime that skipped work, cannot produce a pretty number): any
// mismatch stops the suite with an error and writes no results.
//
// Groups (for --only) and the JSON keys they produce:
//   switch  switch_ns_d0, switch_ns_d10, switch_ns_d50, js_async_switch_ns, js_generator_switch_ns,
//           trace_switch_ns_d0 (depth 0 with tracing on, default options, measured after
//           switch_ns_d0 from the same build; target: at most twice that)
//   browser browser_switch_ns_d0: the depth-0 switch program run in headless Chromium
//           (bench/browser.ts), next to Node's switch_ns_d0 (measured too if `switch` is not
//           selected); target: within 1.5x of Node's. Skipped if /usr/bin/chromium is missing.
//   spawn   spawn_ns
//   parked  parked_bytes, parked_memory_bytes, parked_1m_ok
//   threadring  threadring_ns_per_hop
//   sieve   sieve_5000_ms
//   chan    chan_pingpong_ns
//   mutex   mutex_contended_ns
//   sleepers  sleepers_100k_ms, sleepers_100k_rss_mb (in a child process: peak RSS)
//   http    http_rps, node_http_rps, http_cpu_us, node_http_cpu_us (bench/net.ts; needs wrk)
//   echo    echo_10k_conns_ok (bench/net.ts)
//   latency sleep_late_ms_p99_busy, sleep_late_ms_p99_spin (bench/responsive.ts)
//   overhead  compute_slowdown, preempt_slowdown, module_size_ratio (bench/responsive.ts)
//   threads mn_alloc_ns_1, mn_alloc_ns_2, mn_alloc_speedup (bench/threads.ts: a threads build
//           allocating on 1 and 2 worker threads; target: speedup at least 1.5)
// plus machine, node, date and targets (the targets of the selected figures, each with
// whether it was met).

import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import Table from "cli-table3";
import binaryen from "binaryen";
import { build } from "../build/build.js";
import { runInChromium } from "./browser.js";
import { hasChromium, CHROMIUM_MISSING } from "./chromium.js";
import { WeftProgram, type RunResult, type RuntimeOptions } from "../host/runtime.js";
import { benchHttp, benchEcho, WRK_CONNECTIONS, WRK_SECONDS, ECHO_CONNECTIONS } from "./net.js";
import { benchLatency, benchOverhead } from "./responsive.js";
import { benchThreadsAlloc } from "./threads.js";

// ─── parameters ─────────────────────────────────────────────────────────────────────────

/** Runs per timing figure; the figure is the fastest. */
const RUNS = 3;
/** Yields per fiber for each call depth (two fibers, so twice as many switches). */
const SWITCH_YIELDS: Record<number, number> = { 0: 1_000_000, 10: 200_000, 50: 200_000 };
const SPAWN_FIBERS = 1_000_000;
const SPAWN_BATCH = 1000;
const PARKED_FIBERS = 100_000;
const PARKED_1M = 1_000_000;
/** Iterations per player of the JavaScript ping-pongs (two players). */
const JS_ITERATIONS = 1_000_000;

const RING_FIBERS = 503;
const RING_HOPS = 10_000_000;
const SIEVE_PRIMES = 5000;
const PINGPONG_ROUNDS = 1_000_000;
const MUTEX_FIBERS = 100;
const MUTEX_ROUNDS = 10_000;
const SLEEPERS = 100_000;
const SLEEP_MS = 100;

const GROUPS = ["switch", "browser", "spawn", "parked", "threadring", "sieve", "chan", "mutex", "sleepers", "http", "echo", "latency", "overhead", "threads"] as const;
type Group = (typeof GROUPS)[number];

/** The figures, in table order, with the group that produces them. */
const FIGURES = [
  { key: "switch_ns_d0", group: "switch", what: "ns/switch, 2 fibers yielding at depth 0" },
  { key: "browser_switch_ns_d0", group: "browser", what: "ns/switch, the same in headless Chromium (page, main thread)" },
  { key: "trace_switch_ns_d0", group: "switch", what: "ns/switch, the same with tracing on (docs/TRACING.md)" },
  { key: "switch_ns_d10", group: "switch", what: "ns/switch, 2 fibers yielding at depth 10" },
  { key: "switch_ns_d50", group: "switch", what: "ns/switch, 2 fibers yielding at depth 50" },
  { key: "js_async_switch_ns", group: "switch", what: "ns/switch, JS baseline: 2 async functions, await null" },
  { key: "js_generator_switch_ns", group: "switch", what: "ns/switch, JS baseline: 2 generators, next() in turn" },
  { key: "spawn_ns", group: "spawn", what: `ns per spawn + run + exit, ${SPAWN_FIBERS.toLocaleString("en")} fibers` },
  { key: "parked_bytes", group: "parked", what: `allocator B/fiber, ${PARKED_FIBERS.toLocaleString("en")} parked 1 call deep` },
  { key: "parked_memory_bytes", group: "parked", what: "linear-memory growth B/fiber, same runs, coarse" },
  { key: "parked_1m_ok", group: "parked", what: `${PARKED_1M.toLocaleString("en")} fibers parked, all alive, no failure` },
  { key: "threadring_ns_per_hop", group: "threadring", what: `ns/hop, ${RING_FIBERS} fibers, ${RING_HOPS.toLocaleString("en")} hops, unbuffered channels` },
  { key: "sieve_5000_ms", group: "sieve", what: `ms, concurrent prime sieve to the ${SIEVE_PRIMES}th prime` },
  { key: "chan_pingpong_ns", group: "chan", what: "ns per hand-off over an unbuffered channel, 2 fibers" },
  { key: "mutex_contended_ns", group: "mutex", what: `ns per lock/unlock pair, ${MUTEX_FIBERS} fibers contending (holder yields)` },
  { key: "sleepers_100k_ms", group: "sleepers", what: `ms, ${SLEEPERS.toLocaleString("en")} fibers each sleep ${SLEEP_MS} ms: first spawn to last wake-up` },
  { key: "sleepers_100k_rss_mb", group: "sleepers", what: "MiB, peak RSS of the process running them" },
  { key: "http_rps", group: "http", what: `requests/s, fiber HTTP server (examples/http), wrk, ${WRK_CONNECTIONS} connections, ${WRK_SECONDS} s` },
  { key: "node_http_rps", group: "http", what: "requests/s, Node's http module, same response, same load" },
  { key: "http_cpu_us", group: "http", what: "µs of server CPU per request, fiber HTTP server, same run" },
  { key: "node_http_cpu_us", group: "http", what: "µs of server CPU per request, Node's http module, same run" },
  { key: "echo_10k_conns_ok", group: "echo", what: `${ECHO_CONNECTIONS.toLocaleString("en")} TCP connections held by one instance, each echoed` },
  { key: "sleep_late_ms_p99_busy", group: "latency", what: "ms, p99 lateness of 10 ms sleeps while 4 fibers compute and yield every ~50 µs" },
  { key: "sleep_late_ms_p99_spin", group: "latency", what: "ms, the same while one fiber never yields (preemption)" },
  { key: "compute_slowdown", group: "overhead", what: "never-suspending kernel (closures, virtual calls): weft build time / plain asc -O3 time" },
  { key: "preempt_slowdown", group: "overhead", what: "the same kernel: preemption on / off" },
  { key: "module_size_ratio", group: "overhead", what: "examples/http: module size / the same without the asyncify pass" },
  { key: "mn_alloc_ns_1", group: "threads", what: "ns per small object allocated and dropped, threads build, 1 thread (no collection)" },
  { key: "mn_alloc_ns_2", group: "threads", what: "ns per object, the same on 2 threads at once (objects of both)" },
  { key: "mn_alloc_speedup", group: "threads", what: "allocation throughput, 2 threads / 1 thread, same run" },
] as const satisfies readonly { key: string; group: Group; what: string }[];
type FigureKey = (typeof FIGURES)[number]["key"];
type Value = number | boolean;

/** The issue's targets. */
const TARGETS: Partial<Record<FigureKey, { op: "<=" | ">=" | "=="; value: Value }>> = {
  switch_ns_d0: { op: "<=", value: 30 },
  switch_ns_d50: { op: "<=", value: 1000 },
  spawn_ns: { op: "<=", value: 150 },
  parked_bytes: { op: "<=", value: 256 },
  parked_1m_ok: { op: "==", value: true },
  threadring_ns_per_hop: { op: "<=", value: 40 },
  sieve_5000_ms: { op: "<=", value: 1000 },
  chan_pingpong_ns: { op: "<=", value: 60 },
  sleepers_100k_ms: { op: "<=", value: 130 },
  sleepers_100k_rss_mb: { op: "<=", value: 96 },
  // http_rps: at least node_http_rps of the same run (set once that is measured)
  echo_10k_conns_ok: { op: "==", value: true },
  sleep_late_ms_p99_busy: { op: "<=", value: 2 },
  sleep_late_ms_p99_spin: { op: "<=", value: 12 },
  compute_slowdown: { op: "<=", value: 1.05 },
  preempt_slowdown: { op: "<=", value: 1.05 },
  module_size_ratio: { op: "<=", value: 1.1 },
  mn_alloc_speedup: { op: ">=", value: 1.5 },
};

// ─── paths ──────────────────────────────────────────────────────────────────────────────

/** The repository root: the first directory upward from this file with a package.json. */
function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}
const ROOT = findRoot();
const program = (name: string) => path.join(ROOT, "bench", "programs", `${name}.ts`);

// ─── helpers ────────────────────────────────────────────────────────────────────────────

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** A check on the work a benchmark did; failing it stops the suite. */
class BenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BenchError";
  }
}
function check(ok: boolean, what: string): void {
  if (!ok) throw new BenchError(what);
}

interface Built {
  binary: Uint8Array<ArrayBuffer>;
  label: string;
}

async function buildProgram(name: string, use: string[], rtrace = false): Promise<Built> {
  const label = `${name}${use.length ? ` (${use.join(", ")})` : ""}${rtrace ? " with rtrace" : ""}`;
  const t0 = performance.now();
  const result = await build({ entry: program(name), use, rtrace });
  progress(`built ${label} in ${((performance.now() - t0) / 1000).toFixed(1)} s (${result.size} bytes)`);
  // a copy: BuildResult.binary is typed Uint8Array<ArrayBufferLike>, which is not a BufferSource
  return { binary: new Uint8Array(result.binary), label };
}

/** A call the benchmark's call depth depends on: `caller` calls `callee`, not inlined. */
interface Call {
  caller: string;
  callee: string;
  /** A global only `callee` writes: if `caller` writes it, callee's body was inlined there. */
  calleeGlobal?: string;
}

/**
 * Checks the calls in the final (optimized) module: the optimizer runs again after
 * asyncify, and a call inlined away would make the benchmark shallower than it claims.
 */
function checkCalls(built: Built, calls: Call[]): void {
  const module = binaryen.readBinary(built.binary);
  let text: string;
  try {
    text = module.emitText();
  } finally {
    module.dispose();
  }
  const bodyOf = (fn: string) => {
    const m = new RegExp(`\\n \\(func \\$${fn.replace(/[^\w]/g, "\\$&")}[ \\n]`).exec(text);
    check(m !== null, `${built.label}: function ${fn} is missing from the built module (inlined?)`);
    return text.slice(m!.index, text.indexOf("\n )", m!.index + 1));
  };
  for (const { caller, callee, calleeGlobal } of calls) {
    const body = bodyOf(caller);
    const inlined =
      !(body.includes(`(call $${callee}\n`) || body.includes(`(call $${callee})`)) ||
      (calleeGlobal !== undefined && body.includes(`(global.set $${calleeGlobal}\n`));
    check(!inlined, `${built.label}: ${callee} was inlined into ${caller} in the built module, so the benchmark would not run at the call depth it claims`);
  }
}

/** What one run of a program produced. */
interface Run {
  result: RunResult;
  stdout: string[];
  /** stderr lines other than the host's report of fibers left alive. */
  stderr: string[];
  ns: number;
  program: WeftProgram;
}

const ALIVE_REPORT = /^weft: main ended with \d+ fibers? still alive:$|^  #\d+|^  \.\.\. and \d+ more$/;

async function runOnce(built: Built, options: RuntimeOptions = {}): Promise<Run> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const program = await WeftProgram.load(built.binary, {
    name: built.label,
    stdout: (line) => stdout.push(line),
    // the parked program ends with its fibers alive on purpose: drop the host's report
    stderr: (line) => {
      if (!ALIVE_REPORT.test(line) && stderr.length < 20) stderr.push(line);
    },
    ...options,
  });
  const t0 = process.hrtime.bigint();
  const result = program.run();
  const ns = Number(process.hrtime.bigint() - t0);
  return { result, stdout, stderr, ns, program };
}

/** Checks what every benchmark run must satisfy: clean exit, no failure, expected fibers left. */
function checkRun(built: Built, run: Run, alive: number): void {
  const { result, stderr } = run;
  const what = built.label;
  check(result.exitCode === 0, `${what}: exit code ${result.exitCode}${result.mainFailure ? ` (${result.mainFailure})` : ""}`);
  check(result.failures.length === 0 && result.stats.failed === 0, `${what}: ${result.stats.failed} fibers failed: ${result.failures.map((f) => f.message).join("; ")}`);
  check(stderr.length === 0, `${what}: unexpected output on stderr:\n  ${stderr.join("\n  ")}`);
  check(result.stats.alive === alive, `${what}: ${result.stats.alive} fibers alive at the end, expected ${alive}`);
  check(result.aliveAtEnd === alive, `${what}: the host reported ${result.aliveAtEnd} fibers left alive, expected ${alive}`);
}

/** Parses the program's single `key=value ...` output line. */
function output(built: Built, run: Run): Record<string, number> {
  check(run.stdout.length === 1, `${built.label}: expected one line of output, got ${run.stdout.length}: ${JSON.stringify(run.stdout.slice(0, 5))}`);
  const fields: Record<string, number> = {};
  for (const part of run.stdout[0].trim().split(/\s+/)) {
    const m = /^(\w+)=(-?\d+)$/.exec(part);
    check(m !== null, `${built.label}: cannot parse output ${JSON.stringify(run.stdout[0])}`);
    fields[m![1]] = Number(m![2]);
  }
  return fields;
}

function expectFields(built: Built, got: Record<string, number>, want: Record<string, number>): void {
  for (const [key, value] of Object.entries(want)) {
    check(got[key] === value, `${built.label}: the program printed ${key}=${got[key]}, expected ${value}`);
  }
}

/** Best (minimum) ns per unit over RUNS fresh instances; `verify` checks each run. */
async function best(built: Built, unit: string, units: (run: Run) => number, verify: (run: Run) => void): Promise<number> {
  let min = Infinity;
  for (let i = 1; i <= RUNS; i++) {
    const run = await runOnce(built);
    verify(run);
    const per = run.ns / units(run);
    progress(`  run ${i}/${RUNS}: ${(run.ns / 1e6).toFixed(1)} ms, ${per.toFixed(2)} ns/${unit}`);
    min = Math.min(min, per);
  }
  return min;
}

const round = (x: number, digits = 2) => Math.round(x * 10 ** digits) / 10 ** digits;

// ─── switch ─────────────────────────────────────────────────────────────────────────────

/** The program's `descend(d, acc)` in i32 arithmetic. */
function descendValue(d: number, acc: number): number {
  return d > 1 ? descendValue(d - 1, (Math.imul(acc, 31) + d) | 0) ^ d : acc;
}

/** The switch program at `depth`, built and checked for its calls. */
async function buildSwitch(depth: number): Promise<Built> {
  const built = await buildProgram("switch", [`YIELDS=${SWITCH_YIELDS[depth]}`, `DEPTH=${depth}`]);
  const calls: Call[] = [];
  if (depth > 0) calls.push({ caller: "switch/worker", callee: "switch/descend", calleeGlobal: "switch/frames" });
  if (depth > 1) calls.push({ caller: "switch/descend", callee: "switch/descend" });
  checkCalls(built, calls);
  return built;
}

/** What every run of the switch program must have done. */
function verifySwitch(built: Built, depth: number): (run: Run) => void {
  const yields = SWITCH_YIELDS[depth];
  return (run) => {
    checkRun(built, run, 0);
    expectFields(built, output(built, run), {
      yields: 2 * yields,
      frames: 2 * depth,
      // what each worker adds
      checksum: (2 * (depth > 0 ? descendValue(depth, 1) : 1)) | 0,
    });
    const { switches, spawned } = run.result.stats;
    check(spawned === 3, `${built.label}: ${spawned} fibers spawned, expected 3`);
    // each yield is one switch; the first runs, the joins and main's resumes add a few
    check(switches >= 2 * yields && switches <= 2 * yields + 8, `${built.label}: ${switches} switches for ${2 * yields} yields`);
  };
}

async function benchSwitch(depth: number): Promise<number> {
  progress(`switch at depth ${depth}: 2 fibers x ${SWITCH_YIELDS[depth].toLocaleString("en")} yields`);
  const built = await buildSwitch(depth);
  const ns = await best(built, "switch", (run) => run.result.stats.switches, verifySwitch(built, depth));
  progress(`switch at depth ${depth}: ${ns.toFixed(2)} ns/switch (best of ${RUNS})`);
  return ns;
}

/**
 * The depth-0 switch program untraced, then traced: best ns/switch of each. Not
 * alternated: a traced run leaves tens of MiB of trace behind for the JS collector, which
 * would slow the untraced run after it. A traced run must have recorded a switch record
 * for every switch (the host keeps the newest 2^20; none may be dropped in the core).
 */
async function benchSwitchTraced(): Promise<{ off: number; on: number }> {
  progress(`switch at depth 0, untraced, then traced: 2 fibers x ${SWITCH_YIELDS[0].toLocaleString("en")} yields`);
  const built = await buildSwitch(0);
  const verify = verifySwitch(built, 0);
  let off = Infinity;
  let on = Infinity;
  for (const traced of [false, true]) {
    for (let i = 1; i <= RUNS + 2; i++) {
      const run = await runOnce(built, traced ? { trace: true } : {});
      verify(run);
      if (traced) {
        const recorder = run.program.traceRecorder;
        check(recorder !== null, `${built.label}: the traced run recorded nothing`);
        check(recorder!.droppedInCore === 0, `${built.label}: the core dropped ${recorder!.droppedInCore} trace records`);
        check(recorder!.size + recorder!.droppedOldest >= run.result.stats.switches, `${built.label}: ${recorder!.size + recorder!.droppedOldest} trace records for ${run.result.stats.switches} switches`);
      }
      const per = run.ns / run.result.stats.switches;
      progress(`  run ${i}/${RUNS + 2} ${traced ? "traced  " : "untraced"}: ${per.toFixed(2)} ns/switch`);
      if (traced) on = Math.min(on, per);
      else off = Math.min(off, per);
    }
  }
  progress(`switch at depth 0: ${off.toFixed(2)} ns/switch untraced, ${on.toFixed(2)} traced (best of ${RUNS + 2} each)`);
  return { off, on };
}

/** The depth-0 switch program in headless Chromium: best ns/switch of RUNS fresh instances. */
async function benchBrowserSwitch(): Promise<number> {
  progress(`browser: the depth-0 switch program in headless Chromium, 2 fibers x ${SWITCH_YIELDS[0].toLocaleString("en")} yields`);
  const built = await buildSwitch(0);
  const verify = verifySwitch(built, 0);
  const { userAgent, runs } = await runInChromium(built.binary, RUNS, built.label);
  progress(`  ${userAgent}`);
  let min = Infinity;
  for (const [i, run] of runs.entries()) {
    verify({ ...run, program: null as unknown as WeftProgram });
    const per = run.ns / run.result.stats.switches;
    progress(`  run ${i + 1}/${RUNS}: ${(run.ns / 1e6).toFixed(1)} ms, ${per.toFixed(2)} ns/switch`);
    min = Math.min(min, per);
  }
  progress(`browser: ${min.toFixed(2)} ns/switch (best of ${RUNS})`);
  return min;
}

/** Two async functions alternating through the microtask queue (`await null`). */
async function jsAsyncPingPong(iterations: number): Promise<number> {
  let counter = 0;
  let last = -1;
  let handoffs = 0;
  async function player(id: number): Promise<void> {
    for (let i = 0; i < iterations; i++) {
      counter++;
      if (last !== id) handoffs++;
      last = id;
      await null;
    }
  }
  const t0 = process.hrtime.bigint();
  await Promise.all([player(0), player(1)]);
  const ns = Number(process.hrtime.bigint() - t0);
  const awaits = 2 * iterations;
  check(counter === awaits, `JS async ping-pong: counter ${counter}, expected ${awaits}`);
  check(handoffs === awaits, `JS async ping-pong: the players did not alternate (${handoffs} hand-offs in ${awaits} steps)`);
  return ns / awaits;
}

/** Two generators driven round robin by a loop calling `next()` alternately. */
function jsGeneratorPingPong(iterations: number): number {
  let counter = 0;
  function* player(): Generator<void, void, void> {
    for (let i = 0; i < iterations; i++) {
      counter++;
      yield;
    }
  }
  const t0 = process.hrtime.bigint();
  const a = player();
  const b = player();
  let calls = 0;
  for (;;) {
    const ra = a.next();
    const rb = b.next();
    calls += 2;
    if (ra.done && rb.done) break;
  }
  const ns = Number(process.hrtime.bigint() - t0);
  check(counter === 2 * iterations, `JS generator ping-pong: counter ${counter}, expected ${2 * iterations}`);
  check(calls === 2 * iterations + 2, `JS generator ping-pong: ${calls} next() calls, expected ${2 * iterations + 2}`);
  return ns / calls;
}

async function bestJs(name: string, measure: () => number | Promise<number>): Promise<number> {
  progress(`${name}: 2 x ${JS_ITERATIONS.toLocaleString("en")} switches`);
  let min = Infinity;
  for (let i = 1; i <= RUNS; i++) {
    const ns = await measure();
    progress(`  run ${i}/${RUNS}: ${ns.toFixed(2)} ns/switch`);
    min = Math.min(min, ns);
  }
  return min;
}

// ─── spawn ──────────────────────────────────────────────────────────────────────────────

async function benchSpawn(): Promise<number> {
  progress(`spawn: ${SPAWN_FIBERS.toLocaleString("en")} fibers in batches of ${SPAWN_BATCH}`);
  const built = await buildProgram("spawn", [`FIBERS=${SPAWN_FIBERS}`, `BATCH=${SPAWN_BATCH}`]);
  const ns = await best(
    built,
    "fiber",
    () => SPAWN_FIBERS,
    (run) => {
      checkRun(built, run, 0);
      expectFields(built, output(built, run), { spawned: SPAWN_FIBERS, ran: SPAWN_FIBERS, lagging: 0 });
      const { spawned, peakAlive } = run.result.stats;
      check(spawned === SPAWN_FIBERS + 1, `${built.label}: ${spawned} fibers spawned, expected ${SPAWN_FIBERS + 1}`);
      check(peakAlive <= SPAWN_BATCH + 1, `${built.label}: ${peakAlive} fibers alive at once, expected at most ${SPAWN_BATCH + 1}`);
    },
  );
  progress(`spawn: ${ns.toFixed(2)} ns/fiber (best of ${RUNS})`);
  return ns;
}

// ─── channels and mutex ─────────────────────────────────────────────────────────────────

async function benchThreadring(): Promise<number> {
  progress(`threadring: ${RING_FIBERS} fibers, ${RING_HOPS.toLocaleString("en")} hops`);
  const built = await buildProgram("threadring", [`RING=${RING_FIBERS}`, `RING_HOPS=${RING_HOPS}`]);
  const ns = await best(built, "hop", () => RING_HOPS, (run) => {
    // the ring members other than the holder stay blocked in recv: main returns past them
    checkRun(built, run, RING_FIBERS - 1);
    expectFields(built, output(built, run), { holder: (RING_HOPS % RING_FIBERS) + 1 });
  });
  progress(`threadring: ${ns.toFixed(2)} ns/hop (best of ${RUNS})`);
  return ns;
}

/** The first `count` primes: their sum and the last one. */
function primes(count: number): { last: number; sum: number } {
  const found: number[] = [];
  for (let n = 2; found.length < count; n++) if (found.every((p) => p * p > n || n % p !== 0)) found.push(n);
  return { last: found[found.length - 1], sum: found.reduce((a, b) => a + b, 0) };
}

async function benchSieve(): Promise<number> {
  progress(`sieve: first ${SIEVE_PRIMES} primes`);
  const built = await buildProgram("sieve", [`PRIMES=${SIEVE_PRIMES}`]);
  const { last, sum } = primes(SIEVE_PRIMES);
  const ns = await best(built, "program", () => 1, (run) => {
    checkRun(built, run, SIEVE_PRIMES + 1);
    const got = output(built, run);
    expectFields(built, got, { last, sum });
    progress(`  ${got.received.toLocaleString("en")} channel receives`);
  });
  progress(`sieve: ${(ns / 1e6).toFixed(1)} ms (best of ${RUNS})`);
  return ns / 1e6;
}

async function benchChan(): Promise<number> {
  progress(`chan: ${PINGPONG_ROUNDS.toLocaleString("en")} round trips`);
  const built = await buildProgram("chanpingpong", [`PINGPONG_ROUNDS=${PINGPONG_ROUNDS}`]);
  // value after n round trips is n; the sum of 1..n
  const ns = await best(built, "hand-off", () => 2 * PINGPONG_ROUNDS, (run) => {
    checkRun(built, run, 0);
    expectFields(built, output(built, run), { value: PINGPONG_ROUNDS, sum: (PINGPONG_ROUNDS * (PINGPONG_ROUNDS + 1)) / 2 });
  });
  progress(`chan: ${ns.toFixed(2)} ns/hand-off (best of ${RUNS})`);
  return ns;
}

async function benchMutex(): Promise<number> {
  progress(`mutex: ${MUTEX_FIBERS} fibers x ${MUTEX_ROUNDS.toLocaleString("en")} lock/unlock pairs`);
  const built = await buildProgram("mutex", [`MUTEX_FIBERS=${MUTEX_FIBERS}`, `MUTEX_ROUNDS=${MUTEX_ROUNDS}`]);
  const pairs = MUTEX_FIBERS * MUTEX_ROUNDS;
  const ns = await best(built, "pair", () => pairs, (run) => {
    checkRun(built, run, 0);
    expectFields(built, output(built, run), { count: pairs, overlaps: 0 });
  });
  progress(`mutex: ${ns.toFixed(2)} ns/pair (best of ${RUNS})`);
  return ns;
}

// ─── sleepers ───────────────────────────────────────────────────────────────────────────

/**
 * Runs the sleepers program RUNS times, each in a fresh child process (bench/child.ts) on
 * the event-loop host, so that the peak RSS is that of a process doing only this. The
 * time is the program's own (first spawn to last wake-up); both figures are the best run.
 */
async function benchSleepers(): Promise<{ ms: number; rssMb: number }> {
  progress(`sleepers: ${SLEEPERS.toLocaleString("en")} fibers x sleep(${SLEEP_MS})`);
  const built = await buildProgram("sleepers", [`FIBERS=${SLEEPERS}`, `SLEEP_MS=${SLEEP_MS}`]);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "weft-bench-")), "sleepers.wasm");
  writeFileSync(file, built.binary);
  const child = path.join(path.dirname(fileURLToPath(import.meta.url)), "child.js");
  let ms = Infinity;
  let rssMb = Infinity;
  for (let i = 1; i <= RUNS; i++) {
    const out = JSON.parse(execFileSync(process.execPath, [child, file], { encoding: "utf8" }).trim()) as {
      exitCode: number;
      stdout: string[];
      stderr: string[];
      maxRssMb: number;
    };
    check(out.exitCode === 0, `${built.label}: exit code ${out.exitCode}: ${out.stderr.join("; ")}`);
    check(out.stderr.length === 0, `${built.label}: unexpected output on stderr:\n  ${out.stderr.join("\n  ")}`);
    check(out.stdout.length === 1, `${built.label}: expected one line of output, got ${JSON.stringify(out.stdout)}`);
    const m = /^woke=(\d+) early=(\d+) elapsed_us=(\d+)$/.exec(out.stdout[0]);
    check(m !== null, `${built.label}: cannot parse output ${JSON.stringify(out.stdout[0])}`);
    check(Number(m![1]) === SLEEPERS && Number(m![2]) === 0, `${built.label}: ${m![1]} woke, ${m![2]} early; expected ${SLEEPERS} and 0`);
    const runMs = Number(m![3]) / 1000;
    check(runMs >= SLEEP_MS, `${built.label}: the last fiber woke ${runMs} ms after the first spawn, before its ${SLEEP_MS} ms were up`);
    progress(`  run ${i}/${RUNS}: ${runMs.toFixed(1)} ms, peak RSS ${out.maxRssMb.toFixed(1)} MiB`);
    ms = Math.min(ms, runMs);
    rssMb = Math.min(rssMb, out.maxRssMb);
  }
  return { ms, rssMb };
}

// ─── parked ─────────────────────────────────────────────────────────────────────────────

/** Runs the parked program with `fibers` parked and checks that they all are. */
async function runParked(built: Built, fibers: number): Promise<Run> {
  const run = await runOnce(built);
  checkRun(built, run, fibers);
  expectFields(built, output(built, run), { parked: fibers, woken: 0 });
  // the host lists the oldest fibers (then counts the rest): each listed one must be parked
  const notBlocked = run.result.leftAlive.filter((line) => !/ blocked for \d+ switch(es)?$/.test(line) && !/^\.\.\. and \d+ more$/.test(line));
  check(notBlocked.length === 0, `${built.label}: fibers left alive that are not blocked: ${notBlocked.slice(0, 3).join("; ")}`);
  check(run.result.stats.spawned === fibers + 1, `${built.label}: ${run.result.stats.spawned} fibers spawned, expected ${fibers + 1}`);
  return run;
}

async function benchParkedMemory(): Promise<{ bytes: number; memory: number }> {
  progress(`parked: allocator bytes per fiber, ${PARKED_FIBERS.toLocaleString("en")} fibers parked one call deep`);
  const measure = async (fibers: number) => {
    const built = await buildProgram("parked", [`FIBERS=${fibers}`], true);
    checkCalls(built, [{ caller: "parked/sleeper", callee: "parked/wait", calleeGlobal: "parked/parked" }]);
    const run = await runParked(built, fibers);
    const { program } = run;
    check(program.rtrace !== null, `${built.label}: built with rtrace, but the module has no rtrace hooks`);
    check(typeof program.exports.__collect === "function", `${built.label}: the module does not export __collect`);
    program.exports.__collect!();
    const bytes = program.rtrace!.bytes;
    const memory = program.exports.memory.buffer.byteLength;
    progress(`  N=${fibers}: ${bytes} allocator bytes live (${program.rtrace!.blocks} blocks), ${memory} bytes of linear memory, ${run.result.stats.savedBytes} bytes of saved stacks`);
    return { bytes, memory };
  };
  const empty = await measure(0);
  const full = await measure(PARKED_FIBERS);
  const bytes = (full.bytes - empty.bytes) / PARKED_FIBERS;
  const memory = (full.memory - empty.memory) / PARKED_FIBERS;
  progress(`parked: ${bytes.toFixed(2)} allocator bytes/fiber, ${memory.toFixed(2)} bytes/fiber of linear-memory growth`);
  return { bytes, memory };
}

async function benchParked1m(): Promise<boolean> {
  progress(`parked: ${PARKED_1M.toLocaleString("en")} fibers parked at once`);
  const built = await buildProgram("parked", [`FIBERS=${PARKED_1M}`]);
  checkCalls(built, [{ caller: "parked/sleeper", callee: "parked/wait", calleeGlobal: "parked/parked" }]);
  try {
    const run = await runParked(built, PARKED_1M);
    progress(`parked: ${PARKED_1M.toLocaleString("en")} parked in ${(run.ns / 1e6).toFixed(0)} ms, ${(run.program.exports.memory.buffer.byteLength / 2 ** 20).toFixed(0)} MiB of linear memory`);
    return true;
  } catch (e) {
    // the runtime not coping (a trap, a fiber failing, fibers missing) is the figure: false
    progress(`parked: ${PARKED_1M.toLocaleString("en")} fibers FAILED: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
}

// ─── main ───────────────────────────────────────────────────────────────────────────────

function parseOnly(value: string): Group[] {
  const names = value.split(",").map((s) => s.trim()).filter(Boolean);
  const unknown = names.filter((n) => !(GROUPS as readonly string[]).includes(n));
  if (unknown.length || !names.length) {
    throw new InvalidArgumentError(`expected a comma-separated subset of ${GROUPS.join(", ")}, got "${value}"`);
  }
  return [...new Set(names)] as Group[];
}

function met(key: FigureKey, value: Value): boolean | null {
  const target = TARGETS[key];
  if (!target) return null;
  if (target.op === "==") return value === target.value;
  if (typeof value !== "number") return false;
  return target.op === "<=" ? value <= (target.value as number) : value >= (target.value as number);
}

async function main(): Promise<void> {
  const cli = new Command("bench")
    .description("weft's benchmark suite")
    .addOption(
      new Option("--only <names>", `comma-separated subset of ${GROUPS.join(", ")}`).argParser(parseOnly).default([...GROUPS], "all"),
    )
    .addOption(new Option("--json <path>", "where to write the results").default(path.join(ROOT, "bench", "results.json"), "bench/results.json"))
    .showHelpAfterError()
    .parse();
  const opts = cli.opts<{ only: Group[]; json: string }>();
  const only = new Set(opts.only);
  const started = performance.now();
  const values: Partial<Record<FigureKey, Value>> = {};

  if (only.has("switch")) {
    const d0 = await benchSwitchTraced();
    values.switch_ns_d0 = round(d0.off);
    values.trace_switch_ns_d0 = round(d0.on);
    TARGETS.trace_switch_ns_d0 = { op: "<=", value: round(2 * d0.off) };
    for (const depth of [10, 50] as const) values[`switch_ns_d${depth}`] = round(await benchSwitch(depth));
    values.js_async_switch_ns = round(await bestJs("JS async/await ping-pong", () => jsAsyncPingPong(JS_ITERATIONS)));
    values.js_generator_switch_ns = round(await bestJs("JS generator ping-pong", () => jsGeneratorPingPong(JS_ITERATIONS)));
  }
  if (only.has("browser")) {
    if (!hasChromium()) progress(`browser: skipped: ${CHROMIUM_MISSING}`);
    else {
      // Node's figure of the same run, to compare with
      values.switch_ns_d0 ??= round(await benchSwitch(0));
      values.browser_switch_ns_d0 = round(await benchBrowserSwitch());
      TARGETS.browser_switch_ns_d0 = { op: "<=", value: round(1.5 * (values.switch_ns_d0 as number)) };
    }
  }
  if (only.has("spawn")) values.spawn_ns = round(await benchSpawn());
  if (only.has("threadring")) values.threadring_ns_per_hop = round(await benchThreadring());
  if (only.has("sieve")) values.sieve_5000_ms = round(await benchSieve(), 1);
  if (only.has("chan")) values.chan_pingpong_ns = round(await benchChan());
  if (only.has("mutex")) values.mutex_contended_ns = round(await benchMutex());
  if (only.has("sleepers")) {
    const sleepers = await benchSleepers();
    values.sleepers_100k_ms = round(sleepers.ms, 1);
    values.sleepers_100k_rss_mb = round(sleepers.rssMb, 1);
  }
  if (only.has("http")) {
    progress("http: the fiber HTTP server and Node's http module under wrk");
    const { weft, node } = await benchHttp(ROOT, progress, check);
    values.http_rps = Math.round(weft.rps);
    values.node_http_rps = Math.round(node.rps);
    if (Number.isFinite(weft.cpuUs) && Number.isFinite(node.cpuUs)) {
      values.http_cpu_us = round(weft.cpuUs, 1);
      values.node_http_cpu_us = round(node.cpuUs, 1);
    }
    TARGETS.http_rps = { op: ">=", value: values.node_http_rps };
  }
  if (only.has("echo")) {
    progress(`echo: ${ECHO_CONNECTIONS.toLocaleString("en")} concurrent connections to the echo example`);
    values.echo_10k_conns_ok = await benchEcho(ROOT, progress, check);
  }
  if (only.has("latency")) {
    const late = await benchLatency(ROOT, progress, check);
    values.sleep_late_ms_p99_busy = round(late.busy);
    values.sleep_late_ms_p99_spin = round(late.spin);
  }
  if (only.has("overhead")) {
    const overhead = await benchOverhead(ROOT, progress, check);
    values.compute_slowdown = round(overhead.computeSlowdown, 3);
    values.preempt_slowdown = round(overhead.preemptSlowdown, 3);
    values.module_size_ratio = round(overhead.moduleSizeRatio, 3);
  }
  if (only.has("threads")) {
    const figures = await benchThreadsAlloc(ROOT, progress);
    values.mn_alloc_ns_1 = round(figures.ns1);
    values.mn_alloc_ns_2 = round(figures.ns2);
    values.mn_alloc_speedup = round(figures.speedup);
  }
  if (only.has("parked")) {
    const parked = await benchParkedMemory();
    values.parked_bytes = round(parked.bytes);
    values.parked_memory_bytes = round(parked.memory);
    values.parked_1m_ok = await benchParked1m();
  }

  const cpus = os.cpus();
  const targets: Record<string, { op: string; value: Value; met: boolean }> = {};
  for (const { key } of FIGURES) {
    const target = TARGETS[key];
    if (target && key in values) targets[key] = { ...target, met: met(key, values[key]!)! };
  }
  const results = {
    machine: { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length },
    node: process.version,
    date: new Date().toISOString(),
    ...values,
    targets,
  };
  const jsonPath = path.resolve(opts.json);
  mkdirSync(path.dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify(results, null, 2) + "\n");

  const plain = { head: [], border: [] }; // no colors: the table is also pasted into reports
  const table = new Table({ head: ["figure", "value", "target", "met?"], colAligns: ["left", "right", "left", "left"], style: plain });
  for (const { key, what } of FIGURES) {
    if (!(key in values)) continue;
    const value = values[key]!;
    const target = TARGETS[key];
    const ok = met(key, value);
    table.push([
      `${key}  (${what})`,
      typeof value === "boolean" ? String(value) : key.endsWith("_rps") ? String(value) : value.toFixed(key.startsWith("parked") ? 1 : 2),
      target ? `${{ "<=": "≤", ">=": "≥", "==": "=" }[target.op]} ${target.value}` : "—",
      ok === null ? "—" : ok ? "yes" : "NO",
    ]);
  }
  console.log(`weft benchmarks: ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.node}`);
  console.log(`Timings are the best (minimum) of ${RUNS} runs, each on a fresh instance; memory is allocator bytes after a full GC.`);
  console.log(table.toString());
  const shown = path.relative(process.cwd(), jsonPath);
  console.log(`results written to ${shown.startsWith("..") || path.isAbsolute(shown) ? jsonPath : shown}`);
  progress(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  process.stderr.write(`bench: ${e instanceof BenchError ? "CHECK FAILED: " : ""}${e instanceof Error ? (e instanceof BenchError ? e.message : e.stack) : String(e)}\n`);
  process.exitCode = 1;
});
