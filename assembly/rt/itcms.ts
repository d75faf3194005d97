// itcms.ts: AssemblyScript's tri-color mark & sweep collector (std/assembly/rt/itcms.ts of
// asc 0.28.20), changed for the threads build: collections stop the world.
//
// Model. Every thread allocates objects into its own new-object list (rt/heap.ts), with
// no lock. `__new` adds what a thread allocated to the shared total every FLUSH_BYTES;
// when the total passes the threshold it asks for a collection. A collection runs on the
// thread that asked, with the world stopped: it raises the request word, then waits until
// every other registered thread is parked (at a safepoint: `__new`'s accounting point, or
// `gcSafepoint`, which the M:N scheduler's safepoints are to call: not yet) or idle
// (outside wasm, or in the scheduler's idle loop: `worldLeave`/`worldEnter`). Then, alone, under the heap lock, it
// splices every thread's new list into the from-space, and runs the stock full cycle
// (mark from the roots, sweep), whose roots are:
//   - the globals (`__visit_globals`; the build moved module variables into shared memory,
//     so these are everyone's);
//   - the pinned objects (a table here, not a list: unlinking an object from another
//     thread's new list while it allocates would race);
//   - every thread's shadow-stack range [sp, top): its own from the stack pointer, a parked
//     thread's from the pointer it published when it parked, an idle thread's is empty;
//   - every fiber's saved data, through the fiber records (assembly/fiber.ts `__visit`),
//     which the live list keeps.
// Dead small objects go back in batches to the central lists, large ones to TLSF.
//
// Invariants:
//   - no mutator ever runs while the collector is in its mark or sweep phase, so the write
//     barrier `__link` is empty and the switch's `gc_marking` is bound to false (build);
//   - a thread that leaves the parked or idle state marks itself running first and then
//     re-checks the request word, while the collector raises the request first and then
//     reads every thread's mode: with sequentially consistent atomics either the collector
//     sees it running and waits for it, or it sees the request and stops again;
//   - `__new` reaches its safepoint before it allocates, so the object being made is
//     never half-linked during a collection; the heap lock is never held there.
//   - no function keeps a wasm local it needs across a futex wait: every wait is a call of
//     rt/lock.ts `futexWait` (see there why), and `park` always leaves through `worldEnter`.
//
// Rejected: the stock incremental steps inside `__new` (they interleave with other
// threads' mutations: THREADS.md); a write barrier per store instead of stopping (every
// store would pay for threads); collecting on a dedicated thread (it must still stop the
// others to read their stacks).

import { BLOCK, BLOCK_OVERHEAD, OBJECT_OVERHEAD, OBJECT_MAXSIZE, TOTAL_OVERHEAD, DEBUG, PROFILE } from "~lib/rt/common";
import { oncollect } from "~lib/rt/rtrace";
import { TypeinfoFlags } from "~lib/shared/typeinfo";
import { E_ALLOCATION_TOO_LARGE, E_ALREADY_PINNED, E_NOT_PINNED } from "~lib/util/error";
import { heapRoot, allocateBlock, freeBlock, Block } from "./tlsf";
import { futexWait } from "./lock";
import {
  threadRecord, newList, lockHeap, unlockHeap, sweepFree, sweepDone, THREAD_TABLE, MAX_THREADS,
  MODE_IDLE, MODE_RUNNING, MODE_PARKED,
} from "./heap";

// @ts-ignore: decorator
@lazy let white = 0;
// @ts-ignore: decorator
@inline const gray = 2;
// @ts-ignore: decorator
@inline const transparent = 3;
// @ts-ignore: decorator
@inline const COLOR_MASK = 3;

// @ts-ignore: decorator
@inline const STATE_IDLE = 0;
// @ts-ignore: decorator
@inline const STATE_MARK = 1;
// @ts-ignore: decorator
@inline const STATE_SWEEP = 2;
// @ts-ignore: decorator
@lazy let state = STATE_IDLE;

// @ts-ignore: decorator
@lazy let fromSpace = initLazy(changetype<Object>(memory.data(offsetof<Object>())));
// @ts-ignore: decorator
@lazy let toSpace = initLazy(changetype<Object>(memory.data(offsetof<Object>())));
// @ts-ignore: decorator
@lazy let iter: Object = changetype<Object>(0); // unsafe initializion below

function initLazy(space: Object): Object {
  space.nextWithColor = changetype<usize>(space);
  space.prev = space;
  return space;
}

// The world's words (shared): the request, the collections made, the total of object
// bytes, the threshold, the pin table.
// @ts-ignore: decorator
@lazy const WORLD: usize = memory.data(32, 16);
// @ts-ignore: decorator
@inline const W_WANTED: usize = 0;
// @ts-ignore: decorator
@inline const W_COLLECTIONS: usize = 8;
// @ts-ignore: decorator
@inline const W_TOTAL: usize = 12;
// @ts-ignore: decorator
@inline const W_THRESHOLD: usize = 16;
// @ts-ignore: decorator
@inline const W_PINS: usize = 20;
// @ts-ignore: decorator
@inline const W_PIN_COUNT: usize = 24;
// @ts-ignore: decorator
@inline const W_PIN_CAP: usize = 28;

/** Bytes a thread allocates between two additions to the shared total (and safepoints). */
// @ts-ignore: decorator
@inline const FLUSH_BYTES: usize = 16384;
/**
 * Smallest threshold: a collection stops every thread, so it should not come too often
 * (4 MiB of objects; `--use WEFT_GC_MIN_BYTES=n` changes it, for tests).
 */
// @ts-ignore: decorator, WEFT_GC_MIN_BYTES is defined by asc --use
@inline const MIN_THRESHOLD: usize = isDefined(WEFT_GC_MIN_BYTES) ? <usize>WEFT_GC_MIN_BYTES : 4 << 20;

// @ts-ignore: decorator
@inline const VISIT_SCAN = 0;

/** Represents a managed object in memory, consisting of a header followed by the object's data. */
@unmanaged class Object extends BLOCK {
  nextWithColor: usize;
  prev: Object;
  rtId: u32;
  rtSize: u32;

  get next(): Object {
    return changetype<Object>(this.nextWithColor & ~COLOR_MASK);
  }

  set next(obj: Object) {
    this.nextWithColor = changetype<usize>(obj) | (this.nextWithColor & COLOR_MASK);
  }

  get color(): i32 {
    return i32(this.nextWithColor & COLOR_MASK);
  }

  set color(color: i32) {
    this.nextWithColor = (this.nextWithColor & ~COLOR_MASK) | color;
  }

  get size(): usize {
    return BLOCK_OVERHEAD + (this.mmInfo & ~3);
  }

  get isPointerfree(): bool {
    let rtId = this.rtId;
    return rtId <= idof<string>() || (__typeinfo(rtId) & TypeinfoFlags.POINTERFREE) != 0;
  }

  unlink(): void {
    let next = this.next;
    if (next == null) {
      if (DEBUG) assert(this.prev == null && changetype<usize>(this) < __heap_base);
      return; // static data not yet linked
    }
    let prev = this.prev;
    if (DEBUG) assert(prev);
    next.prev = prev;
    prev.next = next;
  }

  linkTo(list: Object, withColor: i32): void {
    let prev = list.prev;
    this.nextWithColor = changetype<usize>(list) | withColor;
    this.prev = prev;
    prev.next = this;
    list.prev = this;
  }

  makeGray(): void {
    if (this == iter) iter = assert(this.prev);
    this.unlink();
    this.linkTo(toSpace, this.isPointerfree ? i32(!white) : gray);
  }
}

// ─── stopping the world ─────────────────────────────────────────────────────────────────

// @ts-ignore: decorator
@inline function setMode(h: usize, mode: i32): void {
  atomic.store<i32>(h, mode);
  atomic.notify(h);
}

/** Sleeps until no collection is wanted (the waits go through rt/lock.ts `futexWait`). */
function waitWorld(): void {
  while (atomic.load<i32>(WORLD, W_WANTED) != 0) futexWait(WORLD + W_WANTED, 1);
}

/** The calling thread starts running heap code; waits while a collection is under way. */
export function worldEnter(): void {
  while (true) {
    setMode(threadRecord(), MODE_RUNNING);
    if (atomic.load<i32>(WORLD, W_WANTED) == 0) return;
    setMode(threadRecord(), MODE_IDLE);
    waitWorld();
  }
}

/** The calling thread stops running heap code (returns to its host, or idles). */
export function worldLeave(): void {
  let h = threadRecord();
  flushAllocated(h);
  store<usize>(h, load<usize>(h, 8), 4);
  setMode(h, MODE_IDLE);
}

/** A safepoint: parks the calling thread while a collection is wanted. */
// @ts-ignore: decorator
@inline export function gcSafepoint(): void {
  if (atomic.load<i32>(WORLD, W_WANTED)) park();
}

/**
 * Publishes this thread's stack, stops, and waits out the collection; then runs again.
 * Only running code reaches it (`__new`'s accounting point, `gcSafepoint`, a collection
 * asked for while another is under way), so it always leaves through `worldEnter`: it
 * keeps nothing in a local across the wait (rt/lock.ts says why). It once saved the mode
 * it was entered in and restored it afterwards; that local read 0 after the wait, the
 * thread went on running marked idle, and the next collections neither waited for it nor
 * scanned its stack: they freed objects it still held (tests/threads.test.ts, the
 * collection test).
 */
function park(): void {
  let h = threadRecord();
  store<usize>(h, __stack_pointer, 4);
  setMode(h, MODE_PARKED);
  waitWorld();
  worldEnter();
}

/** Adds a thread's pending allocation count to the total. */
// @ts-ignore: decorator
@inline function flushAllocated(h: usize): void {
  let bytes = load<usize>(h, 12);
  if (bytes) {
    store<usize>(h, 0, 12);
    atomic.add<u32>(WORLD, <u32>bytes, W_TOTAL);
  }
}

/** Collections made so far. */
export function collections(): u32 {
  return atomic.load<u32>(WORLD, W_COLLECTIONS);
}

/**
 * Runs a full collection with the world stopped, or, if another thread is already
 * collecting, parks until it is done.
 */
export function collectWorld(): void {
  let h = threadRecord();
  if (atomic.cmpxchg<i32>(WORLD, 0, 1, W_WANTED) != 0) {
    park();
    return;
  }
  // @ts-ignore: WEFT_GC_NO_WAIT is a test hook (asc --use): the negative control
  if (!isDefined(WEFT_GC_NO_WAIT)) {
    // until one whole pass finds no thread running
    let waited = true;
    while (waited) {
      waited = false;
      for (let i = 0; i < MAX_THREADS; i++) {
        let other = load<usize>(THREAD_TABLE + (<usize>i << 2));
        if (!other || other == h) continue;
        while (atomic.load<i32>(other) == MODE_RUNNING) {
          futexWait(other, MODE_RUNNING);
          waited = true;
        }
      }
    }
  }
  lockHeap();
  fullCollection();
  unlockHeap();
  atomic.add<u32>(WORLD, 1, W_COLLECTIONS);
  atomic.store<i32>(WORLD, 0, W_WANTED);
  atomic.notify(WORLD + W_WANTED, -1);
}

/** Moves every registered thread's new objects to the from-space and their bytes to the total. */
function gatherNewObjects(): void {
  let own = threadRecord();
  let done = false;
  for (let i = 0; i < MAX_THREADS; i++) {
    let h = load<usize>(THREAD_TABLE + (<usize>i << 2));
    if (!h) continue;
    if (h == own) done = true;
    gatherFrom(h);
  }
  if (!done) gatherFrom(own);
}

function gatherFrom(h: usize): void {
  flushAllocated(h);
  let list = changetype<Object>(newList(h));
  let first = list.next;
  if (first == list) return;
  let last = list.prev;
  // append [first .. last] to the from-space, keeping their colors
  let fromPrev = fromSpace.prev;
  first.prev = fromPrev;
  fromPrev.next = first;
  last.next = fromSpace;
  fromSpace.prev = last;
  list.nextWithColor = changetype<usize>(list);
  list.prev = list;
}

function fullCollection(): void {
  gatherNewObjects();
  if (state > STATE_IDLE) {
    while (state != STATE_IDLE) step();
  }
  step();
  while (state != STATE_IDLE) step();
  let total = atomic.load<u32>(WORLD, W_TOTAL);
  atomic.store<u32>(WORLD, max(<u32>(<u64>total * 2 <= 0xFFFF_FFFF ? total * 2 : 0xFFFF_FFFF), <u32>MIN_THRESHOLD), W_THRESHOLD);
  if (PROFILE) oncollect(total);
}

// ─── the stock cycle, with the roots above ──────────────────────────────────────────────

function visitRoots(cookie: u32): void {
  __visit_globals(cookie);
  let pins = load<usize>(WORLD, W_PINS);
  let n = load<u32>(WORLD, W_PIN_COUNT);
  for (let i: u32 = 0; i < n; i++) __visit(load<usize>(pins + (<usize>i << 2)), cookie);
}

/** Every thread's shadow-stack range: the collector's own, the others' as published. */
function visitStack(cookie: u32): void {
  let own = threadRecord();
  visitRange(__stack_pointer, load<usize>(own, 8), cookie);
  for (let i = 0; i < MAX_THREADS; i++) {
    let h = load<usize>(THREAD_TABLE + (<usize>i << 2));
    if (!h || h == own) continue;
    // @ts-ignore: WEFT_GC_NO_WAIT also skips the others' stacks (the negative control)
    if (isDefined(WEFT_GC_NO_WAIT)) continue;
    visitRange(load<usize>(h, 4), load<usize>(h, 8), cookie);
  }
}

function visitRange(ptr: usize, top: usize, cookie: u32): void {
  while (ptr < top) {
    __visit(load<usize>(ptr), cookie);
    ptr += sizeof<usize>();
  }
}

function step(): usize {
  let obj: Object;
  switch (state) {
    case STATE_IDLE: {
      state = STATE_MARK;
      visitRoots(VISIT_SCAN);
      iter = toSpace;
      return 1;
    }
    case STATE_MARK: {
      let black = i32(!white);
      obj = iter.next;
      while (obj != toSpace) {
        iter = obj;
        if (obj.color != black) {
          obj.color = black;
          __visit_members(changetype<usize>(obj) + TOTAL_OVERHEAD, VISIT_SCAN);
          return 1;
        }
        obj = obj.next;
      }
      visitRoots(VISIT_SCAN);
      obj = iter.next;
      if (obj == toSpace) {
        visitStack(VISIT_SCAN);
        obj = iter.next;
        while (obj != toSpace) {
          if (obj.color != black) {
            obj.color = black;
            __visit_members(changetype<usize>(obj) + TOTAL_OVERHEAD, VISIT_SCAN);
          }
          obj = obj.next;
        }
        let from = fromSpace;
        fromSpace = toSpace;
        toSpace = from;
        white = black;
        iter = from.next;
        state = STATE_SWEEP;
      }
      return 1;
    }
    case STATE_SWEEP: {
      obj = iter;
      if (obj != toSpace) {
        iter = obj.next;
        free(obj);
        return 1;
      }
      toSpace.nextWithColor = changetype<usize>(toSpace);
      toSpace.prev = toSpace;
      sweepDone();
      state = STATE_IDLE;
      break;
    }
  }
  return 0;
}

function free(obj: Object): void {
  if (changetype<usize>(obj) < __heap_base) {
    obj.nextWithColor = 0; // may become linked again
    obj.prev = changetype<Object>(0);
  } else {
    atomic.sub<u32>(WORLD, <u32>obj.size, W_TOTAL);
    if (isDefined(__finalize)) {
      __finalize(changetype<usize>(obj) + TOTAL_OVERHEAD);
    }
    sweepFree(changetype<usize>(obj));
  }
}

// ─── AssemblyScript's collector interface ───────────────────────────────────────────────

// @ts-ignore: decorator
@global @unsafe
export function __new(size: usize, id: i32): usize {
  if (size >= OBJECT_MAXSIZE) throw new Error(E_ALLOCATION_TOO_LARGE);
  let h = threadRecord();
  // the safepoint and the accounting come before the allocation (see the invariants)
  if (load<usize>(h, 12) >= FLUSH_BYTES) account(h);
  let obj = changetype<Object>(__alloc(OBJECT_OVERHEAD + size) - BLOCK_OVERHEAD);
  obj.rtId = id;
  obj.rtSize = <u32>size;
  obj.linkTo(changetype<Object>(newList(h)), white);
  store<usize>(h, load<usize>(h, 12) + obj.size, 12);
  let ptr = changetype<usize>(obj) + TOTAL_OVERHEAD;
  memory.fill(ptr, 0, size);
  return ptr;
}

/** `__new`'s slow path: adds to the total, collects past the threshold, else a safepoint. */
function account(h: usize): void {
  flushAllocated(h);
  let threshold = atomic.load<u32>(WORLD, W_THRESHOLD);
  if (!threshold) {
    threshold = <u32>MIN_THRESHOLD;
    atomic.store<u32>(WORLD, threshold, W_THRESHOLD);
  }
  if (atomic.load<u32>(WORLD, W_TOTAL) >= threshold) collectWorld();
  else gcSafepoint();
}

// @ts-ignore: decorator
@global @unsafe
export function __renew(oldPtr: usize, size: usize): usize {
  let oldObj = changetype<Object>(oldPtr - TOTAL_OVERHEAD);
  if (size <= (oldObj.mmInfo & ~3) - OBJECT_OVERHEAD) {
    oldObj.rtSize = <u32>size;
    return oldPtr;
  }
  let newPtr = __new(size, oldObj.rtId);
  memory.copy(newPtr, oldPtr, min(size, oldObj.rtSize));
  return newPtr;
}

// @ts-ignore: decorator
@global @unsafe
export function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {
  // no mutator runs during a mark phase (the world is stopped): no barrier is needed
}

// @ts-ignore: decorator
@global @unsafe
export function __visit(ptr: usize, cookie: i32): void {
  if (!ptr) return;
  let obj = changetype<Object>(ptr - TOTAL_OVERHEAD);
  if (obj.color == white) obj.makeGray();
}

/** Index of `ptr` in the pin table, or -1 (heap lock held). */
function pinIndex(ptr: usize): i32 {
  let pins = load<usize>(WORLD, W_PINS);
  let n = load<u32>(WORLD, W_PIN_COUNT);
  for (let i: u32 = 0; i < n; i++) if (load<usize>(pins + (<usize>i << 2)) == ptr) return <i32>i;
  return -1;
}

// @ts-ignore: decorator
@global @unsafe
export function __pin(ptr: usize): usize {
  if (!ptr) return ptr;
  lockHeap();
  if (pinIndex(ptr) >= 0) {
    unlockHeap();
    throw new Error(E_ALREADY_PINNED);
  }
  let n = load<u32>(WORLD, W_PIN_COUNT);
  let cap = load<u32>(WORLD, W_PIN_CAP);
  if (n == cap) {
    let newCap = cap ? cap * 2 : 16;
    let root = heapRoot();
    let grown = changetype<usize>(allocateBlock(root, <usize>newCap << 2)) + BLOCK_OVERHEAD;
    let old = load<usize>(WORLD, W_PINS);
    if (old) {
      memory.copy(grown, old, <usize>n << 2);
      freeBlock(root, changetype<Block>(old - BLOCK_OVERHEAD));
    }
    store<usize>(WORLD, grown, W_PINS);
    store<u32>(WORLD, newCap, W_PIN_CAP);
  }
  store<usize>(load<usize>(WORLD, W_PINS) + (<usize>n << 2), ptr);
  store<u32>(WORLD, n + 1, W_PIN_COUNT);
  unlockHeap();
  return ptr;
}

// @ts-ignore: decorator
@global @unsafe
export function __unpin(ptr: usize): void {
  if (!ptr) return;
  lockHeap();
  let i = pinIndex(ptr);
  if (i < 0) {
    unlockHeap();
    throw new Error(E_NOT_PINNED);
  }
  let pins = load<usize>(WORLD, W_PINS);
  let n = load<u32>(WORLD, W_PIN_COUNT) - 1;
  store<usize>(pins + (<usize>i << 2), load<usize>(pins + (<usize>n << 2)));
  store<u32>(WORLD, n, W_PIN_COUNT);
  unlockHeap();
}

// @ts-ignore: decorator
@global @unsafe
export function __collect(): void {
  collectWorld();
}
