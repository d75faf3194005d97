// Suspension is two-phase: a primitive records where the fiber goes, the trampoline puts
// it there after saving its frames (assembly/sched/suspend.ts). A debug build checks that
// order at every publication and counts the publications.
import { describe, expect, it } from "vitest";
import { buildAndRun } from "./helpers.js";

describe("two-phase suspension", () => {
  it("publishes each suspension after the fiber's frames are saved, in the trampoline", async () => {
    const r = await buildAndRun("publish", { debug: true });
    expect(r.stdout).toEqual(["b got 7", "done"]);
    expect(r.failures).toEqual([]);
    // main on a's joiners, a's first yield, b on the channel, a's second yield, main on b's joiners
    const published = (r.program.exports as unknown as { __weft_debug_published(): number }).__weft_debug_published();
    expect(published).toBe(5);
  });

  it("counts nothing in a normal build (the checks are compiled out)", async () => {
    // a program that yields, parks and is preempted, in core.test.ts's normal build
    const r = await buildAndRun("leftover");
    expect(r.stdout).toEqual(["main returns"]);
    expect((r.program.exports as unknown as { __weft_debug_published(): number }).__weft_debug_published()).toBe(0);
  });
});
