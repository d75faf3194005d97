// runqueue.ts: the run queue, the fibers ready to run, in FIFO order.
//
// Model: a ring of fiber addresses (unmanaged memory, `S.runBuf`, a power-of-two number of
// slots; the first one static) between two free-running indices, head and tail (state.ts
// `S`; wasm globals, state.ts says why). `enqueue` writes the slot at the tail and
// advances the tail; `dequeue` takes the slot at the head. A ring that fills doubles
// (`grow`, out of line), so that the slot at the tail is always free, and goes back to the
// static ring when the queue empties (`shrinkWhenEmpty`).
//
//   head                         tail
//    │                            │
//   ┌▼───┬────┬────┬────┬────┬────▼───────────────┐
//   │ f3 │ f7 │ f1 │ f9 │ f4 │ (f2)  free slots   │  slot = index & (capacity - 1)
//   └────┴────┴────┴────┴────┴────────────────────┘
//    └────── queued: Ready ──┘ └ prepared, not yet published
//
// A yield is queued in two phases (two-phase suspension, suspend.ts): the primitive writes
// its fiber into the slot at the tail (`prepareReady`), where nothing reads it, and the
// trampoline publishes it after the save by advancing the tail (`publishReady`). So the
// trampoline's part of a yield is one store, and the fiber is on the queue only from the
// moment its frames are saved. With threads, this is the owner's push of a Chase-Lev deque
// (docs/THREADS.md): the slot first, then the index that makes it visible.
//
// Invariants:
//   - a fiber is on the run queue iff its state is Ready, and at most once (checked on
//     every enqueue: queueing a Ready fiber again is an internal error; a prepared fiber is
//     Ready but not yet queued, which lasts only from its primitive to its publication);
//   - FIFO: `yieldNow` puts the caller at the tail, so N fibers that yield in a loop run
//     in strict round robin;
//   - only fibers whose frames are saved (or that never ran) are queued: a prepared slot
//     is past the tail, and nothing enqueues between a primitive and its publication (the
//     unwind runs no program code; the trampoline saves, then publishes);
//   - the running fiber is never on the queue (no primitive queues its caller), so a
//     failing fiber is not either; nothing is ever taken out of the middle.
//
// Rejected:
//   - Linking the queue through the records' `next` field (what it was): the trampoline's
//     part of a yield was then three stores into two records, and a depth-0 switch took
//     8-14% longer than when the primitive queued its fiber before the unwind; with the
//     ring, whose publication is one store, about half of that is left
//     (docs/PERFORMANCE.md).
//   - Managed (GC-tracked) slots: a write barrier on every switch. The live list keeps
//     fibers alive (live.ts); the queue only points at live fibers.

import { FiberState, Rec, fiberLabel } from "../record";
import { S, FIRST_RING, FIRST_CAPACITY } from "../state";

/** The slot of index `i`. */
// @ts-ignore: decorator
@inline function slotOf(i: u32): usize {
  return S.runBuf() + (<usize>(i & S.runMask()) << alignof<usize>());
}

/** Puts `f` at the tail of the run queue and makes it Ready. */
// @ts-ignore: decorator
@inline export function enqueue(f: usize): void {
  prepareReady(f);
  publishReady();
}

/**
 * The first phase of queueing `f`: makes it Ready and writes it into the slot at the tail,
 * where no `dequeue` sees it until `publishReady`. Nothing else may be queued in between.
 * The slot is always free: the ring grows as it fills (`publishReady`).
 */
// @ts-ignore: decorator
@inline export function prepareReady(f: usize): void {
  // a queued fiber is Ready; queueing it again would put it on the queue twice
  if (Rec.state(f) == FiberState.Ready) queuedTwice(f);
  Rec.setState(f, FiberState.Ready);
  store<usize>(slotOf(S.runTail()), f);
}

/** The second phase: the fiber `prepareReady` wrote is on the queue from now on. */
// @ts-ignore: decorator
@inline export function publishReady(): void {
  let tail = S.runTail() + 1;
  S.setRunTail(tail);
  // keep a free slot for the next `prepareReady`
  if (tail - S.runHead() > S.runMask()) grow();
}

/** Takes the fiber at the head of the run queue, or 0 if none is ready. */
// @ts-ignore: decorator
@inline export function dequeue(): usize {
  let head = S.runHead();
  if (head == S.runTail()) return 0;
  S.setRunHead(head + 1);
  return load<usize>(slotOf(head));
}

/** Fibers on the run queue. */
// @ts-ignore: decorator
@inline export function readyCount(): u32 {
  return S.runTail() - S.runHead();
}

/** The fiber `i` places behind the head (i < readyCount()). */
export function readyAt(i: u32): usize {
  return load<usize>(slotOf(S.runHead() + i));
}

/** The fiber prepared at the tail (the slot `publishReady` will publish). */
export function prepared(): usize {
  return load<usize>(slotOf(S.runTail()));
}

/**
 * Gives back a ring that grew, once the queue is empty (the trampoline calls this when it
 * finds no ready fiber): a burst of ready fibers does not keep its memory.
 */
export function shrinkWhenEmpty(): void {
  if (S.runBuf() == FIRST_RING || S.runHead() != S.runTail()) return;
  heap.free(S.runBuf());
  S.setRunBuf(FIRST_RING);
  S.setRunMask(FIRST_CAPACITY - 1);
  S.setRunHead(0);
  S.setRunTail(0);
}

/** Doubles the ring, keeping the queue's order (it is full). */
function grow(): void {
  let cap = S.runMask() + 1;
  let buf = heap.alloc(<usize>(cap << 1) << alignof<usize>());
  let head = S.runHead();
  for (let i: u32 = 0; i < cap; i++) store<usize>(buf + (<usize>i << alignof<usize>()), load<usize>(slotOf(head + i)));
  if (S.runBuf() != FIRST_RING) heap.free(S.runBuf());
  S.setRunBuf(buf);
  S.setRunMask((cap << 1) - 1);
  S.setRunHead(0);
  S.setRunTail(cap);
}

function queuedTwice(f: usize): void {
  abort("internal: fiber " + fiberLabel(f) + " queued twice");
}
