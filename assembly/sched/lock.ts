// lock.ts: the scheduler lock of the threads build, for the rare paths that two threads
// can race on outside the run queues: a join against the end of the fiber it joins, the
// live list (spawns and ends), and the ids.
//
// Model: one futex mutex (rt/lock.ts, a word of runq.ts's SCHED block), held for a few
// loads and stores, and once across a suspension: `join` takes it, finds its target
// running, records its wait and unwinds with the lock held; the trampoline releases it
// right after it published the joiner on the target's joiners list (run.ts), as Go's
// gopark runs its unlock function after the switch. `finish` takes the same lock to mark a
// fiber ended and wake its joiners, so it either sees the joiner on the list or the joiner
// sees the fiber ended: a joiner never misses its wake-up.
//
// Invariants:
//   - `T.holdsSched` (the T record's word at offset 28) is 1 exactly while this thread
//     holds the lock; `failCurrent` releases a lock the failing fiber held (fail.ts), so a
//     fiber that traps never leaves it held;
//   - nothing allocates a managed object under the lock: `__new` may stop the thread for
//     a collection (rt/itcms.ts), and a thread waiting for the lock does not count as
//     stopped, so the collector would wait for it forever;
//   - lock order: the scheduler lock, then the injection queue's (runq.ts), then the heap's.
//
// Only the threads build calls these (every caller is behind `isDefined(WEFT_THREADS)`).

import { T } from "../state";
import { SCHED, SCHED_LOCK } from "./runq";
import { lockWord, unlockWord } from "../rt/lock";

/** Takes the scheduler lock. */
export function lockSched(): void {
  lockWord(SCHED + SCHED_LOCK);
  T.setHoldsSched(true);
}

/** Releases the scheduler lock. */
export function unlockSched(): void {
  T.setHoldsSched(false);
  unlockWord(SCHED + SCHED_LOCK);
}

/** Does this thread hold the scheduler lock? */
// @ts-ignore: decorator
@inline export function holdsSched(): bool {
  return T.holdsSched();
}
