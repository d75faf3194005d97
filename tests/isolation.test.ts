import { describe, it, expect } from "vitest";
import { buildAndRun } from "./helpers.js";

// 100 workers each sum id*i for i < 10 (45*id), over ids 0..100 without 50:
const TOTAL = 45 * (5050 - 50);

describe("failure isolation", () => {
  const cases: [number, string, RegExp][] = [
    [0, "Abort", /^id must be negative$/],
    [1, "Unreachable", /^unreachable executed in isolation\/failing$/],
    [2, "MemoryAccess", /^out-of-bounds memory access in isolation\/failing$/],
    [3, "Abort", /^Element type must be nullable if array is holey$/],
    [4, "Abort", /^Index out of range$/],
  ];
  for (const [code, kind, message] of cases) {
    it(`one fiber failing by ${kind} (${message.source}) leaves the 100 others complete`, async () => {
      const r = await buildAndRun("isolation", {}, { isolation: { kind: () => code } });
      expect(r.stdout).toEqual([`completed 100, failed 1, total ${TOTAL}`]);
      expect(r.exitCode).toBe(0);
      expect(r.failures).toHaveLength(1);
      const [f] = r.failures;
      expect(f.fiberId).toBe(52);
      expect(f.fiberName).toBe("failing");
      expect(f.kind).toBe(kind);
      expect(f.message).toMatch(message);
      if (kind === "Abort") {
        // AssemblyScript's runtime errors carry their source location
        expect(f.file).toMatch(/\.ts$/);
        expect(f.line).toBeGreaterThan(0);
      }
      expect(r.stderr).toHaveLength(1);
      expect(r.stderr[0]).toMatch(/^weft: fiber #52 "failing" failed: /);
    });
  }

  it("ends the program with status 1 and the message when main fails", async () => {
    const r = await buildAndRun("mainfails");
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toEqual(["before"]);
    expect(r.mainFailure).toMatch(/^fiber #1 "main" failed: main gives up at .*mainfails\.ts:\d+:\d+$/);
  });
});
