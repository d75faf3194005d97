// `npm run test:stress`: the M:N scheduler's cases that need a build each
// (tests/threadsched.test.ts has the rest and says why): the deadlock report across
// threads, a channel refused on more than one thread, and the negative control: the steal
// without its compare-and-swap (WEFT_STEAL_NO_CAS) hands one fiber to two threads, which
// the scheduler reports.
import { describe, it, expect, beforeAll } from "vitest";
import { buildProgram } from "../helpers.js";
import { NodeThreads } from "../../host/node/threads.js";

const GC = "WEFT_GC_MIN_BYTES=800000000";
const build = async (parts: number, ...use: string[]) =>
  WebAssembly.compile((await buildProgram("threadsched", { threads: true, use: [GC, `THREADSCHED_PARTS=${parts}`, ...use] })).binary);

let noCas: WebAssembly.Module;
let deadlock: WebAssembly.Module;
let channel: WebAssembly.Module;

beforeAll(async () => {
  [noCas, deadlock, channel] = await Promise.all([build(8, "WEFT_STEAL_NO_CAS=1"), build(16), build(32)]);
}, 240_000);

describe("M:N scheduler on 2 threads: the runs that end otherwise", () => {
  it("reports a deadlock only when every thread is idle", async () => {
    const run = await NodeThreads.run(deadlock, 2, { timeoutMs: 60_000 });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toEqual([]);
    expect(run.report[0]).toBe("deadlock: all 2 fibers are asleep");
    expect(run.report.slice(1).map((line) => line.replace(/ for \d+ switches.*$/, ""))).toEqual([
      '#1 "main" blocked (join #2 "forever")',
      '#2 "forever" blocked',
    ]);
  }, 90_000);

  it("refuses a channel on more than one thread, saying so", async () => {
    const run = await NodeThreads.run(channel, 2, { timeoutMs: 60_000 });
    expect(run).toEqual({
      exitCode: 1,
      stdout: [],
      failures: ['fiber #1 "main" failed: channels and select cannot run on more than one thread yet (docs/THREADS.md): run this program on one thread'],
      report: [],
    });
  }, 90_000);

  // Without the CAS a thief and the ring's owner take the same fibers: the dispatch's
  // claim (Ready -> Running, a CAS on the record) finds the second taker and stops the
  // program with "internal: fiber ... taken from a run queue while ...: two threads hold
  // it" (or a fiber runs twice: the storm counts it). About one run in four breaks so;
  // other failures do not count as caught. A run takes a tenth of a second.
  it("hands a fiber to two threads without the steal's compare-and-swap (negative control)", async () => {
    let caught = "";
    for (let attempt = 0; attempt < 60 && !caught; attempt++) {
      const run = await NodeThreads.run(noCas, 2, { timeoutMs: 20_000 }).catch(() => null);
      const report = run?.report.join("\n") ?? "";
      if (/two threads hold it/.test(report)) caught = report;
      else if (run && run.exitCode === 0 && run.stdout[0] !== "storm: 0 wrong") caught = run.stdout[0];
    }
    expect(caught).toMatch(/two threads hold it|storm: [1-9]\d* wrong/);
  }, 150_000);

});
