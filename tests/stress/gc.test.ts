// `npm run test:stress`: the GC torture at full size, as built and under GC stress.
import { describe, it } from "vitest";
import { gcTorture } from "../gctorture.js";

describe("GC with suspended fibers, full size", () => {
  it("10,000 holders, 10 churners", async () => {
    await gcTorture(10_000);
  });

  it("2,000 holders under GC stress (the collector steps at every allocation)", async () => {
    await gcTorture(2000, true);
  });
});
