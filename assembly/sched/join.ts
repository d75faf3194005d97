// join.ts: waiting for a fiber to end.
//
// Model: a fiber's joiners wait on an ordinary WaitList (WaitKind.Join), made by the first
// joiner and held by the fiber's record (`joiners`, visited by the GC); `finish`
// (finish.ts) wakes them all, in the order they joined, when the fiber ends. A joiner is
// so blocked like any other waiter: dumps name it (`join #2 "worker"`), cancellation and
// deadlines take it off the list the same way, and there is one list type to reason about.
//
// Threads build: the target may end on another thread while its joiner blocks. The joiner
// takes the scheduler lock (lock.ts), checks the target's state, and if it still runs,
// blocks with the lock held; the trampoline releases it once the joiner is on the list
// (run.ts). `finish` takes the lock to end the fiber and wake the list, so the joiner is
// either on the list by then or sees the fiber ended: no lost wake-up. The list is
// allocated before the lock (nothing allocates under it).
//
// Invariants: a fiber that has ended has no joiners waiting; joining an ended fiber
// returns at once; a fiber never waits on its own joiners list (joining oneself fails).

import { Outcome, FiberState, Rec, F_JOINERS, fiberLabel } from "../record";
import { T } from "../state";
import { misuse } from "../failure";
import { WaitList, WaitKind } from "../sync/waitlist";
import { block } from "./wait";
import { lockSched, unlockSched, holdsSched } from "./lock";

/**
 * Blocks until the fiber at `target` ends. Returns its failure's address (0 if it
 * finished normally, or if the wait ended early: then `outcome()` says Cancelled or
 * TimedOut). Joining oneself fails the caller (it would never return).
 */
export function join(target: usize): usize {
  let self = T.current();
  if (self == 0) misuse("join() called outside a fiber");
  if (target == self) misuse("fiber " + fiberLabel(target) + " cannot join itself: it would wait forever");
  // @ts-ignore: WEFT_THREADS is defined by the threads build (asc --use), unknown to TypeScript
  if (isDefined(WEFT_THREADS)) {
    if (Rec.state(target) < FiberState.Done && joinShared(target) != Outcome.Ok) return 0;
  } else if (Rec.state(target) < FiberState.Done) {
    if (block(joinersOf(target)) != Outcome.Ok) return 0;
  }
  Rec.setOutcome(self, Outcome.Ok);
  return Rec.failure(target);
}

/** The joiners list of the fiber at `target`, made on first use. */
function joinersOf(target: usize): usize {
  let list = Rec.joiners(target);
  if (list == 0) {
    let l = new WaitList(WaitKind.Join, Rec.id(target));
    l._owner = target;
    list = changetype<usize>(l);
    Rec.setRef(target, F_JOINERS, list);
  }
  return list;
}

/** `join`'s wait in the threads build (see the top of this file); the wait's outcome. */
function joinShared(target: usize): Outcome {
  let fresh: WaitList | null = null;
  if (Rec.joiners(target) == 0) {
    fresh = new WaitList(WaitKind.Join, Rec.id(target));
    fresh._owner = target;
  }
  lockSched();
  if (Rec.state(target) >= FiberState.Done) {
    unlockSched();
    return Outcome.Ok;
  }
  let list = Rec.joiners(target);
  if (list == 0) {
    list = changetype<usize>(fresh);
    Rec.setRef(target, F_JOINERS, list);
  }
  let outcome = block(list);
  // not blocked (cancelled, or past its deadline): the lock is still this thread's;
  // blocked: the trampoline released it, and this may be another thread
  if (holdsSched()) unlockSched();
  return outcome;
}
