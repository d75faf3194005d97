import { describe, it, expect } from "vitest";
import { buildAndRun, dumpLine } from "./helpers.js";

describe("round robin", () => {
  it("runs ten fibers that print and yield in strict round robin", async () => {
    const r = await buildAndRun("examples/roundrobin.ts");
    const expected: string[] = [];
    for (let round = 0; round < 3; round++) for (let id = 0; id < 10; id++) expected.push(`fiber ${id} round ${round}`);
    expect(r.stdout).toEqual([...expected, "all done"]);
    expect(r.exitCode).toBe(0);
    expect(r.stats.spawned).toBe(11);
  });
});

describe("spawnWith", () => {
  it("passes i32, u8, bool, i64, f32, f64, string and object arguments", async () => {
    const r = await buildAndRun("args");
    expect(r.stdout).toEqual([
      "i32 -42",
      "u8 200",
      "bool true",
      "i64 9007199254740993",
      "f32 1.5",
      "f64 3.141592653589793",
      "string hello fiber",
      "payload p7 5050",
    ]);
    expect(r.failures).toEqual([]);
  });
});

describe("end of the program", () => {
  it("ends when main returns and reports the fibers still alive", async () => {
    const r = await buildAndRun("leftover");
    expect(r.stdout).toEqual(["main returns"]);
    expect(r.exitCode).toBe(0);
    expect(r.aliveAtEnd).toBe(3);
    expect(r.leftAlive).toEqual(['#2 "spinner" ready', dumpLine('#3 "sleeper" blocked'), '#4 "hog" ready (preempted in leftover/hog)']);
    expect(r.stderr).toEqual([
      "weft: main ended with 3 fibers still alive:",
      '  #2 "spinner" ready',
      dumpLine('  #3 "sleeper" blocked'),
      '  #4 "hog" ready (preempted in leftover/hog)',
    ]);
  });

  it("stops with status 2 when every fiber is asleep", async () => {
    const r = await buildAndRun("deadlock", { debug: true });
    expect(r.stdout).toEqual([]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toEqual(["deadlock: all 2 fibers are asleep", dumpLine('  #1 "main" blocked (join #2 "stuck")'), dumpLine('  #2 "stuck" blocked')]);
  });
});

describe("indirect calls", () => {
  it("switches from inside callbacks (Array#forEach, a function in a field)", async () => {
    const r = await buildAndRun("callbacks");
    expect(r.stdout).toEqual(["forEach item 1", "forEach item 2", "field step 2", "forEach item 3", "field step 4", "field step 8"]);
    expect(r.failures).toEqual([]);
  });
});

describe("park and ready", () => {
  it("parks a fiber until another readies it, and rejects misuse of ready()", async () => {
    // debug: the core checks its invariants as it runs (sched/check.ts)
    const r = await buildAndRun("parking", { debug: true });
    expect(r.stdout).toEqual([
      "sleeper parks",
      "sleeper is blocked: yes",
      "waker wakes the sleeper",
      "sleeper woke",
      'ready() on fiber #4 "selfwaker", which is running, not blocked',
      'ready() on fiber #6 "joiner", which is blocked in join()',
      "joiner done: ok",
    ]);
    expect(r.failures.map((f) => f.kind)).toEqual(["Misuse", "Misuse"]);
    expect(r.exitCode).toBe(0);
  });
});
