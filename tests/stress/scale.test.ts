// `npm run test:stress`: the suite's programs at the scale of the benchmarks, with exact
// results (nothing here measures time; `npm run bench` does).
import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { BUILD_MODES, buildAndRun, buildProgram } from "../helpers.js";
import { scriptArb, pairedScriptArb, runScript, check, replay, showScript, showTrace, type Script } from "../chanprops.model.js";

describe.each(BUILD_MODES)("$mode build", ({ gcStress, debug }) => {
  it("passes a token 10,000,000 times around a ring of 503 fibers", async () => {
    // the benchmark's program at its own size: fiber (10,000,000 mod 503) + 1 receives 0
    const r = await buildAndRun("bench/programs/threadring.ts", { gcStress, debug });
    expect(r.stdout).toEqual(["holder=361"]);
    expect(r.stats.switches).toBeGreaterThan(10_000_000);
    expect(r.failures).toEqual([]);
  });

  // 4,500 more runs per mode, on seeds other than the suite's 42: 3 seeds of 1,000 random
  // and 500 paired scripts (about 30 s per mode on an idle 2-core machine)
  for (const seed of [1, 2, 3]) {
    it(`channel and select scripts against the reference model, seed ${seed}: 1,000 random and 500 paired`, async () => {
      // cooperative, as the reference model (chanprops.test.ts says why)
      const binary = (await buildProgram("chanprops", { gcStress, debug, preempt: false })).binary;
      const property = (arb: fc.Arbitrary<Script>) =>
        fc.asyncProperty(arb, async (script) => {
          const trace = await runScript(binary, script);
          const bad = [...check(script, trace), ...replay(script, trace)];
          if (bad.length) throw new Error(`${bad.join("\n")}\n--- script\n${showScript(script)}\n--- log\n${showTrace(script, trace)}`);
        });
      await fc.assert(property(scriptArb()), { seed, numRuns: 1000 });
      await fc.assert(property(pairedScriptArb()), { seed, numRuns: 500 });
    });
  }
});
