// `npm run test:stress`: the threads build (tests/threads.test.ts) at full size: 4 threads,
// longer tortures with collections, and the negative control that shows the allocation
// torture can fail (the heap lock compiled out).
import { describe, it, expect, afterEach } from "vitest";
import { threadsModule, onWorkers } from "../threadsrun.js";
import { NodeThreads } from "../../host/node/threads.js";

let group: NodeThreads | null = null;

afterEach(async () => {
  await group?.close();
  group = null;
});

describe("threads build, full size", () => {
  it("allocates, links and checks objects on 4 threads at once with 0 corrupted", async () => {
    group = await NodeThreads.start(await threadsModule(), 4);
    expect(await group.callAll("torture", (i) => [i, 3000])).toEqual([0, 0, 0, 0]);
  });

  it.each([3, 5])("collects while %i threads allocate, 20 runs, with 0 corrupted objects", async (n) => {
    const module = await threadsModule();
    for (let run = 0; run < 20; run++) {
      group = await NodeThreads.start(module, n);
      expect(await onWorkers(group, "tortureCollecting", (t) => [t, 3000, 8])).toEqual(new Array(n - 1).fill(0));
      await group.close();
      group = null;
    }
  });

  it("shows corruption without the heap lock (negative control)", async () => {
    const noLock = await threadsModule(["WEFT_HEAP_NO_LOCK=1"]);
    let failed = false;
    for (let attempt = 0; attempt < 5 && !failed; attempt++) {
      group = await NodeThreads.start(noLock, 5);
      try {
        const bad = await onWorkers(group, "torture", (t) => [t, 600]);
        failed = bad.some((count) => count > 0);
      } catch {
        failed = true; // a trap or an abort on some thread
      }
      await group.close();
      group = null;
    }
    expect(failed).toBe(true);
  });
});
