// threads.test.ts: the threads build (`weft build --threads`, build/threads.ts) on real
// Node worker threads (host/node/threads.ts): one module, N instances, one shared memory.
// The program's exports run directly on each thread (milestone 1 of issue 14: no M:N
// scheduler yet). Two builds of tests/programs/threads.ts: the threads build, and the same
// with the heap lock compiled out (WEFT_HEAP_NO_LOCK), the negative control that shows the
// allocation test can fail.
import { describe, it, expect, beforeAll, afterEach } from "vitest";
import { buildProgram } from "./helpers.js";
import { NodeThreads } from "../host/node/threads.js";

let threads: WebAssembly.Module;
let noLock: WebAssembly.Module;
let group: NodeThreads | null = null;

beforeAll(async () => {
  // a collection threshold far above what the tests allocate: the collector under
  // threads is not part of what these tests check (see the skipped test below)
  const use = ["WEFT_GC_MIN_BYTES=800000000"];
  threads = await WebAssembly.compile((await buildProgram("threads", { threads: true, use })).binary);
  noLock = await WebAssembly.compile((await buildProgram("threads", { threads: true, use: [...use, "WEFT_HEAP_NO_LOCK=1"] })).binary);
}, 120_000);

afterEach(async () => {
  await group?.close();
  group = null;
});

describe("threads build", () => {
  it("makes a module variable one variable for all threads", async () => {
    group = await NodeThreads.start(threads, 2);
    expect(await group.call(1, "getShared")).toBe(7);
    await group.call(0, "setShared", 42);
    expect(await group.call(1, "getShared")).toBe(42);
    await group.call(1, "setShared", -5);
    expect(await group.call(0, "getShared")).toBe(-5);
  });

  it("initialises static data once: a later instance does not reset it", async () => {
    group = await NodeThreads.start(threads, 1);
    expect(await group.call(0, "bumpStatic")).toBe(11);
    expect(await group.call(0, "bumpStatic")).toBe(12);
    const index = await group.addThread();
    expect(index).toBe(1);
    expect(await group.call(1, "readStatic")).toBe(12);
    expect(await group.call(1, "bumpStatic")).toBe(13);
    expect(await group.call(0, "readStatic")).toBe(13);
  });

  it.each([2, 4])("allocates, links and checks objects on %i threads at once with 0 corrupted", async (n) => {
    group = await NodeThreads.start(threads, n);
    const bad = await group.callAll("torture", (i) => [i, 600]);
    expect(bad).toEqual(new Array(n).fill(0));
  });

  it("shows corruption without the heap lock (negative control)", async () => {
    let failed = false;
    for (let attempt = 0; attempt < 5 && !failed; attempt++) {
      group = await NodeThreads.start(noLock, 4);
      try {
        const bad = await group.callAll("torture", (i) => [i, 600]);
        failed = bad.some((count) => count > 0);
      } catch {
        failed = true; // a trap or an abort on some thread
      }
      await group.close();
      group = null;
    }
    expect(failed).toBe(true);
  });

  it("refuses a module built without --threads for more than one thread, naming the flag", async () => {
    const plain = await WebAssembly.compile((await buildProgram("threads")).binary);
    await expect(NodeThreads.start(plain, 2)).rejects.toThrow(
      "this module was built without threads and cannot run on 2 threads: rebuild it with `weft build --threads` (BuildOptions.threads)",
    );
  });

  // Known broken (milestone 1 report): with collections running, the stop-the-world
  // collector occasionally frees an object that is still reachable (1 in a few runs on 2
  // threads, most runs on 4). Enable when fixed.
  it.skip("collects while threads allocate, with 0 corrupted objects", async () => {
    const gc = await WebAssembly.compile((await buildProgram("threads", { threads: true, use: ["WEFT_GC_MIN_BYTES=262144"] })).binary);
    group = await NodeThreads.start(gc, 4);
    const bad = await group.callAll("torture", (i) => [i, 600]);
    expect(bad).toEqual([0, 0, 0, 0]);
    expect(group.collections()).toBeGreaterThan(0);
  });
});
