import { describe, it, expect } from "vitest";
import { buildAndRun } from "./helpers.js";

describe("join", () => {
  it("joins fibers that are ready, suspended, blocked, done and failed, in join order", async () => {
    // debug: the core checks its invariants as it runs (sched/check.ts)
    const r = await buildAndRun("join", { debug: true });
    expect(r.stdout).toEqual([
      "quick is ready",
      "quick runs",
      "joined quick: ok, now done",
      "joined quick again: ok",
      "slow step 0",
      "slow is ready",
      "slow step 1",
      "slow step 2",
      "joined slow: done",
      "crash about to abort",
      "joined crash: failed, message=boom, line>0=yes",
      'failure text: fiber #4 "crash" failed: boom',
      'message alone: same as toString, fiber #4 "crash" failed: boom',
      "slow step 0",
      "joiner 1 waits",
      "joiner 2 waits",
      "joiner 3 waits",
      "target is ready, joiners are blocked/blocked/blocked",
      "slow step 1",
      "slow step 2",
      "joiner 1 woke, failure=none",
      "joiner 2 woke, failure=none",
      "joiner 3 woke, failure=none",
      "self-join attempt",
      'self-join: failed: fiber #9 "selfish" cannot join itself: it would wait forever',
      "main done",
    ]);
    expect(r.exitCode).toBe(0);
    expect(r.failures.map((f) => [f.fiberId, f.kind])).toEqual([
      [4, "Abort"],
      [9, "Misuse"],
    ]);
    expect(r.failures[0].file).toMatch(/join\.ts$/);
    expect(r.leftAlive).toEqual([]);
  });
});

describe("yield", () => {
  it("counts 1,000,000 yields between two fibers exactly, alternating every time", async () => {
    const r = await buildAndRun("million");
    expect(r.stdout).toEqual(["counter 1000000", "alternations 1000000"]);
    expect(r.exitCode).toBe(0);
    // main's first run + its resume after each join, and one run per yield of a and b
    expect(r.stats.switches).toBeGreaterThanOrEqual(1_000_000);
    expect(r.stats.spawned).toBe(3);
  });
});
