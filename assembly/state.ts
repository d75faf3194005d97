// state.ts: all of the scheduler's module state, in two records, in the manner of Go's
// runtime2.go: what one thread owns (`T`) and what all threads will share (`S`).
//
// Today one wasm instance runs one scheduler (M:1), so there is one of each. The records
// are drawn so that M:N threads (several instances on one shared memory) can take them
// over as they are: each thread gets its own `T` record, the `S` record stays one.
//
// Where they live, and why:
//   - Unmanaged fields are words in linear memory at fixed addresses (`memory.data`),
//     read and written by the accessors below with constant offsets: a load or store
//     folds into one instruction with an immediate offset. The fields every switch
//     touches are wasm globals instead (below, with why): in memory they made the depth-0
//     switch about 15% slower here. Measured against the core before this layout (one
//     scheduler.ts, primitives that published before the unwind), same machine, side by
//     side: the thread ring, spawns, channel ping-pong and sleepers are equal or faster;
//     the depth-0 yield took 8-14% longer while the trampoline made the whole run-queue
//     insertion after the save, and is as fast since the primitive prepares it and the
//     trampoline only moves the tail (sched/runqueue.ts; docs/PERFORMANCE.md).
//     With threads (the threads build (BuildOptions.threads)), `T`'s address is the per-instance wasm global
//     `tBase` (one `global.get`, the offsets still fold), and `S` stays at its fixed
//     address, in the shared memory; the globals below that start with `t` stay per
//     thread and the others become shared words (build/threads.ts has the table).
//   - Managed roots stay module globals (`liveHead`, `mainFiber`, the failure queue): the
//     collector finds roots only in globals, the shadow stack and pinned objects. They are
//     shared state (THREADS.md: globals move into shared memory with the runtime).
//   - Nothing per thread holds an object reference: a collector sees only its own
//     instance's globals (THREADS.md). `T.spawnScope` is a raw address: the Scope that
//     set it is alive in its caller for the whole spawn.
//
// Fixed addresses hang off `T`: the scratch area, the shadow-stack region (base, limit),
// the stats block and the failure-info block the host reads (the host reads their
// addresses from exports, never assumes them).

import { Scratch } from "./stack";
import { STATS_SIZE, FAILURE_INFO_SIZE } from "./layout";

// ─── T: the per-thread record ───────────────────────────────────────────────────────────
//
//  off field         type   written by (when)                          read by
//  0   current       addr   run (dispatch, after the fiber returns),    primitives, spawn,
//                           failCurrent (in a wasm global, see below)   everything "current"
//  4   fiberBase     addr   run (entry: its own stack pointer; global)  save (slice size)
//  8   stackLimit    addr   init (= __data_end)                         (threads: guards)
//  12  scratch       addr   init (the scratch area's header)            (threads: switch.ts)
//  16  stats         addr   init (the counters block)                   statsAddress
//  20  failureInfo   addr   init (the failure block)                    takeFailure
//  24  publish       u32    suspend primitives (what the trampoline     run (after save),
//                           must publish: PUBLISH_*), run (clears;      failCurrent (clears)
//                           in a wasm global)
//  28  holdsSched u32   sched/lock.ts (threads build: this thread      run (after publish),
//                           holds the scheduler lock)                   failCurrent
//  32  publishAt     f64    mayBlock, sleep (the timer's deadline)      run (publish)
//  40  pendingGuard  i32    guard checks before they abort (kind + 1)   failCurrent
//  44  misuse        u32    misuse() before it aborts                   failCurrent
//  48  spawnScope    addr   Scope.spawn (the scope of the next spawn)   newFiber (clears)
//  52  sleepHead     addr   sleepForHost (sleeps of this slice)         flushSleeps
//  56  sleepTail     addr
//  64  switches      u64    run (every dispatch; in a wasm global)      since, stats, dumps
//  72  published     u32    run (each publication; debug builds)        tests (__weft_published)
//  76  workLeft      i32    run (-SWITCH_WORK per switch), safepoints   run, safepoints,
//                           (-1 each, code the build inserts), the      checkpoint
//                           channel checkpoint, readClock (refill);
//                           in a wasm global: build/preempt.ts names it
//  80  sliceEnd      f64    run (entry: the host's `until`)             preemptDue, sliceOver
//  88  quantum       i32    readClock (adapted to the clock)            readClock
//  96  lastRead      f64    run (entry), readClock                      readClock

// @ts-ignore: decorator
@inline const T_SIZE: i32 = 104;
// @ts-ignore: decorator
@lazy const THREAD: usize = memory.data(T_SIZE, 16);

// The threads build (the threads build (BuildOptions.threads), build/threads.ts) gives every thread its own
// T record: its address is this per-thread global (thread 0's is THREAD; the others' are
// allocated by assembly/threads.ts). The default build folds `rec()` to the constant.
/** The address of this thread's T record (threads build). */
let tBase: usize = 0;
/** This thread's index, 0 to N-1 (threads build). */
let tIndex: i32 = 0;

// @ts-ignore: decorator
@inline function rec(): usize {
  // @ts-ignore: WEFT_THREADS is defined by the threads build (BuildOptions.threads) (asc --use), unknown to TypeScript
  return isDefined(WEFT_THREADS) ? tBase : THREAD;
}

/** What a suspended fiber's trampoline publishes once its frames are saved (`T.publish`). */
// @ts-ignore: decorator
@inline export const PUBLISH_NONE: u32 = 0;
/** Put it at the run-queue tail (`yieldNow`). */
// @ts-ignore: decorator
@inline export const PUBLISH_READY: u32 = 1;
/** Append it to the wait list its record names (`waitList`: block, a channel primitive, join). */
// @ts-ignore: decorator
@inline export const PUBLISH_LIST: u32 = 2;
/** Arm its timer at `T.publishAt` (a deadline, a sleep). */
// @ts-ignore: decorator
@inline export const PUBLISH_TIMER: u32 = 4;
/** Queue its select's nodes on their lists (`blockSelect`: the record's `waitList` is the select, tagged). */
// @ts-ignore: decorator
@inline export const PUBLISH_SELECT: u32 = 8;

// The hottest per-thread fields live in wasm globals instead of the record: they are
// truly per instance (a thread is an instance), and every switch reads and writes them.
// Kept in memory they cost the switch benchmarks measurably on this machine
// (docs/PERFORMANCE.md); as globals they need no per-thread base address either.
/** T.current: the running fiber (offset 0 of the table above). */
let tCurrent: usize = 0;
/** T.fiberBase (offset 4). */
let tFiberBase: usize = 0;
/** T.publish (offset 24). */
let tPublish: u32 = 0;
/** T.switches (offset 64). */
let tSwitches: u64 = 0;
/**
 * T.workLeft (offset 76): work left before the next clock read (sched/slice.ts). The
 * safepoints the build inserts into the program's loops decrement it directly: its
 * internal name, `~lib/weft/state/tWorkLeft`, is build/preempt.ts's WORK_LEFT_GLOBAL.
 */
let tWorkLeft: i32 = 0;

export namespace T {
  // @ts-ignore: decorator
  @inline export function current(): usize { return tCurrent; }
  // @ts-ignore: decorator
  @inline export function setCurrent(f: usize): void { tCurrent = f; }
  // @ts-ignore: decorator
  @inline export function fiberBase(): usize { return tFiberBase; }
  // @ts-ignore: decorator
  @inline export function setFiberBase(v: usize): void { tFiberBase = v; }
  // @ts-ignore: decorator
  @inline export function stackLimit(): usize { return load<usize>(rec(), 8); }
  // @ts-ignore: decorator
  @inline export function stats(): usize { return load<usize>(rec(), 16); }
  // @ts-ignore: decorator
  @inline export function failureInfo(): usize { return load<usize>(rec(), 20); }
  // @ts-ignore: decorator
  @inline export function publish(): u32 { return tPublish; }
  // @ts-ignore: decorator
  @inline export function setPublish(v: u32): void { tPublish = v; }
  // @ts-ignore: decorator
  @inline export function holdsSched(): bool { return load<u32>(rec(), 28) != 0; }
  // @ts-ignore: decorator
  @inline export function setHoldsSched(v: bool): void { store<u32>(rec(), <u32>v, 28); }
  // @ts-ignore: decorator
  @inline export function publishAt(): f64 { return load<f64>(rec(), 32); }
  // @ts-ignore: decorator
  @inline export function setPublishAt(v: f64): void { store<f64>(rec(), v, 32); }
  /** The FailureKind a guard check found, or -1 (stored + 1: zeroed memory means none). */
  // @ts-ignore: decorator
  @inline export function pendingGuard(): i32 { return load<i32>(rec(), 40) - 1; }
  // @ts-ignore: decorator
  @inline export function setPendingGuard(v: i32): void { store<i32>(rec(), v + 1, 40); }
  // @ts-ignore: decorator
  @inline export function misuse(): bool { return load<u32>(rec(), 44) != 0; }
  // @ts-ignore: decorator
  @inline export function setMisuse(v: bool): void { store<u32>(rec(), <u32>v, 44); }
  // @ts-ignore: decorator
  @inline export function spawnScope(): usize { return load<usize>(rec(), 48); }
  // @ts-ignore: decorator
  @inline export function setSpawnScope(v: usize): void { store<usize>(rec(), v, 48); }
  // @ts-ignore: decorator
  @inline export function sleepHead(): usize { return load<usize>(rec(), 52); }
  // @ts-ignore: decorator
  @inline export function setSleepHead(v: usize): void { store<usize>(rec(), v, 52); }
  // @ts-ignore: decorator
  @inline export function sleepTail(): usize { return load<usize>(rec(), 56); }
  // @ts-ignore: decorator
  @inline export function setSleepTail(v: usize): void { store<usize>(rec(), v, 56); }
  // @ts-ignore: decorator
  @inline export function switches(): u64 { return tSwitches; }
  // @ts-ignore: decorator
  @inline export function setSwitches(v: u64): void { tSwitches = v; }
  // @ts-ignore: decorator
  @inline export function workLeft(): i32 { return tWorkLeft; }
  // @ts-ignore: decorator
  @inline export function setWorkLeft(v: i32): void { tWorkLeft = v; }
  // @ts-ignore: decorator
  @inline export function sliceEnd(): f64 { return load<f64>(rec(), 80); }
  // @ts-ignore: decorator
  @inline export function setSliceEnd(v: f64): void { store<f64>(rec(), v, 80); }
  // @ts-ignore: decorator
  @inline export function quantum(): i32 { return load<i32>(rec(), 88); }
  // @ts-ignore: decorator
  @inline export function setQuantum(v: i32): void { store<i32>(rec(), v, 88); }
  // @ts-ignore: decorator
  @inline export function lastRead(): f64 { return load<f64>(rec(), 96); }
  // @ts-ignore: decorator
  @inline export function setLastRead(v: f64): void { store<f64>(rec(), v, 96); }
  // @ts-ignore: decorator
  @inline export function published(): u32 { return load<u32>(rec(), 72); }
  // @ts-ignore: decorator
  @inline export function setPublished(v: u32): void { store<u32>(rec(), v, 72); }

  /** This thread's index (0 without threads). */
  // @ts-ignore: decorator
  @inline export function index(): i32 { return tIndex; }

  /**
   * Threads build: makes `base` (T_SIZE bytes, zeroed; 0: the static one) this thread's T record and fills its
   * fixed addresses; assembly/threads.ts calls it once per thread, after the stacks are set.
   */
  export function initThread(base: usize, stats: usize, failure: usize, index: i32): void {
    // thread 0 keeps the static record
    if (!base) base = THREAD;
    tBase = base;
    tIndex = index;
    store<usize>(base, __data_end, 8);
    store<usize>(base, Scratch.header(), 12);
    store<usize>(base, stats, 16);
    store<usize>(base, failure, 20);
  }

  /** Fills the fixed addresses; runs once, with the module's top-level code (below). */
  export function init(): void {
    store<usize>(rec(), __data_end, 8);
    store<usize>(rec(), Scratch.header(), 12);
    store<usize>(rec(), STATS_BLOCK, 16);
    store<usize>(rec(), FAILURE_BLOCK, 20);
  }
}

/** Bytes of a T record, for the threads build's per-thread regions. */
// @ts-ignore: decorator
@inline export const T_RECORD_SIZE: usize = <usize>T_SIZE;
/** The counters block the host reads (layout.ts `Stats`), hung off `T.stats`. */
// @ts-ignore: decorator
@lazy export const STATS_BLOCK: usize = memory.data(STATS_SIZE, 8);
/** The failure-info block the host reads (layout.ts `FailureInfo`), hung off `T.failureInfo`. */
// @ts-ignore: decorator
@lazy export const FAILURE_BLOCK: usize = memory.data(FAILURE_INFO_SIZE, 4);

// ─── S: the shared record ───────────────────────────────────────────────────────────────
//
//  off field      type  written by (when)                             read by
//  0   runHead    addr  enqueue, dequeue (in a wasm global, see below)  dequeue
//  4   runTail    addr  enqueue, dequeue (in a wasm global)             enqueue
//  8   (free: the run queue's length is counted when read, diag.ts)
//  12  lastId     u32   newFiber (every spawn: the id it gave)         newFiber
//  16  started    u32   startMain (once)                               startMain
//  20  mainEnd    u32   finish (main ended: 1), run (reported: 0)      run (a wasm global)
//  24  alive      u32   liveAdd, liveRemove                            stats, dumps
//  28  peak       u32   liveAdd                                        stats
//  32  failed     u32   failFiber                                      stats
//  36  savedBytes u32   save, resizeSaved, finish                      stats
//  40  spawned    u64   newFiber                                       stats
//  48  blocks     u64   suspend (every block)                          stats
//
// Managed roots, shared, in globals (see the top of this file): `liveHead` (live.ts),
// `mainFiber` (sched/run.ts), the failure queue (sched/fail.ts).

// @ts-ignore: decorator
@inline const S_SIZE: i32 = 56;
// @ts-ignore: decorator
@lazy const SHARED: usize = memory.data(S_SIZE, 16);

// The run queue's two words live in wasm globals: every switch reads and writes them, and
// in memory they cost the switch benchmark measurably (docs/PERFORMANCE.md). With M:N
// threads the run queue becomes one per thread anyway (Go's per-P `runq`, THREADS.md),
// which is where a per-instance global belongs; a shared queue for stealing is then a
// new structure, not this one.
let sRunHead: usize = 0;
let sRunTail: usize = 0;
/** S.mainEnd (offset 20): tested by the trampoline before every switch, so a global too. */
let sMainEnd: bool = false;

export namespace S {
  // @ts-ignore: decorator
  @inline export function runHead(): usize { return sRunHead; }
  // @ts-ignore: decorator
  @inline export function setRunHead(v: usize): void { sRunHead = v; }
  // @ts-ignore: decorator
  @inline export function runTail(): usize { return sRunTail; }
  // @ts-ignore: decorator
  @inline export function setRunTail(v: usize): void { sRunTail = v; }
  // @ts-ignore: decorator
  @inline export function lastId(): u32 { return load<u32>(SHARED, 12); }
  // @ts-ignore: decorator
  @inline export function setLastId(v: u32): void { store<u32>(SHARED, v, 12); }
  // @ts-ignore: decorator
  @inline export function started(): bool { return load<u32>(SHARED, 16) != 0; }
  // @ts-ignore: decorator
  @inline export function setStarted(): void { store<u32>(SHARED, 1, 16); }
  // @ts-ignore: decorator
  @inline export function mainEnd(): bool { return sMainEnd; }
  // @ts-ignore: decorator
  @inline export function setMainEnd(v: bool): void { sMainEnd = v; }
  // @ts-ignore: decorator
  @inline export function alive(): u32 { return load<u32>(SHARED, 24); }
  // @ts-ignore: decorator
  @inline export function setAlive(v: u32): void { store<u32>(SHARED, v, 24); }
  // @ts-ignore: decorator
  @inline export function peak(): u32 { return load<u32>(SHARED, 28); }
  // @ts-ignore: decorator
  @inline export function setPeak(v: u32): void { store<u32>(SHARED, v, 28); }
  // @ts-ignore: decorator
  @inline export function failed(): u32 { return load<u32>(SHARED, 32); }
  // @ts-ignore: decorator
  @inline export function setFailed(v: u32): void { store<u32>(SHARED, v, 32); }
  // @ts-ignore: decorator
  @inline export function savedBytes(): u32 { return load<u32>(SHARED, 36); }
  // @ts-ignore: decorator
  @inline export function setSavedBytes(v: u32): void { store<u32>(SHARED, v, 36); }
  // @ts-ignore: decorator
  @inline export function spawned(): u64 { return load<u64>(SHARED, 40); }
  // @ts-ignore: decorator
  @inline export function setSpawned(v: u64): void { store<u64>(SHARED, v, 40); }
  // @ts-ignore: decorator
  @inline export function blocks(): u64 { return load<u64>(SHARED, 48); }
  // @ts-ignore: decorator
  @inline export function setBlocks(v: u64): void { store<u64>(SHARED, v, 48); }

  // The counters several threads update (threads build: atomic read-modify-writes; the
  // default build: the plain load and store it always made).
  /** The next fiber id (`lastId` + 1, stored): unique across threads. */
  // @ts-ignore: decorator
  @inline export function nextId(): u32 {
    // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
    if (isDefined(WEFT_THREADS)) return atomic.add<u32>(SHARED, 1, 12) + 1;
    let id = lastId() + 1;
    setLastId(id);
    return id;
  }
  // @ts-ignore: decorator
  @inline export function countSpawn(): void {
    // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
    if (isDefined(WEFT_THREADS)) atomic.add<u64>(SHARED, 1, 40);
    else setSpawned(spawned() + 1);
  }
  // @ts-ignore: decorator
  @inline export function countBlock(): void {
    // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
    if (isDefined(WEFT_THREADS)) atomic.add<u64>(SHARED, 1, 48);
    else setBlocks(blocks() + 1);
  }
  // @ts-ignore: decorator
  @inline export function countFailure(): void {
    // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
    if (isDefined(WEFT_THREADS)) atomic.add<u32>(SHARED, 1, 32);
    else setFailed(failed() + 1);
  }
  /** Adds `d` (wrapping: a negative change as its two's complement) to `savedBytes`. */
  // @ts-ignore: decorator
  @inline export function addSavedBytes(d: u32): void {
    // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
    if (isDefined(WEFT_THREADS)) atomic.add<u32>(SHARED, d, 36);
    else setSavedBytes(savedBytes() + d);
  }
}

// the threads build fills each thread's record when the thread starts (assembly/threads.ts)
// @ts-ignore: WEFT_THREADS is defined by the threads build (BuildOptions.threads) (asc --use), unknown to TypeScript
if (!isDefined(WEFT_THREADS)) T.init();
