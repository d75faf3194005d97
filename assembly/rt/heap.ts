// heap.ts: the threads build's heap front end: per-thread caches of small blocks in front
// of the shared TLSF heap (rt/tlsf.ts), the heap lock, and the registry of threads that
// the collector (rt/itcms.ts) stops.
//
// Model. Small blocks (TLSF sizes up to SMALL_MAX bytes, 16 size classes of 16 bytes) are
// served from the running thread's own free list per class, with no lock and no atomic
// operation. An empty list is refilled with a batch of BATCH blocks under the heap lock:
// a batch another thread or the collector gave back (a stack of batches per class, the
// "central" lists), else one TLSF block cut into BATCH blocks (`carve`). A
// list that grows past 2 x BATCH gives a batch back. Larger blocks go to TLSF under the
// lock. So the lock is taken about once per BATCH small allocations instead of once per
// allocation: THREADS.md measured that one lock around every allocation made two threads
// allocate no more than one.
//
// Invariants:
//   - a cached block is a *used* block to TLSF, with a size word and tags of its own
//     (`carve` cuts TLSF blocks into them): its size is right (stack.ts `capacity` reads
//     it), TLSF never merges into it, and it can later be freed to TLSF (a `__realloc`
//     that moves it does);
//   - a block's class is a function of its size word alone, so any thread may free a block
//     another thread allocated: it goes to the freeing thread's list;
//   - blocks of a class never return to TLSF (a program that stops using small objects
//     keeps their memory for later ones, as segregated allocators do);
//   - the lock is never held across a safepoint, so the collector can always stop the
//     world (rt/itcms.ts).
//
// The thread record (one per registered thread; thread 0's and the start-up code's is
// static) holds the caches, the thread's list of objects allocated since the last
// collection, its pending allocation count, and what the collector needs to stop it: its
// mode (running, parked, idle) and its published stack range [sp, top).
//
// Rejected: a lock around the stock allocator (correct, does not scale: THREADS.md);
// handing whole pages to threads (needs a page map to free across threads and does not
// fit TLSF's in-band headers); lock-free central lists (a CAS stack needs ABA protection
// and the lock is taken rarely enough not to matter).

import { BLOCK_OVERHEAD } from "~lib/rt/common";
import { Root, Block, heapRoot, allocateBlock, reallocateBlock, freeBlock, moveBlock, checkUsedBlock } from "./tlsf";
import { lockWord, unlockWord } from "./lock";

/** Size classes: class c holds TLSF blocks of (c + 1) * 16 - 4 bytes (12, 28, ..., 252). */
// @ts-ignore: decorator
@inline export const CLASSES: usize = 16;
/** Largest TLSF block size served from the caches. */
// @ts-ignore: decorator
@inline export const SMALL_MAX: usize = CLASSES * 16 - 4;
/** Blocks moved between a thread's cache and the central lists at once. */
// @ts-ignore: decorator
@inline const BATCH: u32 = 64;
/** Most threads one program registers. */
// @ts-ignore: decorator
@inline export const MAX_THREADS: i32 = 64;

// Thread record layout (THREAD_RECORD bytes, 16-aligned):
//  0  mode       i32   MODE_*: written by its thread (atomic), read by the collector
//  4  sp         addr  the stack pointer it parked or went idle at
//  8  top        addr  the top of its shadow stack
//  12 allocated  usize bytes of objects allocated since it last added them to the total
//  16 newList    20 B  sentinel of its new-object list (an itcms Object header)
//  40 heads      16 x addr  free list per class (linked through each block's first word)
//  104 counts    16 x u32
//  168 index     i32
// @ts-ignore: decorator
@inline export const THREAD_RECORD: usize = 176;
// @ts-ignore: decorator
@inline export const MODE_IDLE: i32 = 0;
// @ts-ignore: decorator
@inline export const MODE_RUNNING: i32 = 1;
// @ts-ignore: decorator
@inline export const MODE_PARKED: i32 = 2;

/** This thread's record (0 until the thread registers: the start-up code uses the static one). */
let tHeap: usize = 0;

// @ts-ignore: decorator
@lazy const STATIC_RECORD: usize = memory.data(<i32>THREAD_RECORD, 16);
/** Registered records by thread index (0 = none). */
// @ts-ignore: decorator
@lazy export const THREAD_TABLE: usize = memory.data(MAX_THREADS * 4, 16);
/** The heap lock (rt/lock.ts), the central batch stacks per class, the batch counter. */
// @ts-ignore: decorator
@lazy const HEAP_LOCK: usize = memory.data(4, 16);
// @ts-ignore: decorator
@lazy const CENTRAL: usize = memory.data(<i32>(CLASSES * 4), 16);

/** The running thread's record; the static one before any thread registered. */
// @ts-ignore: decorator
@inline export function threadRecord(): usize {
  let h = tHeap;
  return h ? h : staticRecord();
}

/** The static record (thread 0's), set up on first use. */
export function staticRecord(): usize {
  let h = STATIC_RECORD;
  if (!load<usize>(h, 8)) initRecord(h, __heap_base, 0);
  return h;
}

/** Prepares a zeroed record: empty caches, an empty new-object list, idle at `top`. */
function initRecord(h: usize, top: usize, index: i32): void {
  store<usize>(h, top, 4);
  store<usize>(h, top, 8);
  let sentinel = h + 16;
  // an itcms Object header: mmInfo, nextWithColor, prev (rt/itcms.ts `initList`)
  store<usize>(sentinel, sentinel, 4);
  store<usize>(sentinel, sentinel, 8);
  store<i32>(h, index, 168);
}

/** The sentinel of a record's new-object list. */
// @ts-ignore: decorator
@inline export function newList(h: usize): usize {
  return h + 16;
}

/**
 * Registers the calling thread as thread `index` with the record at `h` (THREAD_RECORD
 * zeroed bytes, or 0 for thread 0's static one) and its shadow-stack top. Idle until it
 * enters (rt/itcms.ts `worldEnter`).
 */
export function registerThread(index: i32, h: usize, top: usize): void {
  if (index == 0) {
    h = staticRecord();
    store<usize>(h, top, 4);
    store<usize>(h, top, 8);
  } else {
    initRecord(h, top, index);
  }
  tHeap = h;
  store<usize>(THREAD_TABLE + (<usize>index << 2), h);
}

// ─── the lock ───────────────────────────────────────────────────────────────────────────

// @ts-ignore: decorator
@inline export function lockHeap(): void {
  // @ts-ignore: WEFT_HEAP_NO_LOCK is a test hook (asc --use): the negative control
  if (!isDefined(WEFT_HEAP_NO_LOCK)) lockWord(HEAP_LOCK);
}

// @ts-ignore: decorator
@inline export function unlockHeap(): void {
  // @ts-ignore: WEFT_HEAP_NO_LOCK is a test hook (asc --use)
  if (!isDefined(WEFT_HEAP_NO_LOCK)) unlockWord(HEAP_LOCK);
}

// ─── small blocks ───────────────────────────────────────────────────────────────────────

/** TLSF's size of a block asked for `size` bytes (tlsf.ts `computeSize`). */
// @ts-ignore: decorator
@inline function blockSize(size: usize): usize {
  return size <= 12 ? 12 : ((size + BLOCK_OVERHEAD + 15) & ~15) - BLOCK_OVERHEAD;
}

// @ts-ignore: decorator
@inline function classOf(blockBytes: usize): usize {
  return ((blockBytes + BLOCK_OVERHEAD) >> 4) - 1;
}

/** Takes a block of class `c` from the running thread's cache, refilling it if empty. */
// @ts-ignore: decorator
@inline function takeSmall(c: usize): usize {
  let h = threadRecord();
  let slot = h + 40 + (c << 2);
  let block = load<usize>(slot);
  if (!block) block = refill(h, c);
  store<usize>(slot, load<usize>(block, BLOCK_OVERHEAD));
  let count = h + 104 + (c << 2);
  store<u32>(count, load<u32>(count) - 1);
  return block;
}

/** Fills thread record `h`'s list of class `c` with a batch; returns its first block. */
function refill(h: usize, c: usize): usize {
  lockHeap();
  let stack = CENTRAL + (c << 2);
  let batch = load<usize>(stack);
  let n: u32 = BATCH;
  if (batch) {
    store<usize>(stack, load<usize>(batch, BLOCK_OVERHEAD + 4));
    n = load<u32>(batch, BLOCK_OVERHEAD + 8);
  } else {
    batch = carve(heapRoot(), c);
  }
  unlockHeap();
  store<usize>(h + 40 + (c << 2), batch);
  store<u32>(h + 104 + (c << 2), n);
  return batch;
}

/**
 * Takes BATCH blocks of class `c` from TLSF (heap lock held), linked through their first
 * words: one TLSF allocation of BATCH blocks' worth, cut into BATCH blocks. Each piece gets
 * a size word of its own, so that to TLSF it is a used block like any other (the invariants
 * at the top of this file): its left tag is clear (every piece's left neighbour is used),
 * except the first piece's, which keeps the whole block's (its left neighbour is TLSF's);
 * the last piece takes whatever TLSF gave beyond BATCH blocks (less than one block, so its
 * class is still `c`), and the block after it already has a used left neighbour. A piece
 * freed to TLSF later (a `__realloc` that moves it) then merges and splits like any block.
 * (An earlier version cut blocks the same way and saw the heap corrupted with four or more
 * threads; that was the heap lock's waiter losing its address across a futex wait,
 * rt/lock.ts, fixed since.)
 */
function carve(root: Root, c: usize): usize {
  let stride = (c + 1) << 4;
  let whole = changetype<usize>(allocateBlock(root, <usize>BATCH * stride - BLOCK_OVERHEAD));
  let info = load<usize>(whole);
  let end = whole + BLOCK_OVERHEAD + (info & ~3);
  let leftTag = info & 2;
  let first: usize = 0;
  let block = whole;
  for (let i: u32 = 0; i < BATCH; i++) {
    let next = i == BATCH - 1 ? end : block + stride;
    store<usize>(block, (next - block - BLOCK_OVERHEAD) | (i == 0 ? leftTag : 0));
    store<usize>(block, first, BLOCK_OVERHEAD);
    first = block;
    block = next;
  }
  return first;
}

/** Gives a small block back to the running thread's cache. */
function putSmall(block: usize, c: usize): void {
  let h = threadRecord();
  let slot = h + 40 + (c << 2);
  let count = h + 104 + (c << 2);
  store<usize>(block, load<usize>(slot), BLOCK_OVERHEAD);
  store<usize>(slot, block);
  let n = load<u32>(count) + 1;
  if (n < 2 * BATCH) {
    store<u32>(count, n);
    return;
  }
  // the list is long: give its first BATCH blocks back as a batch
  let last = block;
  for (let i: u32 = 1; i < BATCH; i++) last = load<usize>(last, BLOCK_OVERHEAD);
  store<usize>(slot, load<usize>(last, BLOCK_OVERHEAD));
  store<usize>(last, 0, BLOCK_OVERHEAD);
  store<u32>(count, n - BATCH);
  lockHeap();
  pushBatch(c, block, BATCH);
  unlockHeap();
}

/** Pushes a chain of `n` blocks of class `c` on the central stack (heap lock held). */
export function pushBatch(c: usize, first: usize, n: u32): void {
  let stack = CENTRAL + (c << 2);
  store<usize>(first, load<usize>(stack), BLOCK_OVERHEAD + 4);
  store<u32>(first, n, BLOCK_OVERHEAD + 8);
  store<usize>(stack, first);
}

// ─── the collector's frees (world stopped, heap lock held) ──────────────────────────────

// @ts-ignore: decorator
@lazy const SWEEP_HEADS: usize = memory.data(<i32>(CLASSES * 4), 16);
// @ts-ignore: decorator
@lazy const SWEEP_COUNTS: usize = memory.data(<i32>(CLASSES * 4), 16);

/** Frees a block found dead by the collector: small ones gather into batches. */
export function sweepFree(block: usize): void {
  let size = load<usize>(block) & ~3;
  if (size > SMALL_MAX) {
    freeBlock(heapRoot(), changetype<Block>(block));
    return;
  }
  let c = classOf(size);
  let head = SWEEP_HEADS + (c << 2);
  let count = SWEEP_COUNTS + (c << 2);
  store<usize>(block, load<usize>(head), BLOCK_OVERHEAD);
  store<usize>(head, block);
  let n = load<u32>(count) + 1;
  if (n == BATCH) {
    pushBatch(c, block, n);
    store<usize>(head, 0);
    n = 0;
  }
  store<u32>(count, n);
}

/** Hands the collector's partial batches to the central stacks (end of a sweep). */
export function sweepDone(): void {
  for (let c: usize = 0; c < CLASSES; c++) {
    let n = load<u32>(SWEEP_COUNTS + (c << 2));
    if (n) pushBatch(c, load<usize>(SWEEP_HEADS + (c << 2)), n);
    store<usize>(SWEEP_HEADS + (c << 2), 0);
    store<u32>(SWEEP_COUNTS + (c << 2), 0);
  }
}

// ─── AssemblyScript's allocator interface ───────────────────────────────────────────────

// @ts-ignore: decorator
@global @unsafe
export function __alloc(size: usize): usize {
  let bytes = blockSize(size);
  if (bytes <= SMALL_MAX) return takeSmall(classOf(bytes)) + BLOCK_OVERHEAD;
  lockHeap();
  let block = changetype<usize>(allocateBlock(heapRoot(), size));
  unlockHeap();
  return block + BLOCK_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __realloc(ptr: usize, size: usize): usize {
  lockHeap();
  let root = heapRoot();
  let block = ptr < __heap_base
    ? changetype<usize>(moveBlock(root, checkUsedBlock(ptr), size))
    : changetype<usize>(reallocateBlock(root, checkUsedBlock(ptr), size));
  unlockHeap();
  return block + BLOCK_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __free(ptr: usize): void {
  if (ptr < __heap_base) return;
  let block = changetype<usize>(checkUsedBlock(ptr));
  let size = load<usize>(block) & ~3;
  if (size <= SMALL_MAX) {
    putSmall(block, classOf(size));
    return;
  }
  lockHeap();
  freeBlock(heapRoot(), changetype<Block>(block));
  unlockHeap();
}
