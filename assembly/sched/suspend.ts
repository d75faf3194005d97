// suspend.ts: the suspend primitives, and the second phase of every suspension: publish.
//
// Suspension is two-phase. A primitive only *records* where the running fiber goes (in
// the thread's record, state.ts `T.publish*`; a yield also links the fiber out of the run
// queue's tail, which is not part of the queue until the tail moves: runqueue.ts) and
// starts the unwind; the trampoline
// (run.ts) saves the fiber's frames and shadow slice, and only then `publish`es it: onto
// the run queue (a yield), a wait list (block, a channel operation, join), its select's
// lists, the timer heap (a sleep or a deadline). So no fiber is ever visible to a waker,
// a timer or another scheduler while its frames are still in the thread's scratch area.
// With one scheduler that order is not observable by user code; with several (M:N
// threads) another thread could otherwise rewind a half-saved fiber. Go's `gopark` does
// the same with its unlock callback that runs after the switch.
//
// The primitives here (`yieldNow`, `park`) and the channel operations (sync/channel.ts)
// call the asyncify intrinsics (switch.ts), which is what keeps them uninstrumented.
//
// Invariants:
//   - between a primitive's `beginUnwind` and the trampoline's `publish`, the fiber is on
//     no queue, list or timer that it was put on by this suspension (debug builds check
//     in `publish` that its frames were saved in this switch, sched/check.ts);
//   - `T.publish` is PUBLISH_NONE whenever no fiber is suspending: `publish` clears it,
//     and so does `failCurrent` when a fiber fails in the middle of suspending;
//   - a primitive keeps nothing across its suspension but its arguments and the record
//     (see docs/ARCHITECTURE.md, "Anatomy of a switch").

import { FiberState, Rec } from "../record";
import { T, S, PUBLISH_READY, PUBLISH_LIST, PUBLISH_TIMER, PUBLISH_SELECT } from "../state";
import { beginUnwind, resumed } from "../switch";
import { misuse } from "../failure";
import { Waiters, WaitNode, SelectState, NODE_TAG } from "../sync/waitlist";
import { TimerHeap } from "../timer";
import { prepareReady, publishReady } from "./runqueue";
import { checkPublish } from "./check";

/**
 * Lets every other ready fiber run once, then continues. The caller goes to the tail of
 * the run queue (once its frames are saved).
 */
export function yieldNow(): void {
  if (resumed()) return;
  let f = T.current();
  if (f == 0) outsideFiber("yieldNow()");
  prepareReady(f); // linked out of the run queue's tail: not queued yet (runqueue.ts)
  T.setPublish(PUBLISH_READY);
  beginUnwind();
}

/**
 * Blocks the running fiber until another fiber passes it to `ready()`. The caller should
 * first record itself where its waker will find it (a wait list); a fiber that parks
 * with no waker stays blocked until the program ends, and is reported then. What the
 * caller recorded in `T.publish` (block, sleep, join) is published once it is saved.
 */
export function park(): void {
  if (resumed()) return;
  let f = T.current();
  if (f == 0) outsideFiber("park()");
  suspend(f);
}

/**
 * The suspending tail of every blocking primitive: `f` (the running fiber) becomes
 * Blocked and the unwind begins. The primitive must return right after it.
 */
// @ts-ignore: decorator
@inline export function suspend(f: usize): void {
  Rec.setState(f, FiberState.Blocked);
  S.countBlock();
  beginUnwind();
}

/** A primitive called in top-level code: out of line, so the primitive has no shadow frame. */
function outsideFiber(what: string): void {
  misuse(what + " called outside a fiber");
}

/**
 * Records that the running fiber, about to block, goes on the wait list its record names
 * (`waitList`, set by the caller) and, with `at` > 0, on the timer heap at `at`, once it
 * is saved.
 */
// @ts-ignore: decorator
@inline export function willWaitOn(at: f64): void {
  if (at > 0) {
    T.setPublishAt(at);
    T.setPublish(PUBLISH_LIST | PUBLISH_TIMER);
  } else {
    T.setPublish(PUBLISH_LIST);
  }
}

/** Records that the running fiber's timer is armed at `at` once it is saved. */
// @ts-ignore: decorator
@inline export function willWake(at: f64): void {
  T.setPublishAt(at);
  T.setPublish(T.publish() | PUBLISH_TIMER);
}

/**
 * The second phase: the trampoline calls this right after it saved fiber `f`. Puts `f`
 * where its primitive recorded: the run queue, a wait list, its select's lists, the
 * timer heap. A yield and a wait on one list without a timer are the common cases and
 * stay inline.
 */
// @ts-ignore: decorator
@inline export function publish(f: usize): void {
  let what = T.publish();
  if (what != 0) {
    T.setPublish(0);
    // @ts-ignore: WEFT_DEBUG is defined by `weft build --debug` (asc --use), unknown to TypeScript
    if (isDefined(WEFT_DEBUG)) checkPublish(f);
    if (what == PUBLISH_READY) publishReady(f); // prepared by the primitive
    else if (what == PUBLISH_LIST) Waiters.push(Rec.waitList(f), f);
    else publishWaiting(f, what);
  }
}

/** `publish` for the rarer cases: a select's lists, a timer (with a list or alone). */
function publishWaiting(f: usize, what: u32): void {
  if (what & PUBLISH_LIST) {
    Waiters.push(Rec.waitList(f), f);
  } else if (what & PUBLISH_SELECT) {
    let nodes = changetype<SelectState>(Rec.waitList(f) & ~NODE_TAG)._nodes;
    for (let i = 0, n = nodes.length; i < n; i++) {
      let node = changetype<usize>(unchecked(nodes[i]));
      let list = load<usize>(node, offsetof<WaitNode>("_list"));
      if (list != 0) Waiters.push(list, node | NODE_TAG);
    }
  }
  if (what & PUBLISH_TIMER) TimerHeap.push(T.publishAt(), f);
}
