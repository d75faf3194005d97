// check.ts: the invariants the essays state, checked at run time in debug builds.
//
// `weft build --debug` (BuildOptions.debug) defines WEFT_DEBUG; the callers guard every
// call with `isDefined(WEFT_DEBUG)`, so a normal build compiles none of this and pays
// nothing. A broken invariant aborts with `internal: ...`, which fails the running fiber
// (or the program, outside one) with that message: the tests run the core's programs in
// this mode too and expect their normal output.
//
// What is checked, and where it is stated:
//   - publish after save (suspend.ts): a fiber is published only when it is not the
//     running fiber and its frames were saved in this switch (`checkPublish`);
//   - the run queue (record.ts, runqueue.ts): every fiber on it is Ready, each once (it is
//     no longer than the live list), and every Ready fiber of the live list is on it;
//   - the live list (live.ts): every fiber on it has not ended, and its length is
//     `S.alive` (`checkQueues`, at every entry into the scheduler and whenever a slice's
//     budget is spent);
//   - Blocked fibers (record.ts): a Blocked fiber is on no run queue, and one whose
//     `waitList` names a list is on that list (`checkQueues`).

import { FiberState, Rec, SLEEPING, fiberLabel } from "../record";
import { T, S } from "../state";
import { Saved } from "../stack";
import { NODE_TAG } from "../sync/waitlist";
import { liveFirst } from "./live";
import { queuedAfter } from "./runqueue";

function broken(what: string): void {
  abort("internal: " + what);
}

/** Publish after save: `f` is not running and was saved in this switch. */
export function checkPublish(f: usize): void {
  T.setPublished(T.published() + 1);
  if (f == T.current()) broken("fiber " + fiberLabel(f) + " published while it runs");
  let saved = Rec.saved(f);
  if (saved == 0 || Saved.since(saved) != <u32>T.switches()) {
    broken("fiber " + fiberLabel(f) + " published before its frames were saved");
  }
}

/** True if `e` is an entry of the list at `list`. */
function onList(list: usize, e: usize): bool {
  let p = load<usize>(list);
  while (p != 0) {
    if (p == e) return true;
    p = p & NODE_TAG ? load<usize>(p & ~NODE_TAG) : Rec.next(p);
  }
  return false;
}

/** The run queue, the live list and the Blocked fibers (see the top of this file). */
export function checkQueues(): void {
  let n: i32 = 0;
  for (let p = S.runHead(); p != 0; p = queuedAfter(p)) {
    if (Rec.state(p) != FiberState.Ready) broken("fiber " + fiberLabel(p) + " on the run queue is not ready");
    // a fiber queued twice would make the queue a cycle
    if (<u32>++n > S.alive()) broken("the run queue holds more fibers than are alive: a fiber is on it twice");
  }
  let alive: u32 = 0;
  let ready: i32 = 0;
  for (let p = liveFirst(); p != 0; p = Rec.liveNext(p)) {
    alive++;
    let state = Rec.state(p);
    if (state >= FiberState.Done) broken("ended fiber " + fiberLabel(p) + " is on the live list");
    if (state == FiberState.Ready) ready++;
    if (state == FiberState.Blocked) {
      let list = Rec.waitList(p);
      if (list != 0 && list != SLEEPING && !(list & NODE_TAG) && !onList(list, p)) {
        broken("blocked fiber " + fiberLabel(p) + " is not on the list it waits on");
      }
    }
  }
  if (alive != S.alive()) broken("the live list has " + alive.toString() + " fibers, the count says " + S.alive().toString());
  if (ready != n) broken(ready.toString() + " live fibers are ready, the run queue holds " + n.toString());
}
