// end.ts: the end-of-run policy, one for every host: when a run is a deadlock, which exit
// status a program ends with, and what it reports about the fibers it leaves behind.
//
// Model. A host drives the scheduler (`__weft_run`) and stops for good in three ways: `main`
// ended (RunStatus.MainEnded), every fiber is asleep with nothing that could wake one (a
// deadlock), or a fault hit code outside any fiber. The JavaScript host (host/runtime.ts)
// and the WASI runner (wasi/runner.ts) both ask this file what that means, so a program's
// exit status and reports are the same wherever it runs (tests/wasi.test.ts compares them):
//
//   exit status   0 main returned · 1 main failed · 2 deadlock · 3 fault outside fibers
//   deadlock      `deadlock: all N fibers are asleep`, then the dump of every fiber
//   leftovers     `weft: main ended with N fibers still alive:`, then the dump; not when
//                 the program stopped (2, 3), nor while the host waits for fibers it
//                 spawned (an edge handler's requests are not leaks of `main`)
//
// The dump lines themselves come from diag.ts; a host may decorate them (the JavaScript
// host names the function a preempted fiber was in) but not choose which are printed.
//
// Invariant: the status is 1 exactly when it would be 0 and `main` failed.

import { Rec } from "../record";
import { S } from "../state";
import { RunStatus, EXIT_OK, EXIT_MAIN_FAILED, EXIT_DEADLOCK } from "../layout";
import { TimerHeap } from "../timer";
import { mainAddress } from "./live";

/**
 * The program's exit status once it stopped with `stopped` (EXIT_OK if it ran to the end
 * of `main`, EXIT_DEADLOCK, or EXIT_FAULT): EXIT_MAIN_FAILED if it would be EXIT_OK but
 * `main` failed.
 */
export function exitStatus(stopped: i32): i32 {
  let main = mainAddress();
  if (stopped == EXIT_OK && main != 0 && Rec.failure(main) != 0) return EXIT_MAIN_FAILED;
  return stopped;
}

/**
 * Whether a run call that returned `status` means a deadlock: `main` runs, every fiber is
 * asleep and nothing can wake one. `hostCompletes` says whether the host completes host
 * calls (the WASI runner has no host to: a fiber waiting for one waits forever).
 */
export function isDeadlock(status: RunStatus, mainEnded: bool, hostCompletes: bool): bool {
  if (mainEnded) return false;
  if (status == RunStatus.Idle) return true;
  return status == RunStatus.Waiting && !hostCompletes && TimerHeap.size() == 0;
}

/** The first line of a deadlock report; the dump of every fiber follows. */
export function deadlockHeadline(): string {
  let alive = S.alive();
  return "deadlock: all " + alive.toString() + (alive == 1 ? " fiber is" : " fibers are") + " asleep";
}

/**
 * The first line of the report of fibers left alive when the program ends with `status`
 * (exitStatus), the dump following; null when there is nothing to report: none is alive,
 * the program stopped (a deadlock or a fault reported itself), or the host still `serving`
 * fibers it spawned.
 */
export function leftoverHeadline(status: i32, serving: bool): string | null {
  let alive = S.alive();
  if (alive == 0 || status >= EXIT_DEADLOCK || serving) return null;
  return "weft: main ended with " + alive.toString() + (alive > 1 ? " fibers" : " fiber") + " still alive:";
}
