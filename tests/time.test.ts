import { describe, it, expect, vi } from "vitest";
import { buildAndRun, buildProgram } from "./helpers.js";
import { WeftProgram, FiberError, asyncImport, type RunResult, type RuntimeOptions } from "../host/runtime.js";
import { runInSuite, suiteImports, TIME_PROGRAMS } from "./suites.js";

/** Loads a built program with captured output. */
async function load(binary: Uint8Array, options: Parameters<typeof WeftProgram.load>[1] = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const program = await WeftProgram.load(binary as Uint8Array<ArrayBuffer>, {
    stdout: (l) => stdout.push(l),
    stderr: (l) => stderr.push(l),
    ...options,
  });
  return { program, stdout, stderr };
}

/**
 * Runs `binary` on a virtual clock: the host's clock (performance.now, which is also the
 * program's `now()`), its timers and its macrotasks are vitest's fake timers, and time
 * moves only from one armed timer to the next. What the program sees of time is then the
 * same on any machine under any load: no fiber is late or early, and no code runs between
 * two instants. `setup` runs before the program is loaded (it may wrap the fake timers);
 * the function it returns, after the run (it puts back what it wrapped).
 */
async function runOnVirtualClock(
  binary: Uint8Array,
  setup: () => () => void = () => () => {},
  imports: RuntimeOptions["imports"] = {},
): Promise<{ result: RunResult; stdout: string[] }> {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "setImmediate", "performance"] });
  let teardown = () => {};
  try {
    teardown = setup();
    const { program, stdout } = await load(binary, { imports });
    const done = program.runAsync();
    await vi.runAllTimersAsync();
    return { result: await done, stdout };
  } finally {
    teardown();
    vi.useRealTimers();
  }
}

describe("timers", () => {
  it("wakes 10,000 sleepers in deadline order, ties in spawn order, none early", async () => {
    // on a virtual clock, so that all 10,000 are asleep before the first deadline however
    // slow the machine is (the program checks that too)
    const { stdout, result } = await runOnVirtualClock((await buildProgram("timesuite")).binary, undefined, suiteImports(TIME_PROGRAMS, "timerorder"));
    expect(result.exitCode).toBe(0);
    const r = { stdout };
    expect(r.stdout).toEqual([
      "woke 10000, in order 10000, early 0",
      "all asleep before the first deadline: yes, ties many",
      "timer invariants: ok, left 0",
    ]);
  });

  it("keeps the timers' invariants while 500 fibers arm and cancel timers at random", async () => {
    const r = await runInSuite("timesuite", TIME_PROGRAMS, "timerstress");
    expect(r.stdout).toEqual(["broken 0, checks many, receives many, both outcomes yes", "timers left 0, invariants ok"]);
    expect(r.exitCode).toBe(0);
  });

  it("makes sleep(0) yield to the other ready fibers", async () => {
    const r = await runInSuite("timesuite", TIME_PROGRAMS, "sleepzero");
    expect(r.stdout).toEqual(["a0", "b0", "a1", "b1", "a2", "b2"]);
  });

  it("fires a select's timeout when nothing else is ready, and not otherwise", async () => {
    const r = await buildAndRun("selecttimeout");
    expect(r.stdout).toEqual([
      "idle: timed out, waited >= 20 ms: yes",
      "ready: case 0",
      "later: case 0 value 7, timers left 0",
      "after: case 1",
      "zero: timed out",
    ]);
    expect(r.exitCode).toBe(0);
  });

  it("gives every blocking operation a deadline variant that leaves no timer behind", async () => {
    // debug: the core checks its invariants as it runs (sched/check.ts)
    const r = await buildAndRun("deadlines", { debug: true });
    expect(r.stdout).toEqual([
      "recv: timed out value 0 after >= 10 ms: yes",
      "send: timed out, receivers waiting 0, senders waiting 0",
      "lock: timed out, held by me: no",
      "lock later: ok",
      "acquire: timed out, available 0",
      "waitgroup: timed out",
      "cond: timed out, mutex held again: yes",
      "join: timed out, failure null: yes",
      "select under deadline: timed out",
      "sleep under deadline: timed out",
      "deadline passed: recv timed out",
      "deadline cleared: yes",
      "recv in time: ok value 42",
      "scope: cancelled yes, members left 0",
      "timers left 0",
    ]);
    expect(r.leftAlive).toEqual([expect.stringMatching(/^#3 blocked \(chan #\d+ recv\) for \d+ switch(es)?$/)]);
  });

  it("is not a deadlock while a fiber sleeps; is one once nothing can wake main", async () => {
    const r = await buildAndRun("timerdeadlock");
    expect(r.stdout).toEqual(["got 1"]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr[0]).toBe("deadlock: all 1 fiber is asleep");
    expect(r.stderr[1]).toMatch(/^ {2}#1 "main" blocked \(chan #\d+ recv\) for \d+ switch(es)?$/);
  });

  it("keeps one host timer armed for 200 sleepers, and runs only when one fires", async () => {
    // 200 fibers, 50 distinct deadlines 20 ms apart, on a virtual clock: each deadline gets
    // its own timer, armed when the one before it fired, and the host does nothing else
    // while they sleep. A host that polled (a timer of 0 ms, or macrotasks in a loop) would
    // arm many more; one that armed a timer per sleeper would have several active at once.
    const { binary } = await buildProgram("sleepers");
    const active = new Set<unknown>();
    let mostActive = 0;
    const delays: number[] = [];
    let macrotasks = 0;
    const { result, stdout } = await runOnVirtualClock(binary, () => {
      const fakeSet = globalThis.setTimeout;
      const fakeClear = globalThis.clearTimeout;
      const fakeImmediate = globalThis.setImmediate;
      globalThis.setTimeout = ((fn: () => void, ms?: number) => {
        const handle = fakeSet(() => {
          active.delete(handle);
          fn();
        }, ms);
        active.add(handle);
        delays.push(ms ?? 0);
        mostActive = Math.max(mostActive, active.size);
        return handle;
      }) as typeof setTimeout;
      globalThis.clearTimeout = ((handle: ReturnType<typeof setTimeout>) => {
        active.delete(handle);
        fakeClear(handle);
      }) as typeof clearTimeout;
      globalThis.setImmediate = ((fn: () => void) => (macrotasks++, fakeImmediate(fn))) as typeof setImmediate;
      return () => {
        globalThis.setTimeout = fakeSet;
        globalThis.clearTimeout = fakeClear;
        globalThis.setImmediate = fakeImmediate;
      };
    });
    expect(stdout).toEqual(["all 200 woke"]);
    expect(result.exitCode).toBe(0);
    expect(mostActive).toBe(1);
    // the first waits 20 ms from the start, each later one 20 ms from the one before
    expect(delays).toEqual(Array.from({ length: 50 }, () => 20));
    expect(macrotasks).toBe(1); // the start; every other pass is a timer's
    expect(active.size).toBe(0); // nothing left armed: the process can exit
  });
});

describe("host interop", () => {
  it("spawns exports as fibers and settles their Promises with results or failures", async () => {
    const { binary } = await buildProgram("interop");
    const { program } = await load(binary, { imports: { app: { lookup: () => {} } } });
    const doubled = await Promise.all([program.spawn("double", 21), program.spawn("double", -4)]);
    expect(doubled).toEqual([42, -8]);
    const failed = await program.spawn("fails", 1).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(FiberError);
    expect((failed as Error).message).toMatch(/^fiber #\d+ failed: x must be negative at interop\.ts:\d+:\d+$/);
    // main (empty) ended at once: the program still runs the fibers the host spawns
    expect((await program.runAsync().catch((e: Error) => e.message)) as string).toBe("a weft program runs once; load it again to rerun");
    const again = await load(binary, { imports: { app: { lookup: () => {} } } });
    expect(again.program.run().exitCode).toBe(0);
    expect(await again.program.spawn("double", 5)).toBe(10);
    await expect(program.spawn("missing")).rejects.toThrow(
      '"missing" is not a spawnable export of the program (an exported function with at most one numeric parameter); it has: double, fails, lookupAll',
    );
  });

  it("lets 1,000 fibers await one Promise-returning JS function at once", async () => {
    const { binary } = await buildProgram("interop");
    let calls = 0;
    let release!: () => void;
    const allIn = new Promise<void>((resolve) => (release = resolve));
    // every call waits until all 1,000 have been made: only concurrent fibers get through
    const lookup = asyncImport(async (key: number) => {
      if (++calls === 1000) release();
      await allIn;
      return key * 2;
    });
    const { program, stdout } = await load(binary, { imports: { app: { lookup } } });
    const sum = await program.spawn("lookupAll", 1000);
    expect(calls).toBe(1000);
    expect(sum).toBe(999 * 1000);
    expect(stdout).toEqual(["lookups 1000, errors 0"]);
    expect(program.stats().hostCalls).toBe(0);
  });

  it("hands a rejected Promise to the fiber as an error value", async () => {
    const { binary } = await buildProgram("interop");
    const lookup = asyncImport(async (key: number) => {
      if (key % 2 === 0) throw Object.assign(new Error(`no such key ${key}`), { code: "ENOENT" });
      return 1;
    });
    const { program, stdout } = await load(binary, { imports: { app: { lookup } } });
    expect(await program.spawn("lookupAll", 10)).toBe(5);
    expect(stdout).toEqual(["error ENOENT: no such key 0", "lookups 10, errors 5"]);
  });
});
