// threads.ts: the per-thread entry of a threads build (the threads build (BuildOptions.threads)), compiled
// in as a third entry next to the ABI only by that build.
//
// Model: one module, N instances on one shared memory (build/threads.ts), instance i on
// thread i. After instantiating, every instance calls `_start` (the once-only memory
// initialisation); thread 0 then calls `__weft_thread_start(0)`, which keeps the static
// stacks and records (the shadow stack between `__data_end` and `__heap_base`, the static
// scratch area, T record, stats and failure blocks). For thread i > 0, thread 0 (or any
// registered thread) first calls `__weft_thread_prepare(i)`, which allocates and zeroes
// one region holding that thread's heap record, T record, stats and failure blocks,
// scratch area and shadow stack (as large as thread 0's); thread i then calls
// `__weft_thread_start(i)`, which only points its per-thread globals at the region.
//
// Invariants:
//   - `__weft_thread_start` has no shadow-stack frame and allocates nothing: until it
//     sets the stack pointer, the instance's stack pointer is the static one, thread 0's;
//   - a thread runs heap code only between `__weft_world_enter` and `__weft_world_leave`
//     (the host's calls, later the scheduler's run loop): outside, the collector counts
//     it as stopped (rt/itcms.ts).
//
// Region of thread i > 0 (from the heap, zeroed, 16-aligned parts):
//   heap record | T record | stats | failure info | scratch area (guards, frames, guard
//   zone) | shadow stack (grows down from the end)

import { T, T_RECORD_SIZE, STATS_BLOCK, FAILURE_BLOCK } from "./state";
import { Scratch, ShadowStack, SCRATCH_BYTES, setThreadStacks, staticScratch } from "./stack";
import { STATS_SIZE, FAILURE_INFO_SIZE } from "./layout";
import { registerThread, THREAD_RECORD, THREAD_TABLE, MAX_THREADS } from "./rt/heap";
import { worldEnter, worldLeave, collections, collectWorld } from "./rt/itcms";
import { setSchedThreads, wakeWord } from "./sched/runq";

function align16(n: usize): usize {
  return (n + 15) & ~15;
}

// offsets of the parts of a region (see the top of this file)
// @ts-ignore: decorator
@inline const REGION_T: usize = (THREAD_RECORD + 15) & ~15;
// @ts-ignore: decorator
@inline const REGION_STATS: usize = REGION_T + ((T_RECORD_SIZE + 15) & ~15);
// @ts-ignore: decorator
@inline const REGION_FAILURE: usize = REGION_STATS + ((<usize>STATS_SIZE + 15) & ~15);
// @ts-ignore: decorator
@inline const REGION_SCRATCH: usize = REGION_FAILURE + ((<usize>FAILURE_INFO_SIZE + 15) & ~15);
// @ts-ignore: decorator
@inline const REGION_STACK: usize = REGION_SCRATCH + ((SCRATCH_BYTES + 15) & ~15);

/** Regions prepared for threads 1..N-1, by index (shared). */
// @ts-ignore: decorator
@lazy const REGIONS: usize = memory.data(MAX_THREADS * 4, 16);

/**
 * Bytes of thread 0's shadow stack (`--stack-size`), which every thread gets. Not
 * `__heap_base - __data_end`: the build makes every read of `__data_end` read this thread's
 * limit, which is what this file sets.
 */
// @ts-ignore: decorator, WEFT_STACK_SIZE is defined by the threads build (asc --use)
@inline const STACK_BYTES: usize = <usize>WEFT_STACK_SIZE;

/**
 * Allocates thread `index`'s region (see the top of this file). Call on a registered
 * thread, before thread `index` calls `__weft_thread_start`. Returns 0, or 1 if the index
 * is out of range or already prepared.
 */
export function __weft_thread_prepare(index: i32): i32 {
  if (index <= 0 || index >= MAX_THREADS) return 1;
  let slot = REGIONS + (<usize>index << 2);
  if (load<usize>(slot)) return 1;
  let bytes = REGION_STACK + STACK_BYTES;
  let region = align16(heap.alloc(bytes + 15));
  memory.fill(region, 0, bytes);
  store<usize>(slot, region);
  return 0;
}

/**
 * Makes the calling instance thread `index` (0 to N-1): its stacks, T record, scratch
 * area and heap record. Once per instance, after `_start`. Returns 0, or 1 if the thread
 * cannot start (index out of range, region not prepared, already registered).
 */
export function __weft_thread_start(index: i32): i32 {
  if (index < 0 || index >= MAX_THREADS) return 1;
  if (load<usize>(THREAD_TABLE + (<usize>index << 2))) return 1;
  if (index == 0) {
    setThreadStacks(staticScratch(), __heap_base - STACK_BYTES, __heap_base);
    __stack_pointer = __heap_base;
    T.initThread(0, STATS_BLOCK, FAILURE_BLOCK, 0);
    registerThread(0, 0, __heap_base);
  } else {
    let region = load<usize>(REGIONS + (<usize>index << 2));
    if (!region) return 1;
    let limit = region + REGION_STACK;
    let top = limit + STACK_BYTES;
    setThreadStacks(region + REGION_SCRATCH, limit, top);
    __stack_pointer = top;
    T.initThread(region + REGION_T, region + REGION_STATS, region + REGION_FAILURE, index);
    registerThread(index, region, top);
  }
  Scratch.armGuards();
  ShadowStack.armGuard();
  return 0;
}

/** The calling thread is about to run program code: waits out a collection in progress. */
export function __weft_world_enter(): void {
  worldEnter();
}

/** The calling thread returns to its host: the collector may run without it. */
export function __weft_world_leave(): void {
  worldLeave();
}

/** Collections made so far, by any thread. */
export function __weft_gc_collections(): u32 {
  return collections();
}

/** Runs a full collection with the world stopped (or waits for the one under way). */
export function __weft_collect_world(): void {
  collectWorld();
}

/** The calling thread's index. */
export function __weft_thread_index(): i32 {
  return T.index();
}

/**
 * Before any thread runs the scheduler (`__weft_run`) and before `__weft_start`: the
 * program runs its fibers on `threads` scheduler threads, whose indices are below `scan`
 * (a host that keeps thread 0 for itself passes N and N + 1). Sets when a deadlock is
 * declared (every scheduler thread idle) and which rings are stolen from (sched/runq.ts).
 */
export function __weft_sched_threads(threads: i32, scan: i32): void {
  setSchedThreads(threads, scan);
}

/**
 * The address of thread `index`'s wake word: when `__weft_run` returns 4 (Parked) the
 * host sleeps while the word holds 1 (`Atomics.wait`), then calls `__weft_run` again.
 */
export function __weft_wake_word(index: i32): usize {
  return wakeWord(index);
}
