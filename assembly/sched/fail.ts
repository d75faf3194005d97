// fail.ts: failing a fiber, and handing failures to the host.
//
// Model: a trap or abort unwinds every wasm frame up to the host (or to the WASI runner's
// guarded call). The host then calls `resetStack` and `failCurrent`, which marks the
// running fiber failed wherever it was (running, or in the middle of suspending), and
// calls the scheduler again. Failures are queued here; the host drains the queue after
// each `run` (`takeFailure`, the block's layout in layout.ts) and reports each one.
//
// Checks that find a broken guard or saved block record what they found in the thread's
// record (`T.pendingGuard`) before they abort, so that `failCurrent` reports the right
// kind; `misuse` (failure.ts) does the same with `T.misuse`.
//
// Threads build: any thread fails fibers and the host takes their failures from one
// thread, so the queue is a raw array of pinned failures under its own lock (FAIL_LOCK, runq.ts), and a fiber
// that fails holding the scheduler lock releases it (lock.ts). Only one thread may take
// failures (the host's thread 0): the block the fields are written to, and the strings
// kept alive for the host, are one per program.
//
// Invariants: a failed fiber is finished (finish.ts) exactly once; a fiber that fails in
// the middle of suspending was never published (its intent, `T.publish`, is dropped), so
// it is on no queue or list put there by that suspension (a yield's link out of the run
// queue's tail stays behind, outside the queue: nothing follows it, runqueue.ts).

import { traceOn, traceFail } from "../trace";
import { FiberState, Rec, F_FAILURE, fiberLabel } from "../record";
import { T, S, PUBLISH_NONE } from "../state";
import { FailureKind, FAILURE_FIBER_ID, FAILURE_KIND, FAILURE_REASON, FAILURE_FILE, FAILURE_LINE, FAILURE_COLUMN, FAILURE_FIBER_NAME, FAILURE_TEXT } from "../layout";
import { Failure } from "../failure";
import { Scratch, ShadowStack, SCRATCH_SIZE, GUARD_SIZE } from "../stack";
import { endUnwind, abandonUnwind } from "../switch";
import { detachWaiting } from "./wait";
import { finish } from "./finish";
import { holdsSched, unlockSched } from "./lock";
import { SCHED, FAIL_LOCK, FAIL_BUF, FAIL_CAP, FAIL_HEAD, FAIL_TAIL } from "./runq";
import { lockWord, unlockWord } from "../rt/lock";

/** Failures the host has not yet taken (`takeFailure`), oldest first. */
let unreported = new Array<Failure>();
let unreportedHead: i32 = 0;
/** The failure last handed to the host, and its text: alive until the next one. */
let lastTaken: Failure | null = null;
let lastText: string | null = null;

export function guardFailure(scratch: bool): void {
  T.setPendingGuard(scratch ? FailureKind.ScratchOverflow : FailureKind.ShadowStackOverflow);
  abort(scratch ? "asyncify scratch guard overwritten" : "shadow stack guard overwritten");
}

export function corruptedFailure(f: usize): void {
  T.setPendingGuard(FailureKind.SavedStackCorrupted);
  abort("saved stack of fiber " + fiberLabel(f) + " was overwritten while it was suspended");
}

/**
 * An unwind wrote more than the scratch area holds (stack.ts explains the guard zone).
 * Ends the unwind and fails the fiber, or stops the program if the overrun went past the
 * guard zone.
 */
export function scratchOverflow(f: usize): void {
  let reach = load<usize>(Scratch.header());
  let used = Scratch.usedBytes();
  Scratch.reset();
  endUnwind();
  T.setPublish(PUBLISH_NONE);
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    // a join that blocked holding the scheduler lock (lock.ts) is never published: free it
    // before the failure's `finish` takes it
    if (holdsSched()) unlockSched();
  }
  // The stack pointer stays at the abandoned fiber's innermost frame (below it is free);
  // the trampoline resets it. Setting it here would move this function's own shadow frame
  // (it has one: it builds strings) onto memory above the fiber base.
  if (used > SCRATCH_SIZE + GUARD_SIZE) {
    T.setCurrent(0);
    abort("fatal: fiber " + fiberLabel(f) + " unwound " + used.toString() +
      " bytes, past the scratch guard zone (" + GUARD_SIZE.toString() +
      " bytes); memory after it is corrupted; raise `weft build --scratch-size`");
  }
  Scratch.armGuards(reach);
  failFiber(f, FailureKind.ScratchOverflow, overflowMessage(FailureKind.ScratchOverflow), null, 0, 0);
}

/** Resets the shadow-stack pointer after a trap left it anywhere. Must have no frame. */
export function resetStack(): void {
  __stack_pointer = ShadowStack.top();
}

/** Text that explains an overflow: which stack, its limit and the option that raises it. */
function overflowMessage(kind: FailureKind): string {
  if (kind == FailureKind.ShadowStackOverflow) {
    return "shadow stack overflow: more than " + ShadowStack.size().toString() +
      " bytes of managed references on the stack (deep recursion?); raise the limit with `weft build --stack-size <bytes>`";
  }
  if (kind == FailureKind.ScratchOverflow) {
    return "asyncify stack overflow: suspending needed more than the " + SCRATCH_SIZE.toString() +
      "-byte scratch area (deep recursion before a yield?); raise the limit with `weft build --scratch-size <bytes>`";
  }
  return "call stack overflow: the host's wasm call stack is exhausted (deep recursion?); raise the limit with `node --stack-size=<KiB>` or recurse less deeply";
}

/**
 * Marks the running fiber failed after a trap or abort; the host calls this (after
 * `resetStack`) and then resumes the scheduler. Returns false if no fiber was running (a
 * fault outside any fiber, which ends the program).
 */
export function failCurrent(kind: FailureKind, message: string | null, file: string | null, line: u32, column: u32): bool {
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    // a fiber that failed while it held the scheduler lock (lock.ts) leaves it free
    if (holdsSched()) unlockSched();
  }
  abandonUnwind();
  // a fiber that failed while suspending is not published
  T.setPublish(PUBLISH_NONE);
  let guard = T.pendingGuard();
  if (guard >= 0) {
    kind = <FailureKind>guard;
    T.setPendingGuard(-1);
  } else if (T.misuse()) {
    kind = FailureKind.Misuse;
  } else if (kind == FailureKind.Abort && message !== null && message == "stack overflow") {
    kind = FailureKind.ShadowStackOverflow;
  }
  T.setMisuse(false);
  if (kind == FailureKind.ScratchOverflow) Scratch.armGuards();
  if (kind == FailureKind.ShadowStackOverflow) ShadowStack.armGuard();
  let f = T.current();
  T.setCurrent(0);
  if (f == 0) return false;
  if (kind == FailureKind.ShadowStackOverflow || kind == FailureKind.CallStackOverflow) {
    message = overflowMessage(kind);
    file = null;
  }
  failFiber(f, kind, message !== null ? message : "unknown failure", file, line, column);
  return true;
}

/** Ends fiber `f` as failed, wherever it was: running, queued or on a wait list. */
function failFiber(f: usize, kind: FailureKind, message: string, file: string | null, line: u32, column: u32): void {
  let failure = new Failure(Rec.id(f), changetype<string | null>(Rec.name(f)), kind, message, file !== null ? file : "", line, column);
  if (traceOn) traceFail(f, kind, message);
  Rec.setRef(f, F_FAILURE, changetype<usize>(failure));
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) queueShared(failure);
  else unreported.push(failure);
  // The running fiber is on no queue (no primitive queues its caller: the trampoline
  // publishes it after the save; one that failed in the middle of a yield is Ready but
  // only prepared); one that failed in the middle of blocking may have recorded a wait
  // list, or joined this slice's pending sleeps.
  detachWaiting(f);
  S.countFailure();
  T.setCurrent(0);
  finish(f, FiberState.Failed);
}

/**
 * Hands the oldest failure the host has not seen to it: writes its fields at the returned
 * address (layout.ts `FAILURE_*`), or returns 0 if there is none.
 */
export function takeFailure(): usize {
  let failure: Failure;
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    let taken = takeShared();
    if (taken === null) return 0;
    failure = taken;
  } else {
    if (unreportedHead >= unreported.length) {
      if (unreportedHead > 0) {
        unreported = new Array<Failure>();
        unreportedHead = 0;
      }
      return 0;
    }
    failure = unreported[unreportedHead++];
  }
  let at = T.failureInfo();
  store<u32>(at + FAILURE_FIBER_ID, failure.fiberId);
  store<u32>(at + FAILURE_KIND, <u32>failure.kind);
  store<usize>(at + FAILURE_REASON, changetype<usize>(failure.reason));
  store<usize>(at + FAILURE_FILE, changetype<usize>(failure.file));
  store<u32>(at + FAILURE_LINE, failure.line);
  store<u32>(at + FAILURE_COLUMN, failure.column);
  store<usize>(at + FAILURE_FIBER_NAME, changetype<usize>(failure.fiberName));
  let text = failure.toString();
  store<usize>(at + FAILURE_TEXT, changetype<usize>(text));
  // keep the strings alive until the host has read them
  lastTaken = failure;
  lastText = text;
  return at;
}

/**
 * Threads build: queues a failure for the host (any thread fails fibers). The queue is a
 * raw array of addresses in the heap (FAIL_BUF, runq.ts) under FAIL_LOCK, its entries
 * pinned until taken: the lock is never held across an allocation that could stop the
 * thread for a collection (a raw reallocation cannot), and no new class or managed global
 * enters the default build.
 */
function queueShared(failure: Failure): void {
  let f = changetype<usize>(failure);
  __pin(f);
  lockWord(SCHED + FAIL_LOCK);
  let buf = load<usize>(SCHED, FAIL_BUF);
  let cap = load<u32>(SCHED, FAIL_CAP);
  let tail = load<u32>(SCHED, FAIL_TAIL);
  if (tail == cap) {
    cap = cap ? cap << 1 : 16;
    buf = buf ? heap.realloc(buf, <usize>cap << 2) : heap.alloc(<usize>cap << 2);
    store<usize>(SCHED, buf, FAIL_BUF);
    store<u32>(SCHED, cap, FAIL_CAP);
  }
  store<usize>(buf + (<usize>tail << 2), f);
  store<u32>(SCHED, tail + 1, FAIL_TAIL);
  unlockWord(SCHED + FAIL_LOCK);
}

/** Threads build: the oldest failure not taken, or null (it stays alive as `lastTaken`). */
function takeShared(): Failure | null {
  lockWord(SCHED + FAIL_LOCK);
  let head = load<u32>(SCHED, FAIL_HEAD);
  let tail = load<u32>(SCHED, FAIL_TAIL);
  let f: usize = 0;
  if (head < tail) {
    f = load<usize>(load<usize>(SCHED, FAIL_BUF) + (<usize>head << 2));
    head++;
    if (head == tail) head = tail = 0;
    store<u32>(SCHED, head, FAIL_HEAD);
    store<u32>(SCHED, tail, FAIL_TAIL);
  }
  unlockWord(SCHED + FAIL_LOCK);
  if (f == 0) return null;
  let failure = changetype<Failure>(f);
  lastTaken = failure;
  __unpin(f);
  return failure;
}
