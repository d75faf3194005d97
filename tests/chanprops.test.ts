// Property tests for channels and select: fast-check generates scripts (K channels, F
// fibers, each a sequence of send/recv/trySend/tryRecv/close/select/poll/yield/gc; a
// channel carries i32 or, so that the GC sees values in flight, strings), the
// interpreter tests/programs/chanprops.ts runs each on a fresh instance (the module is built
// once per build mode), and every run's recorded events must pass two independent checks
// (tests/chanprops.model.ts):
//
//   `check`, the invariants, for every run, deadlocked ones included:
//     P1 nothing lost: every completed send is received exactly once, or is still buffered
//        at the end (the program drains the buffers after the run);
//     P2 nothing duplicated or invented: every received or buffered value was sent, once,
//        on that channel, by a send that began before the receive ended;
//     P3 FIFO per sender per channel: a sender's values are received in the order sent
//        (judged by the BEGIN/END intervals of the receives) and buffered in that order;
//     P4 closed channels: receives drain the buffer and then report Closed with 0; a send
//        on a closed channel and a second close fail the fiber with "send on closed
//        channel #<id>" / "close of closed channel #<id>" (seen by main's join and by the
//        host); no other operation fails;
//     P5 select fires exactly one case (or default, for a poll only), consistent with what
//        the channels saw: a fired send case's value is received, a fired receive case got
//        a sent value, an unfired send case's value is never received;
//     P6 counting: receives on a channel = completed sends - values left buffered;
//     and the end state: exit 0 with every fiber ended and empty wait queues, or exit 2
//     with every stuck operation really unable to proceed (buffers, closed flags, queued
//     partners, the host's deadlock dump).
//   `replay`, a sequential reference model of Go channels driven by the log, that must
//     predict every result exactly, the final buffers in order, the wait-queue lengths,
//     which fibers fail and why, and whether the run ends in a deadlock.
//
// The seed is fixed so the suite is reproducible; the scripts also carry the seed of the
// program's Math.random, so a run (select's random choices included) is deterministic.
import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { BUILD_MODES, buildProgram } from "./helpers.js";
import { scriptArb, pairedScriptArb, normalize, runScript, check, replay, showScript, showTrace, EV, type Script, type Trace } from "./chanprops.model.js";

/** Every violation either checker finds in a run of `script` on `binary`, and the run itself. */
async function verify(binary: Uint8Array<ArrayBuffer>, script: Script): Promise<{ trace: Trace; bad: string[] }> {
  const trace = await runScript(binary, script);
  return { trace, bad: [...check(script, trace), ...replay(script, trace)] };
}

function report(script: Script, trace: Trace, bad: string[]): string {
  return `${bad.join("\n")}\n--- script\n${showScript(script)}\n--- log\n${showTrace(script, trace)}`;
}

/** What kinds of behaviour a batch of runs exercised, so that a green run is not vacuous. */
class Coverage {
  readonly seen = new Map<string, number>();
  add(script: Script, trace: Trace): void {
    const hit = (k: string) => this.seen.set(k, (this.seen.get(k) ?? 0) + 1);
    hit(`exit ${trace.result.exitCode}`);
    for (const [e, f, step, a, b, c] of trace.events) {
      if (e === EV.DRAIN) hit("left buffered");
      if (e === EV.REUSE) hit("reused select");
      if (e !== EV.END) continue;
      const o = script.fibers[f][step];
      if (o.k === "trySend" && a === 2) hit("trySend would block");
      if (o.k === "tryRecv" && b === 2) hit("tryRecv would block");
      if ((o.k === "recv" || o.k === "tryRecv") && b === 1) hit("receive closed");
      if ((o.k === "recv" || o.k === "tryRecv") && b === 0 && script.strings[o.ch]) hit("string received");
      if (o.k === "gc") hit(o.churn ? "churn" : "gc");
      if (o.k === "select") {
        if (a === -1) hit("poll default");
        else if (o.cases[a].send) hit("select send");
        else hit(c === 1 ? "select receive" : "select receive closed");
      }
    }
    for (const f of trace.result.failures) hit(f.message.replace(/#\d+$/, "#"));
  }
  missing(kinds: string[]): string[] {
    return kinds.filter((k) => !this.seen.has(k));
  }
}

function property(binary: Uint8Array<ArrayBuffer>, arb: fc.Arbitrary<Script>, coverage: Coverage) {
  return fc.asyncProperty(arb, async (script) => {
    const { trace, bad } = await verify(binary, script);
    coverage.add(script, trace);
    if (bad.length) throw new Error(report(script, trace, bad));
  });
}

// Both build modes: as users build it, and under GC stress (tests/helpers.ts), with fewer
// runs (each is several times slower, and the point is the collector's interleavings).
const MODES = [
  { ...BUILD_MODES[0], random: 800, paired: 500 },
  { ...BUILD_MODES[1], random: 300, paired: 150 },
];

describe.each(MODES)("channels and select against a reference model (fast-check, seed 42, $mode build)", ({ gcStress, debug, random, paired }) => {
  let binary: Uint8Array<ArrayBuffer>;
  beforeAll(async () => {
    // the reference model is cooperative: a step completes without a switch unless it
    // blocks. Preemption (a slice ending in a long churn step, likely under GC stress)
    // would switch in between, so these runs are built without safepoints.
    binary = (await buildProgram("chanprops", { gcStress, debug, preempt: false })).binary;
  });

  it(`random scripts: up to 3 channels of capacity 0-3, 1-6 fibers of up to 8 operations (${random} runs)`, async () => {
    const coverage = new Coverage();
    await fc.assert(property(binary, scriptArb(), coverage), { seed: 42, numRuns: random });
    expect(
      coverage.missing([
        "exit 0",
        "exit 2",
        "left buffered",
        "trySend would block",
        "tryRecv would block",
        "receive closed",
        "poll default",
        "select send",
        "select receive",
        "select receive closed",
        "send on closed channel #",
        "close of closed channel #",
        "string received",
        "gc",
        "churn",
      ]),
    ).toEqual([]);
  });

  it(`matched traffic: long runs of paired sends and receives, plain and in selects (${paired} runs)`, async () => {
    const coverage = new Coverage();
    await fc.assert(property(binary, pairedScriptArb(), coverage), { seed: 42, numRuns: paired });
    expect(coverage.missing(["exit 0", "exit 2", "left buffered", "select send", "select receive", "reused select", "send on closed channel #", "string received", "gc", "churn"])).toEqual([]);
  });

  // Found by the exploration: a select that blocks on a receive and is woken by close()
  // reports in RecvCase.value whatever the fiber's value slot held, here the fiber's
  // spawnWith argument (its index, 1), instead of the zero value: Channel.recv clears the
  // slot before blocking, Select.run does not. On a channel of strings the stale i32 is
  // taken for a string pointer and the fiber traps in the GC's write barrier (__link).
  it("a select receive woken by close reports the zero value", async () => {
    const problems: string[] = [];
    for (const strings of [[false], [true]]) {
      const script = normalize({
        seed: 0,
        caps: [0],
        strings,
        fibers: [[], [{ k: "select", cases: [{ send: false, ch: 0 }] }], [{ k: "close", ch: 0 }]],
      });
      const { trace, bad } = await verify(binary, script);
      if (bad.length) problems.push(report(script, trace, bad));
    }
    expect(problems.join("\n\n")).toBe("");
  });

  it("the checks reject corrupted logs (they are not vacuous)", async () => {
    // f0 sends 10001, 10011 on c0 (capacity 1); f1 receives one; 10011 stays buffered
    const script = normalize({
      seed: 0,
      caps: [1],
      fibers: [
        [
          { k: "send", ch: 0 },
          { k: "send", ch: 0 },
        ],
        [{ k: "recv", ch: 0 }],
      ],
    });
    const { trace, bad } = await verify(binary, script);
    expect(bad, report(script, trace, bad)).toEqual([]);
    const corrupt = (edit: (events: Trace["events"]) => void): string[] => {
      const events = trace.events.map((e) => [...e] as (typeof trace.events)[number]);
      edit(events);
      const t = { ...trace, events };
      return [...check(script, t), ...replay(script, t)];
    };
    const recvEnd = trace.events.findIndex(([e, f]) => e === EV.END && f === 1);
    const drain = trace.events.findIndex(([e]) => e === EV.DRAIN);
    expect(drain).toBeGreaterThan(0);
    // the receive got the second value (lost and duplicated, out of order)
    expect(corrupt((ev) => (ev[recvEnd][3] = 10011)).join("\n")).toMatch(/P1\/P2\/P6 delivery\] (lost|duplicated)/);
    // the buffered value vanished
    expect(corrupt((ev) => ev.splice(drain, 1)).join("\n")).toMatch(/lost: 10011/);
    // a value nobody sent
    expect(corrupt((ev) => (ev[recvEnd][3] = 777)).join("\n")).toMatch(/invented/);
    // the receive reported Closed
    expect(corrupt((ev) => ((ev[recvEnd][3] = 0), (ev[recvEnd][4] = 1))).join("\n")).toMatch(/reported Closed, but c0 was not closed/);
  });
});
