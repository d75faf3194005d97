// run.ts: the trampoline, and the start of the program.
//
// The model (M:1). One wasm instance runs one scheduler. A fiber runs until it yields,
// parks (blocks) or ends, or is preempted at a safepoint once its time slice is over
// (slice.ts). The host enters the scheduler through one export (`__weft_run`, abi.ts) and
// the trampoline below runs fibers one after another until the program's `main` fiber
// ends, no fiber is ready, the slice is over, or its switch budget is spent (see `run`
// for why there is one); control returns to the host only then. No switch crosses into
// JavaScript.
//
// A switch (docs/ARCHITECTURE.md has the picture):
//   1. the fiber calls a suspend primitive (suspend.ts, or a channel operation that must
//      wait), which records where the fiber goes and starts an asyncify unwind;
//   2. every instrumented frame saves itself into the scratch area and returns, so control
//      comes back to the trampoline, right after its call into the fiber's entry;
//   3. the trampoline stops the unwind and moves the frames and the shadow-stack slice into
//      the fiber's saved block (stack.ts), sized to fit (`save`), then publishes the fiber
//      where its primitive said (suspend.ts `publish`);
//   4. it pops the next fiber, copies its slice back below the fiber base, sets the stack
//      pointer, starts a rewind from its saved block and calls its entry function: the
//      frames reload their locals on the way down and the primitive returns into user code.
//
// Invariants:
//   - while a fiber runs, the stack pointer is at or below the fiber base (`T.fiberBase`),
//     and the scheduler's own state lives in linear memory and globals, never on the
//     shadow stack: the trampoline holds only raw addresses, so it has no shadow frame of
//     its own that a restored slice could overlap;
//   - a suspended fiber is published only after `save` (suspend.ts);
//   - nothing instrumented runs between `beginRewind` and the entry call.
//
// Rejected designs:
//   - Trampolining through JavaScript (Emscripten's fibers): every switch pays a wasm→JS→
//     wasm round trip, about 400 ns on this machine class; ours stays in wasm.
//   - A fixed per-fiber asyncify buffer to unwind into directly: asyncify checks the bound
//     only after the whole unwind is written, so an undersized buffer is overrun; the shared
//     scratch area with a guard zone behind it absorbs an overrun until the trampoline reads
//     how far it went, and keeps each saved block exact.
//   - Virtual dispatch or a generic invoker for entry calls: each adds an instrumented frame
//     to every switch; the trampoline instead calls the entry's table index directly with
//     the argument's wasm type (EntryKind).

import { EntryKind, FiberState, Rec, F_SLOT, SLOT_IS_REF } from "../record";
import { T, S } from "../state";
import { RunStatus } from "../layout";
import { Scratch, ShadowStack, Saved, SCRATCH_SIZE, copyWords } from "../stack";
import { endUnwind, beginRewind, unwindState, UnwindState } from "../switch";
import { hostNow } from "../platform";
import { TimerHeap } from "../timer";
import { hostCallsPending } from "../hostcall";
import { spawn } from "./spawn";
import { dequeue } from "./runqueue";
import { setMain } from "./live";
import { publish } from "./suspend";
import { armPendingSleeps, flushSleeps } from "./sleep";
import { readClock, beginSlice, SWITCH_WORK } from "./slice";
import { traceOn, traceSwitch } from "../trace";
import { finish } from "./finish";
import { fireTimers } from "./fire";
import { guardFailure, corruptedFailure, scratchOverflow } from "./fail";
import { checkQueues } from "./check";
import { findRunnable, claim, idle, unpark, ended, END_MAIN } from "./runq";
import { unlockSched, holdsSched } from "./lock";

export { RunStatus };

/**
 * Is AssemblyScript's incremental GC in its mark phase? Reads the collector's private
 * state: the build binds this import to `~lib/rt/itcms/state == STATE_MARK`
 * (build/passes.ts `bindGcMarking`), which the optimizer inlines.
 */
// @ts-ignore: decorator
@external("weft", "gc_marking")
declare function gcMarking(): bool;

/**
 * Stores the suspended fiber's frames (`frameBytes` of them in the scratch area) and its
 * shadow slice `[sp, fiberBase)` in its saved block.
 */
// @ts-ignore: decorator
@inline function save(f: usize, sp: usize, base: usize, frameBytes: usize): void {
  let sliceBytes = base - sp;
  let need = Saved.sizeFor(frameBytes, sliceBytes);
  let block = Rec.saved(f);
  // keep the block while it fits and is not more than twice too big: cap / 2 <= need <= cap,
  // one unsigned comparison (cap - need wraps around when need > cap)
  if (block == 0 || Saved.capacity(block) - need > (Saved.capacity(block) >> 1)) {
    block = resizeSaved(f, block, need);
  }
  Saved.fill(block, sp, frameBytes, sliceBytes, <u32>T.switches());
  // The slice's references now live only in this record, which the GC may already have
  // scanned (black): while the GC marks, re-gray it for every white reference (write
  // barrier, itcms.ts). In its other phases every live object has the current white and
  // `__link` does nothing, yet it would still read each referenced object's header.
  if (gcMarking()) barrierSlice(f, Saved.slice(block), sliceBytes);
}

/** Replaces fiber `f`'s saved block (0: none yet) by one of at least `need` bytes. */
function resizeSaved(f: usize, block: usize, need: usize): usize {
  let cap: usize = 0;
  if (block != 0) {
    cap = Saved.capacity(block);
    heap.free(block);
  }
  block = Saved.alloc(need);
  S.addSavedBytes(<u32>(Saved.capacity(block) - cap));
  Rec.setSaved(f, block);
  return block;
}

/** The write barrier for the references in a saved slice (see `save`). */
function barrierSlice(f: usize, p: usize, bytes: usize): void {
  let end = p + bytes;
  while (p < end) {
    let ref = load<usize>(p);
    if (ref != 0) __link(f, ref, true);
    p += sizeof<usize>();
  }
}

/**
 * The first run of a fiber whose spawn argument is managed: pushes the argument as the one
 * word of the entry's caller frame, just below `base`, and frees the record's slot for the
 * fiber's operations (record.ts, "The spawn argument's root"). Returns the entry's stack
 * pointer. The word is the top of the fiber's slice from then on, so it is saved, visited
 * and restored with the fiber's own frames until the entry returns.
 */
// @ts-ignore: decorator
@inline function rootArgument(f: usize, base: usize): usize {
  let sp = base - sizeof<usize>();
  store<usize>(sp, <usize>Rec.slot(f));
  Rec.setFlags(f, Rec.flags(f) & ~SLOT_IS_REF);
  return sp;
}

/**
 * The trampoline's clock check, when the work counter ran out (slice.ts): arms the pending
 * sleeps, fires due timers; true when the slice is over.
 */
function sliceOver(): bool {
  let now = readClock();
  if (TimerHeap.size() != 0) fireTimers(now);
  return now >= T.sliceEnd();
}

/**
 * Runs fibers until `main` ends, none is ready, `budget` switches were made, or the host
 * clock reached `until` (the slice is over, slice.ts). The host's entry into the scheduler. Everything between `beginRewind` and the entry call is
 * inline: no instrumented code.
 *
 * Why a budget: V8 runs a wasm function in its baseline tier until a later *call* picks
 * up the optimized code; there is no on-stack replacement for wasm. A trampoline entered
 * once and looping forever would switch fibers in baseline code for the whole program
 * (about 1.5x slower, measured). Returning every few thousand switches costs one host
 * call per budget and lets the optimized trampoline take over.
 *
 * Every instruction here is paid on every switch; the rare paths (a new saved block, the
 * write barrier, failures, timers) are calls, so that the loop keeps its values in
 * registers.
 */
export function run(budget: u32, until: f64): RunStatus {
  let base = __stack_pointer;
  T.setFiberBase(base);
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    // back from the host's wait on the wake word (or a budget's return): running again
    unpark();
  } else {
    // @ts-ignore: WEFT_DEBUG is defined by `weft build --debug` (asc --use), unknown to TypeScript
    if (isDefined(WEFT_DEBUG)) checkQueues();
  }
  let now = beginSlice(until);
  if (TimerHeap.size() != 0) fireTimers(now);
  while (true) {
    // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
    if (isDefined(WEFT_THREADS)) {
      // main ended, or every thread went idle (runq.ts): over for every thread, and for
      // good: each thread's host stops calling
      let end = ended();
      if (end != 0) {
        armPendingSleeps();
        return end == END_MAIN ? RunStatus.MainEnded : RunStatus.Idle;
      }
    } else if (S.mainEnd()) {
      // reported once: fibers spawned by the host afterwards still run (interop.ts)
      S.setMainEnd(false);
      armPendingSleeps();
      return RunStatus.MainEnded;
    }
    let left = T.workLeft() - SWITCH_WORK;
    T.setWorkLeft(left);
    if (budget-- == 0 || (left < 0 && sliceOver())) {
      armPendingSleeps();
      // @ts-ignore: WEFT_DEBUG is defined by `weft build --debug` (asc --use), unknown to TypeScript
      if (!isDefined(WEFT_THREADS) && isDefined(WEFT_DEBUG)) checkQueues();
      return RunStatus.Budget;
    }
    // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
    let f = isDefined(WEFT_THREADS) ? findRunnable() : dequeue();
    if (f == 0) {
      // out of ready fibers: the clock decides whether timers wake some
      now = hostNow();
      flushSleeps(now);
      if (TimerHeap.size() == 0) {
        // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
        if (!isDefined(WEFT_THREADS)) return hostCallsPending() != 0 ? RunStatus.Waiting : RunStatus.Idle;
        if (hostCallsPending() != 0) return RunStatus.Waiting;
        // no work on any thread: spin, then park (or find the program over)
        let status = idle();
        if (status >= 0) return <RunStatus>status;
        continue;
      }
      fireTimers(now);
      // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
      f = isDefined(WEFT_THREADS) ? findRunnable() : dequeue();
      if (f == 0) return RunStatus.Waiting;
    }
    // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
    if (isDefined(WEFT_THREADS)) claim(f);

    // woken by its operation before its timer fired: the timer goes
    let timer = Rec.timer(f);
    if (timer != 0) TimerHeap.cancel(timer);
    T.setCurrent(f);
    Rec.setState(f, FiberState.Running);
    T.setSwitches(T.switches() + 1);
    if (traceOn) traceSwitch(f);
    let saved = Rec.saved(f);
    if (saved != 0) {
      let slice = Saved.slice(saved);
      let sliceBytes = Saved.sliceBytes(saved);
      if (!Saved.intactAt(slice, sliceBytes)) corruptedFailure(f);
      let sp = base - sliceBytes;
      copyWords(sp, slice, sliceBytes);
      Saved.releaseSlice(saved);
      __stack_pointer = sp;
      beginRewind(saved);
    } else if (Rec.flags(f) & SLOT_IS_REF) {
      __stack_pointer = rootArgument(f, base);
    } else {
      __stack_pointer = base;
    }
    // call the entry: on a rewind this re-enters the saved frames
    let kind = Rec.kind(f);
    let fn = Rec.fn(f);
    if (kind == EntryKind.I32) call_indirect<void>(fn, load<u32>(f, F_SLOT));
    else if (kind == EntryKind.NoArg) call_indirect<void>(fn);
    else if (kind == EntryKind.I64) call_indirect<void>(fn, load<u64>(f, F_SLOT));
    else if (kind == EntryKind.F32) call_indirect<void>(fn, load<f32>(f, F_SLOT));
    else call_indirect<void>(fn, load<f64>(f, F_SLOT));
    // The guards are checked right after the fiber ran, so that a breach is blamed on the
    // fiber that made it (`current` is still that fiber when guardFailure aborts).
    if (!ShadowStack.guardIntact()) guardFailure(false);
    if (unwindState() == UnwindState.Unwinding) {
      let frameBytes = Scratch.usedBytes();
      if (frameBytes > SCRATCH_SIZE) {
        scratchOverflow(f);
      } else {
        if (!Scratch.guardsIntact()) guardFailure(true);
        endUnwind();
        save(f, __stack_pointer, base, frameBytes);
        T.setCurrent(0);
        publish(f);
        // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
        if (isDefined(WEFT_THREADS)) {
          // a primitive that blocked under the scheduler lock (join): the fiber is on
          // its list now, so a waker that takes the lock finds it there (Go's gopark)
          if (holdsSched()) unlockSched();
        }
      }
    } else {
      finish(f, FiberState.Done);
    }
    __stack_pointer = base;
    T.setCurrent(0);
  }
  return RunStatus.Idle;
}

/** Spawns the program's `main` as fiber #1. */
export function startMain(fn: () => void): void {
  assert(!S.started(), "the program was already started");
  S.setStarted();
  Scratch.armGuards();
  ShadowStack.armGuard();
  setMain(changetype<usize>(spawn(fn, "main")));
}
