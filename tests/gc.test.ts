import { describe, it, expect } from "vitest";
import { buildProgram } from "./helpers.js";
import { WeftProgram } from "../host/runtime.js";

describe("GC with suspended fibers", () => {
  it("keeps every suspended fiber's objects alive and frees garbage, through many incremental cycles", async () => {
    // rtrace counts allocations; ASC_PROFILE counts the incremental collector's steps
    const { binary } = await buildProgram("gc", { rtrace: true, use: ["ASC_PROFILE=1"] });
    const stdout: string[] = [];
    const program = await WeftProgram.load(binary as Uint8Array<ArrayBuffer>, { stdout: (l) => stdout.push(l) });
    const rtrace = program.rtrace!;
    expect(rtrace).not.toBeNull();
    const startBytes = rtrace.bytes;
    const result = program.run();
    expect(stdout).toEqual(["verified 200000", "errors 0"]);
    expect(result.exitCode).toBe(0);
    expect(result.failures).toEqual([]);
    expect(result.stats.spawned).toBe(1 + 10_000 + 10);
    expect(result.stats.peakAlive).toBeGreaterThanOrEqual(10_000);
    // the churners allocate ~80 MiB of garbage in all; it must be freed as the program goes
    expect(rtrace.peakBytes).toBeLessThan(48 << 20);
    expect(rtrace.collections).toBeGreaterThanOrEqual(8); // explicit __collect() calls
    expect(rtrace.interrupts).toBeGreaterThan(1000); // incremental steps on allocation
    // at the end, memory is back near where it started
    program.exports.__collect!();
    expect(rtrace.bytes - startBytes).toBeLessThan(4096);
    expect(result.stats.savedBytes).toBe(0);
  });
});
