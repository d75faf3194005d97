// stack.ts: where a suspended fiber's stacks go.
//
// A running fiber owns two stacks that are not the host's call stack:
//   - the *asyncify frames*, written only while it unwinds: each instrumented function on
//     the way out stores its locals and the index of the call it was in;
//   - the *shadow stack*, AssemblyScript's stack of managed references that live across
//     calls (the GC scans it as roots), addressed by the global `__stack_pointer`.
//
// Model: every fiber runs on the one shadow-stack region and unwinds into one scratch area.
// When it suspends, the trampoline copies exactly what it used (frames + shadow slice) into
// a per-fiber *saved block* allocated to fit; when it resumes, the slice is copied back and
// the frames are rewound straight from the saved block. A parked fiber therefore costs what
// it actually uses, not a fixed stack.
//
// Rejected: one fixed shadow stack and one fixed asyncify buffer per fiber. Simpler, but a
// fiber parked one call deep would pay kilobytes (Go pays ~2.7 KB) and the GC would have to
// know about every region; the copy costs a few nanoseconds for the shallow stacks that
// dominate real programs.
//
// Scratch area (static, one per instance):
//
//   SCRATCH ─► ┌────────────┬─────────┬─────────┬──────────────────────────┬──────────────────────┐
//              │ LOW GUARD  │ current │ end     │ frame area               │ HIGH GUARD ZONE      │
//              │ 16 B       │ 4 B     │ 4 B     │ SCRATCH_SIZE B           │ GUARD_SIZE B (1 MiB) │
//              └────────────┴─────────┴─────────┴──────────────────────────┴──────────────────────┘
//                canaries    asyncify's data header   end ─┘               canaries in the first
//                                                                          16 B, zeros after
//
// Asyncify compares `current` with `end` only once the whole unwind has been written (in
// `stop_unwind`), so an unwind larger than the frame area first writes past `end`. The
// high guard zone absorbs that overrun: it holds nothing, and its pages cost no physical
// memory until an overrun touches them. Before stopping an unwind the trampoline reads
// `current`, which says exactly how far the unwind wrote:
//   - within the frame area: the normal case;
//   - within the guard zone: the fiber fails with a scratch overflow (the option that
//     raises the limit is named) and every other fiber goes on untouched;
//   - beyond the guard zone: memory after it was overwritten, so the program stops at
//     once with a fatal error instead of running on corrupted memory.
// The zone is sized well above what the host's own call stack allows (an unwind saves a
// few bytes per frame; V8's default stack holds some tens of thousands of wasm frames).
// The canaries at both ends catch stray writes from elsewhere; they are checked on every
// switch.
//
// Saved block (per suspended fiber, from the allocator, sized exactly to what it holds):
//
//   saved ─► ┌─────────┬─────────┬────────────┬───────┬─────────────────┬────────────────────┬────────┐
//            │ current │ end     │ sliceBytes │ since │ asyncify frames │ shadow-stack slice │ CANARY │
//            │ 4 B     │ 4 B     │ 4 B        │ 4 B   │ frameBytes      │ sliceBytes         │ 4 B    │
//            └─────────┴─────────┴────────────┴───────┴─────────────────┴────────────────────┴────────┘
//             asyncify's header                        ▲ saved + 16      ▲ end
//
// The block's capacity is not stored: it is the allocator's own size of the block (TLSF
// keeps it in the word before the block; AssemblyScript 0.28's layout, pinned in
// package.json).
//
// `since` is the scheduler's switch count when the fiber last suspended: dumps turn it into
// how long a blocked fiber has waited (the host maps switch counts to time).
//
// `current == end == top of the frames` while suspended: ready for `start_rewind`, which
// pops frames from the top down (the outermost frame was saved last). Frames are position
// independent, so copying them out of the scratch area is sound. The slice holds managed
// references: the fiber's record visits them for the GC while `sliceBytes` is non-zero
// (fiber.ts); it is zeroed when the slice is copied back for a resume. A block is reused
// while the next suspension fits and is not less than half of it.
//
// Shadow stack (AssemblyScript's own region, between `__data_end` and `__heap_base`):
//
//   __data_end ─► ┌──────────┬───────────────────────────────┬──────────────┐ ◄─ __heap_base
//                 │ GUARD    │ ... grows down ◄── fiber frames │ scheduler    │
//                 │ 16 B     │                               │ frame        │
//                 └──────────┴───────────────────────────────┴──────────────┘
//                                                 fiber base ┘
//
// AssemblyScript aborts with "stack overflow" before its stack pointer crosses
// `__data_end`; the guard words catch anything that writes below the stack without that
// check.

import { DEFAULT_SCRATCH_SIZE, DEFAULT_GUARD_SIZE } from "./layout";

/** Canary word of the scratch guards. */
// @ts-ignore: decorator
@inline const SCRATCH_CANARY: u32 = 0x5C7A_7C4E;
/** Canary word that ends every saved block. */
// @ts-ignore: decorator
@inline const SAVED_CANARY: u32 = 0xF1BE_5AFE;
/** Canary word of the shadow-stack guard. */
// @ts-ignore: decorator
@inline const SHADOW_CANARY: u32 = 0x57AC_6A2D;

/** Bytes of asyncify frames one unwind may save (`weft build --scratch-size`). */
// @ts-ignore: decorator
@inline export const SCRATCH_SIZE: usize = isDefined(WEFT_SCRATCH_SIZE) ? <usize>WEFT_SCRATCH_SIZE : <usize>DEFAULT_SCRATCH_SIZE;
/** Bytes of the zone after the scratch area that absorbs an overflowing unwind. */
// @ts-ignore: decorator
@inline export const GUARD_SIZE: usize = isDefined(WEFT_GUARD_SIZE) ? <usize>WEFT_GUARD_SIZE : <usize>DEFAULT_GUARD_SIZE;
/** Bytes of the low scratch guard and of the shadow-stack guard. */
// @ts-ignore: decorator
@inline const LOW_GUARD: usize = 16;
/** Bytes of asyncify's data header `{ current, end }` (scratch area). */
// @ts-ignore: decorator
@inline const ASYNCIFY_HEADER: usize = 8;
/** Bytes of a saved block's header: asyncify's, then `sliceBytes` and `since`. */
// @ts-ignore: decorator
@inline export const SAVED_HEADER: usize = 16;

/** Bytes of a scratch area: low guard + header + frame area + high guard. */
// @ts-ignore: decorator
@inline export const SCRATCH_BYTES: usize = LOW_GUARD + ASYNCIFY_HEADER + SCRATCH_SIZE + GUARD_SIZE;
// Static storage (thread 0's with threads).
// @ts-ignore: decorator
@lazy const SCRATCH: usize = memory.data(<i32>SCRATCH_BYTES, 16);

// The threads build (build/threads.ts) gives each thread its own scratch area and
// shadow-stack region, in these per-thread globals (assembly/threads.ts sets them); the
// build makes every read of `__data_end`, AssemblyScript's stack limit, read `tStackLimit`.
// The default build folds the accessors below to the static addresses.
/** This thread's scratch area (threads build). */
let tScratch: usize = 0;
/** Lowest address of this thread's shadow-stack region (threads build). */
let tStackLimit: usize = 0;
/** Top of this thread's shadow-stack region: its stack pointer when nothing runs. */
let tStackTop: usize = 0;

// @ts-ignore: decorator
@inline function scratchBase(): usize {
  // @ts-ignore: WEFT_THREADS is defined by the threads build (BuildOptions.threads) (asc --use), unknown to TypeScript
  return isDefined(WEFT_THREADS) ? tScratch : SCRATCH;
}

/** Threads build: this thread's stacks (set once per thread by assembly/threads.ts). */
export function setThreadStacks(scratch: usize, limit: usize, top: usize): void {
  tScratch = scratch;
  tStackLimit = limit;
  tStackTop = top;
}

/** Thread 0's (the only thread's without threads) static scratch area. */
export function staticScratch(): usize {
  return SCRATCH;
}

/** The asyncify scratch area that every unwind writes into. */
export namespace Scratch {
  /** Address of asyncify's data header. */
  // @ts-ignore: decorator
  @inline export function header(): usize {
    return scratchBase() + LOW_GUARD;
  }

  /** First byte of the frame area. */
  // @ts-ignore: decorator
  @inline export function frames(): usize {
    return scratchBase() + LOW_GUARD + ASYNCIFY_HEADER;
  }

  /** First byte of the high guard (asyncify's `end`). */
  // @ts-ignore: decorator
  @inline export function limit(): usize {
    return scratchBase() + LOW_GUARD + ASYNCIFY_HEADER + SCRATCH_SIZE;
  }

  /** Prepares the header for an unwind. */
  // @ts-ignore: decorator
  @inline export function reset(): void {
    store<usize>(header(), frames());
    store<usize>(header(), limit(), sizeof<usize>());
  }

  /** Bytes the last unwind saved. */
  // @ts-ignore: decorator
  @inline export function usedBytes(): usize {
    return load<usize>(header()) - frames();
  }

  /**
   * Writes the canaries; called at start-up and after an overflow. An overflow wrote
   * frames into the zone up to `reach`: they are cleared so that the zone holds nothing.
   */
  export function armGuards(reach: usize = 0): void {
    if (reach > limit()) memory.fill(limit(), 0, min(reach, limit() + GUARD_SIZE) - limit());
    for (let p = scratchBase(); p < header(); p += 4) store<u32>(p, SCRATCH_CANARY);
    for (let p = limit(); p < limit() + LOW_GUARD; p += 4) store<u32>(p, SCRATCH_CANARY);
  }

  /** True while the canaries at both ends of the frame area are intact. */
  // @ts-ignore: decorator
  @inline export function guardsIntact(): bool {
    // one branch, not three: this runs on every switch
    return ((load<u32>(scratchBase()) ^ SCRATCH_CANARY)
          | (load<u32>(header() - 4) ^ SCRATCH_CANARY)
          | (load<u32>(limit()) ^ SCRATCH_CANARY)) == 0;
  }
}

/** The shadow stack's guard and limits. */
export namespace ShadowStack {
  /** Lowest address a fiber's shadow stack may use. */
  // @ts-ignore: decorator
  @inline export function floor(): usize {
    return __data_end + LOW_GUARD;
  }

  /** Top of the shadow-stack region: the stack pointer when no frame is on it. */
  // @ts-ignore: decorator
  @inline export function top(): usize {
    // @ts-ignore: WEFT_THREADS is defined by the threads build (BuildOptions.threads) (asc --use), unknown to TypeScript
    return isDefined(WEFT_THREADS) ? tStackTop : __heap_base;
  }

  /** Total size of the shadow-stack region (`--stack-size`). */
  // @ts-ignore: decorator
  @inline export function size(): usize {
    return top() - __data_end;
  }

  export function armGuard(): void {
    for (let p = __data_end; p < floor(); p += 4) store<u32>(p, SHADOW_CANARY);
  }

  // @ts-ignore: decorator
  @inline export function guardIntact(): bool {
    return ((load<u32>(__data_end + LOW_GUARD - 4) ^ SHADOW_CANARY) | (load<u32>(__data_end) ^ SHADOW_CANARY)) == 0;
  }
}

/**
 * Copies `bytes` (a multiple of 4) from `src` to `dst`, which do not overlap. Saved stacks
 * are mostly a few words: up to 64 bytes the copy is straight-line 8-byte moves entered
 * by one jump (a `br_table`), with no loop (V8 checks for interrupts on every loop
 * back-edge) and no call (`memory.copy` is a call out of V8's generated code); longer
 * copies use `memory.copy`.
 */
// @ts-ignore: decorator
@inline export function copyWords(dst: usize, src: usize, bytes: usize): void {
  if (bytes > 64) {
    memory.copy(dst, src, bytes);
  } else {
    let whole = bytes & ~7;
    if (bytes & 4) store<u32>(dst + whole, load<u32>(src + whole));
    // each case falls through to the next: `whole / 8` moves in all
    switch (<u32>whole >> 3) {
      case 8: store<u64>(dst, load<u64>(src, 56), 56);
      case 7: store<u64>(dst, load<u64>(src, 48), 48);
      case 6: store<u64>(dst, load<u64>(src, 40), 40);
      case 5: store<u64>(dst, load<u64>(src, 32), 32);
      case 4: store<u64>(dst, load<u64>(src, 24), 24);
      case 3: store<u64>(dst, load<u64>(src, 16), 16);
      case 2: store<u64>(dst, load<u64>(src, 8), 8);
      case 1: store<u64>(dst, load<u64>(src));
    }
  }
}

/** Per-fiber saved blocks. All functions take and return raw addresses. */
export namespace Saved {
  /** Allocation size of a block holding `frameBytes` of frames and `sliceBytes` of slice. */
  // @ts-ignore: decorator
  @inline export function sizeFor(frameBytes: usize, sliceBytes: usize): usize {
    return SAVED_HEADER + frameBytes + sliceBytes + 4;
  }

  /** Allocated bytes of a block: TLSF's size in the block's header word (flags masked). */
  // @ts-ignore: decorator
  @inline export function capacity(block: usize): usize {
    return load<usize>(block - 4) & ~3;
  }

  /** Bytes of shadow-stack slice a block holds (0 once copied back for a resume). */
  // @ts-ignore: decorator
  @inline export function sliceBytes(block: usize): usize {
    return load<u32>(block, 8);
  }

  /** Marks the slice as handed back to the shadow stack. */
  // @ts-ignore: decorator
  @inline export function releaseSlice(block: usize): void {
    store<u32>(block, 0, 8);
  }

  /** Switch count when the block was last filled (the fiber suspended). */
  // @ts-ignore: decorator
  @inline export function since(block: usize): u32 {
    return load<u32>(block, 12);
  }

  /** Address of the shadow-stack slice held by a block (the end of its frames). */
  // @ts-ignore: decorator
  @inline export function slice(block: usize): usize {
    return load<usize>(block, sizeof<usize>());
  }

  /** Allocates a block of `size` bytes. */
  // @ts-ignore: decorator
  @inline export function alloc(size: usize): usize {
    return heap.alloc(size);
  }

  /**
   * Copies the scratch frames and the shadow slice `[sp, sp + sliceBytes)` into `block`
   * (which must have room, see `sizeFor`) and arms it for a rewind.
   */
  // @ts-ignore: decorator
  @inline export function fill(block: usize, sp: usize, frameBytes: usize, sliceBytes: usize, since: u32): void {
    store<u32>(block, since, 12);
    let top = block + SAVED_HEADER + frameBytes;
    copyWords(block + SAVED_HEADER, Scratch.frames(), frameBytes);
    store<usize>(block, top);
    store<usize>(block, top, sizeof<usize>());
    store<u32>(block, <u32>sliceBytes, 8);
    copyWords(top, sp, sliceBytes);
    store<u32>(top + sliceBytes, SAVED_CANARY);
  }

  /** True if the canary after a block's slice (at `slice`, `sliceBytes` long) is intact. */
  // @ts-ignore: decorator
  @inline export function intactAt(slice: usize, sliceBytes: usize): bool {
    return load<u32>(slice + sliceBytes) == SAVED_CANARY;
  }
}
