// Traces (docs/TRACING.md): the structure of the Chrome Trace Event file and exact
// contents for a program that blocks in every way there is (tests/programs/traced.ts),
// a program that traces itself, a ring that overflows, a host that bounds a long run,
// and the CLI (`weft run --trace`, `weft trace summary`).
import { describe, it, expect, beforeAll } from "vitest";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildProgram, root } from "./helpers.js";
import { WeftProgram, asyncImport, type RuntimeOptions } from "../host/runtime.js";
import { loadBytes, closeIo } from "../host/node/run.js";
import { COLLECTOR_TID, type ChromeTrace } from "../host/tracejson.js";
import { summarize, checkTrace } from "../host/tracesummary.js";
import { checkStructure, slicesOf, trackName } from "./tracecheck.js";

let built: Promise<Uint8Array<ArrayBuffer>> | null = null;
/** tests/programs/traced.ts, built once per test file; `app.scenario()` chooses what it does. */
function binary(): Promise<Uint8Array<ArrayBuffer>> {
  // cooperative: these scenarios count switches, spawns and gaps exactly, and a slice that
  // ends inside one of their loops would add a preemption at a moment the machine decides
  built ??= buildProgram("traced", { preempt: false }).then((b) => new Uint8Array(b.binary));
  return built;
}
/** The host imports of traced.ts for `scenario`. */
const appImports = (scenario: number) => ({ app: { scenario: () => scenario, lookup: asyncImport(async (k: number) => k * 2) } });
async function traced(scenario: number, options: RuntimeOptions) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const program = await WeftProgram.load(await binary(), {
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
    imports: appImports(scenario),
    ...options,
  });
  const result = await program.runAsync();
  return { program, result, stdout, stderr, trace: program.trace() };
}

const blocks = (t: ChromeTrace) => t.traceEvents.filter((e) => e.ph === "X" && e.cat === "block");
const instants = (t: ChromeTrace, cat: string) => t.traceEvents.filter((e) => e.ph === "i" && e.cat === cat);

describe("a traced program that blocks in every way", () => {
  let run: Awaited<ReturnType<typeof traced>>;
  beforeAll(async () => {
    run = await traced(0, { trace: true });
  }, 60_000);

  it("runs as it does untraced", () => {
    expect(run.result.exitCode).toBe(0);
    expect(run.stdout).toEqual(["sum 3", "select fired b", "failed as expected", "lookup 42.0", "counter 2"]);
  });

  it("has the structure of a trace: closed slices, no overlaps, paired flows, named tracks", () => {
    checkStructure(run.trace!);
  });

  it("has one run slice per switch, one spawn and one end per fiber, a named track each", () => {
    const t = run.trace!;
    const runs = t.traceEvents.filter((e) => e.ph === "X" && e.cat === "run");
    expect(runs.length).toBe(run.result.stats.switches);
    expect(instants(t, "spawn").length).toBe(run.result.stats.spawned);
    expect(instants(t, "end").length).toBe(run.result.stats.spawned);
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((id) => trackName(t, id))).toEqual([
      "#1 main", "#2 producer", "#3 selector", "#4 locker", "#5 locker", "#6 sleeper", "#7 failing", "#8 asker",
    ]);
  });

  it("names what each fiber blocked on and who woke it", () => {
    const t = run.trace!;
    const seen = blocks(t).map((b) => `#${b.tid} ${b.name} <- ${b.args!.woken_by}`);
    // the channel: main receives 3 values and the close; the producer's sends hand over
    expect(seen.filter((s) => s.startsWith("#1 chan #"))).toEqual(seen.filter((s) => /^#1 chan #\d+ recv <- #2 producer$/.test(s)));
    expect(seen.some((s) => /^#2 chan #\d+ send <- #1 main$/.test(s))).toBe(true);
    expect(seen).toContain("#3 select (2 cases) <- #1 main");
    expect(seen.some((s) => /^#5 mutex #\d+ <- #4 locker$/.test(s))).toBe(true);
    expect(seen.some((s) => /^#1 waitgroup #\d+ <- #5 locker$/.test(s))).toBe(true);
    expect(seen).toContain("#6 sleep <- timer");
    expect(seen).toContain("#1 join #6 <- #6 sleeper");
    expect(seen).toContain("#1 join #7 <- #7 failing");
    expect(seen).toContain("#8 host lookup #1 <- host");
    expect(seen).toContain("#1 join #8 <- #8 asker");
    // every block ended in a wake-up: nothing was left blocked at the end
    expect(blocks(t).filter((b) => !/^(#\d+|timer|host)/.test(String(b.args!.woken_by)))).toEqual([]);
    // a wake-up by a fiber is a flow from the waker's track to the woken one's
    const flows = t.traceEvents.filter((e) => e.ph === "s" && e.cat === "wake");
    expect(flows.length).toBe(blocks(t).filter((b) => String(b.args!.woken_by).startsWith("#")).length);
  });

  it("records the failure with its message, the host call, marks and the end of each fiber", () => {
    const t = run.trace!;
    expect(instants(t, "failure").map((e) => [e.tid, e.args!.kind, e.args!.message])).toEqual([[7, "Abort", "this fiber fails on purpose"]]);
    expect(instants(t, "end").filter((e) => e.name === "end (failed)").map((e) => e.tid)).toEqual([7]);
    expect(instants(t, "host").map((e) => [e.tid, e.name])).toEqual([
      [8, "host call: lookup #1"],
      [8, "host call done: lookup #1"],
    ]);
    expect(instants(t, "mark").map((e) => [e.tid, e.name])).toEqual([
      [1, "begin"],
      [1, "end"],
    ]);
  });

  it("sums up per fiber and per channel", () => {
    const s = summarize(run.trace!);
    expect(s.fibers.map((f) => [f.name, f.ended])).toEqual([
      ["#1 main", "done"], ["#2 producer", "done"], ["#3 selector", "done"], ["#4 locker", "done"],
      ["#5 locker", "done"], ["#6 sleeper", "done"], ["#7 failing", "failed"], ["#8 asker", "done"],
    ]);
    const main = s.fibers[0];
    expect(main.slices).toBe(slicesOf(run.trace!, 1, "run").length);
    expect(Object.keys(main.blockedMs).sort()).toEqual(["chan recv", "join", "waitgroup"]);
    expect(main.wakeups).toBe(slicesOf(run.trace!, 1, "block").length);
    expect(s.fibers[5].blockedMs.sleep).toBeGreaterThan(0);
    expect(s.failures).toEqual([{ fiber: "#7 failing", message: "this fiber fails on purpose" }]);
    const chan = s.objects.find((o) => o.object.startsWith("chan #") && o.fibers === 2)!;
    expect(chan.blocks).toBe(slicesOf(run.trace!, 1, "block").filter((b) => b.name.startsWith("chan #")).length + slicesOf(run.trace!, 2, "block").length);
  });
});

describe("tracing", () => {
  it("can be started and stopped by the program", async () => {
    const { trace, stdout } = await traced(1, {});
    expect(stdout).toEqual(["done"]);
    checkStructure(trace!);
    expect(instants(trace!, "trace").map((e) => e.name)).toEqual(["trace started by the program", "trace stopped by the program"]);
    // only the traced part: fiber #2's two yields and its end, main's join
    expect(slicesOf(trace!, 2, "run").length).toBe(3);
    expect(trackName(trace!, 2)).toBe("#2 traced");
    expect(blocks(trace!).map((b) => `#${b.tid} ${b.name} <- ${b.args!.woken_by}`)).toEqual(["#1 join #2 <- #2 traced"]);
  }, 60_000);

  it("can be started and stopped by the host", async () => {
    const program = await WeftProgram.load(await binary(), { stdout: () => {}, imports: appImports(3) });
    expect(program.trace()).toBeNull();
    expect(program.traceStart()).toBe(true);
    expect(program.traceStart()).toBe(false);
    const result = program.run();
    program.traceStop();
    const trace = program.trace()!;
    checkStructure(trace);
    expect(trace.traceEvents.filter((e) => e.ph === "X" && e.cat === "run").length).toBe(result.stats.switches);
  }, 60_000);

  it("marks records a full ring dropped as a gap, and the trace stays whole", async () => {
    const { trace, stdout, program } = await traced(2, { trace: { capacity: 1024 } });
    expect(stdout).toEqual(["stormed"]);
    checkStructure(trace!);
    // one gap per scheduler call whose records overflowed the ring: one on a quiet machine,
    // more when a slice ends inside the storm (slices are timed); together they are all
    const gaps = instants(trace!, "gap");
    expect(gaps.length).toBeGreaterThanOrEqual(1);
    for (const gap of gaps) expect(gap.name).toMatch(/^\d+ records dropped \(ring full\)$/);
    expect(gaps.reduce((sum, gap) => sum + Number(gap.args!.dropped), 0)).toBe(program.traceRecorder!.droppedInCore);
    // 5,001 spawns and the switch records do not fit in 1,024
    expect(program.traceRecorder!.droppedInCore).toBeGreaterThan(3000);
  }, 60_000);

  it("keeps a long run's trace bounded: the oldest records go, and the trace says so", async () => {
    const { trace, stdout, program } = await traced(3, { trace: { maxRecords: 10_000 } });
    expect(stdout).toEqual(["yielded"]);
    checkStructure(trace!);
    const recorder = program.traceRecorder!;
    expect(recorder.size).toBeLessThanOrEqual(10_000 + 8192 + 64);
    expect(recorder.droppedOldest).toBeGreaterThan(20_000);
    expect(instants(trace!, "gap")[0].name).toBe(`${recorder.droppedOldest} earlier records dropped (host limit 10000)`);
    // the tracks keep their names although their spawns were dropped
    expect(trackName(trace!, 2)).toBe("#2 a");
  }, 60_000);

  it("shows the collector's steps, its cycles and a full collection on a track of its own", async () => {
    const { trace, stdout } = await traced(4, { trace: true });
    expect(stdout).toEqual(["allocated"]);
    checkStructure(trace!);
    expect(trackName(trace!, COLLECTOR_TID)).toBe("collector");
    const steps = slicesOf(trace!, COLLECTOR_TID, "gc");
    // 40,000 allocations of 1 KiB: many incremental steps, cycles that end
    expect(steps.length).toBeGreaterThan(10);
    for (const s of steps) expect(s.args!.bytes_after as number).toBeLessThanOrEqual((s.args!.bytes_before as number) + 4096);
    const marks = instants(trace!, "gc");
    expect(marks.filter((e) => e.name === "gc: cycle done").length).toBe(steps.filter((s) => s.args!.phase_after === "idle").length);
    expect(marks.filter((e) => e.name === "gc: full collection").length).toBe(1);
    expect(marks.every((e) => e.tid === COLLECTOR_TID)).toBe(true);
    const counter = trace!.traceEvents.filter((e) => e.ph === "C" && e.name === "gc allocated bytes");
    expect(counter.length).toBe(2 * steps.length + 1);
  }, 60_000);

  it("rejects a trace option that is not a whole number", async () => {
    const program = await WeftProgram.load(await binary(), { stdout: () => {}, imports: appImports(3) });
    expect(() => program.traceStart({ capacity: -1 })).toThrow("trace capacity must be a whole number of records, got -1");
  }, 60_000);
});

describe("I/O in a trace", () => {
  it("names a fiber's waits for weft/io as I/O, with the operation", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "weft-trace-io-"));
    const file = path.join(dir, "in.txt");
    writeFileSync(file, "hello, trace");
    const { binary } = await buildProgram("tracedio");
    const stdout: string[] = [];
    const program = await loadBytes(new Uint8Array(binary), { io: { args: [file] }, stdout: (l) => stdout.push(l), trace: true });
    await program.runAsync();
    closeIo(program);
    expect(stdout).toEqual(["read 12"]);
    const trace = program.trace()!;
    checkStructure(trace);
    const io = blocks(trace).filter((b) => b.args!.reason === "I/O");
    expect(io.length).toBeGreaterThan(0);
    for (const b of io) expect(b.name).toMatch(/^I\/O (open|read|stat) #\d+$/);
    expect(io.every((b) => b.tid === 2 && b.args!.woken_by === "host")).toBe(true);
    expect(trackName(trace, 2)).toBe("#2 reader");
    expect(summarize(trace).fibers[1].blockedMs["I/O"]).toBeGreaterThan(0);
  }, 60_000);
});

describe("weft run --trace and weft trace summary", () => {
  const exec = promisify(execFile);
  const weft = path.join(root, "bin", "weft.js");

  it("writes a trace file that the summary reads", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "weft-trace-"));
    const wasm = path.join(dir, "p.wasm");
    writeFileSync(wasm, (await buildProgram("tracedio")).binary);
    const input = path.join(dir, "in.txt");
    writeFileSync(input, "hello, trace");
    const out = path.join(dir, "out.json");
    const run = await exec(process.execPath, [weft, "run", "--trace", out, "--trace-by-program", wasm, input, "self"]);
    expect(run.stdout).toBe("read 12\n");
    expect(run.stderr).toMatch(/^weft: trace written to .*out\.json \(\d+ events\)\n$/);
    const trace = checkTrace(JSON.parse(readFileSync(out, "utf8")));
    checkStructure(trace);
    const summary = await exec(process.execPath, [weft, "trace", "summary", out], { env: { ...process.env, NO_COLOR: "1" } });
    const lines = summary.stdout.split("\n");
    expect(lines[0]).toMatch(/^trace: 2 fibers over [\d.]+ ms$/);
    expect(lines[2]).toMatch(/^│ fiber +│ run ms +│ slices +│ I\/O ms +│ join ms +│ longest block +│ wake-ups +│ end +│$/);
    expect(lines.some((l) => /^│ #1 main +│ [\d.]+ +│ 2 +│ +│ [\d.]+ +│ join #2 [\d.]+ ms +│ 1 +│ +│$/.test(l))).toBe(true);
    expect(lines.some((l) => /^│ #2 reader +│ [\d.]+ +│ \d+ +│ [\d.]+ +│ +│ I\/O \w+ #\d+ [\d.]+ ms +│ \d+ +│ done +│$/.test(l))).toBe(true);
  }, 60_000);

  it("says what is wrong with a file that is not a trace", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "weft-trace-"));
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, '{"traceEvents": [{"ph": "X"}]}');
    await expect(exec(process.execPath, [weft, "trace", "summary", bad])).rejects.toMatchObject({
      stderr: `weft trace summary: ${bad}: event 0 is not a trace event (it needs "ph" and a numeric "ts"): {"ph":"X"}\n`,
    });
    await expect(exec(process.execPath, [weft, "trace", "summary", path.join(dir, "none.json")])).rejects.toMatchObject({
      stderr: `weft trace summary: no such file: ${path.join(dir, "none.json")}\n`,
    });
  }, 60_000);
});
