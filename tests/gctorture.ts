// The GC torture run (tests/programs/gc.ts) and what it must show, at a given size: shared
// by tests/gc.test.ts (2,000 holders, in `npm test`) and tests/stress/gc.test.ts (10,000,
// and under GC stress, in `npm run test:stress`).
import { expect } from "vitest";
import { buildProgram } from "./helpers.js";
import { WeftProgram } from "../host/runtime.js";

const ROUNDS = 20;

/**
 * Builds gc.ts with `holders` holder fibers (and one churner per 1,000) with allocation
 * accounting, runs it, and checks every object survived and the garbage was freed.
 */
export async function gcTorture(holders: number, gcStress = false): Promise<void> {
  // rtrace counts allocations; ASC_PROFILE counts the incremental collector's steps
  const { binary } = await buildProgram("gc", { rtrace: true, gcStress, use: ["ASC_PROFILE=1", `GC_HOLDERS=${holders}`] });
  const stdout: string[] = [];
  const program = await WeftProgram.load(binary as Uint8Array<ArrayBuffer>, { stdout: (l) => stdout.push(l) });
  const rtrace = program.rtrace!;
  expect(rtrace).not.toBeNull();
  const startBytes = rtrace.bytes;
  const result = program.run();
  const churners = Math.floor(holders / 1000);
  expect(stdout).toEqual([`verified ${holders * ROUNDS}`, "errors 0"]);
  expect(result.exitCode).toBe(0);
  expect(result.failures).toEqual([]);
  expect(result.stats.spawned).toBe(1 + holders + churners);
  expect(result.stats.peakAlive).toBeGreaterThanOrEqual(holders);
  // each churner allocates 1 MiB of garbage per round, 80 rounds: it must be freed as the
  // program goes
  expect(rtrace.peakBytes).toBeLessThan(48 << 20);
  // explicit __collect() calls: twice by every third churner
  expect(rtrace.collections).toBeGreaterThanOrEqual(2 * Math.ceil(churners / 3));
  expect(rtrace.interrupts).toBeGreaterThan(1000); // incremental steps on allocation
  // at the end, memory is back near where it started
  program.exports.__collect!();
  expect(rtrace.bytes - startBytes).toBeLessThan(4096);
  expect(result.stats.savedBytes).toBe(0);
}
