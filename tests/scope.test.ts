import { describe, it, expect } from "vitest";
import { buildAndRun, dumpLine } from "./helpers.js";

describe("Scope", () => {
  it("waits for members, propagates the first failure, and cancels members in every blocking operation", async () => {
    // debug: the core checks its invariants as it runs (sched/check.ts)
    const r = await buildAndRun("scopes", { debug: true });
    expect(r.stdout).toEqual([
      "1: wait -> no failure, finished 2, alive 0",
      "recv: cancelled",
      "2: member gives up, cancelled yes",
      "3: cancelling",
      // cancel() wakes members newest first
      "late recv: cancelled, cancelled flag set",
      "park: cancelled",
      "join: cancelled, no failure",
      "select: cancelled",
      "waitgroup: cancelled",
      "lock: cancelled",
      "send: cancelled",
      "recv: cancelled",
      "recv: cancelled",
      "nested scope done",
      "3: done, failure none, alive 0",
      "lock still free: yes, full len 1",
    ]);
    expect(r.failures.map((f) => [f.fiberName, f.message])).toEqual([["failing", "member gives up"]]);
    // only the fiber outside every scope is left
    expect(r.leftAlive).toEqual([dumpLine('#6 "lonely" blocked')]);
  });
});
