import { describe, it } from "vitest";
import { gcTorture } from "./gctorture.js";

describe("GC with suspended fibers", () => {
  it("keeps every suspended fiber's objects alive and frees garbage, through many incremental cycles", async () => {
    // 2,000 holders here; the 10,000 of the original run are in tests/stress/gc.test.ts
    await gcTorture(2000);
  });
});
