// threads.ts: the `threads` benchmark group (`npm run bench -- --only threads`): what a
// threads build (the threads build (BuildOptions.threads)) gains from a second thread.
//
// mn_alloc_speedup: allocation throughput of threads that allocate and drop small objects
// (bench/programs/threadalloc.ts `churn`), 2 threads at once / 1 thread, measured in the
// same run, alternating, best of RUNS each. Each run gets a fresh instance group (a fresh
// shared memory); the objects come from the per-thread caches in front of the shared heap
// (assembly/rt/heap.ts), refilled 64 at a time by cutting one TLSF block. Collections are
// kept out of the figure (the threshold is set above what a run allocates), so that it
// measures the allocator alone; the memory a run allocates from is touched before it is
// timed. Every object is then fresh memory: on this 2-core machine a plain loop writing
// fresh memory on 2 threads ran only 1.1-1.5x as fast as on one, which bounds this
// figure (docs/THREADS.md).

import path from "node:path";
import { build } from "../build/build.js";
import { NodeThreads } from "../host/node/threads.js";

/** Objects each thread allocates per run. */
export const ALLOC_PER_THREAD = 3_000_000;
const RUNS = 5;
/** Bytes of the shared memory touched before a run: more than two threads' objects. */
const PRETOUCH_BYTES = 512 << 20;

/** What `churn(count)` returns, computed the same way. */
function expected(count: number): number {
  let sum = 0;
  for (let i = 0; i < count; i++) sum = (sum + ((i ^ 0x55) - i)) | 0;
  return sum;
}

export interface ThreadsFigures {
  ns1: number;
  ns2: number;
  speedup: number;
}

/** Runs the allocation benchmark on 1 and 2 threads; ns per object (2 threads: per object of both). */
export async function benchThreadsAlloc(root: string, progress: (line: string) => void): Promise<ThreadsFigures> {
  const built = await build({ entry: path.join(root, "bench/programs/threadalloc.ts"), threads: true, use: ["WEFT_GC_MIN_BYTES=900000000"] });
  const module = await WebAssembly.compile(built.binary);
  const want = expected(ALLOC_PER_THREAD);
  const once = async (threads: number): Promise<number> => {
    const group = await NodeThreads.start(module, threads);
    // the pages the run will allocate from are touched first, untimed: without collections
    // every object is fresh memory, and first-touch page faults (which the kernel
    // serialises per process) would otherwise be most of what is measured
    new Uint8Array(group.memory.buffer).fill(0, 4 << 20, PRETOUCH_BYTES);
    try {
      const start = process.hrtime.bigint();
      const sums = await group.callAll("churn", () => [ALLOC_PER_THREAD]);
      const ns = Number(process.hrtime.bigint() - start);
      for (const [i, sum] of sums.entries()) {
        if (sum !== want) throw new Error(`threads: thread ${i} returned ${sum}, expected ${want}`);
      }
      return ns / (ALLOC_PER_THREAD * threads);
    } finally {
      await group.close();
    }
  };
  let ns1 = Infinity;
  let ns2 = Infinity;
  for (let run = 0; run < RUNS; run++) {
    ns1 = Math.min(ns1, await once(1));
    ns2 = Math.min(ns2, await once(2));
  }
  progress(`threads: ${ns1.toFixed(2)} ns/object on 1 thread, ${ns2.toFixed(2)} on 2 (best of ${RUNS})`);
  return { ns1, ns2, speedup: ns1 / ns2 };
}
