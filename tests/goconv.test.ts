import { describe, it, expect } from "vitest";
import { buildAndRun } from "./helpers.js";

describe("Go conveniences", () => {
  it("select without cases times out, cases switch off and on, recvOk, Timer.stop/reset results, a failure's message", async () => {
    const r = await buildAndRun("goconv");
    expect(r.stdout).toEqual([
      "no cases, wait(15): SELECT_TIMED_OUT, after >= 15 ms: yes",
      "no cases, wait(0): SELECT_TIMED_OUT",
      "cancelled empty select: SELECT_CANCELLED",
      "x disabled: case y value 20, x still holds 1",
      "x disabled, y empty: poll default",
      "x enabled again: case x value 10",
      "all disabled, wait(10): SELECT_TIMED_OUT, after >= 10 ms: yes",
      "merge: sum 12, received 6, both closed",
      "recvOk: ok yes, value one, outcome ok",
      "recvOk closed: ok no, value null, outcome closed, same object yes",
      "recvOk past a deadline: ok no, value 0, outcome timed out",
      "stop pending: yes, stop again: no",
      "stop after it fired: no, value waiting 1",
      "reset after it fired: no, fires again: yes",
      "reset while pending: yes, fires at the new time: yes",
      "ticker reset while running: yes, stop: yes, reset after stop: no",
      'fiber #5 "empty" failed: select with no cases would block forever',
      "select with every case disabled would block forever",
    ]);
    expect(r.stderr).toEqual([
      'weft: fiber #5 "empty" failed: select with no cases would block forever',
      'weft: fiber #6 "disabled" failed: select with every case disabled would block forever',
    ]);
    expect(r.failures.map((f) => [f.fiberId, f.kind])).toEqual([
      [5, "Misuse"],
      [6, "Misuse"],
    ]);
    expect(r.exitCode).toBe(0);
  });
});
