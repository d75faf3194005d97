// once.ts: runs a function exactly once, however many fibers ask for it.
//
//   const configOnce = new Once();
//   let config: Config | null = null;
//   function loadConfig(): void { config = parse(readAll(configChannel)); }  // may block
//
//   function handler(): void {
//     configOnce.do(loadConfig);   // the first caller runs loadConfig; callers that come
//     use(config!);                // while it runs wait until it has returned; later
//   }                              // callers return at once
//
// The first caller runs `fn` in its own fiber. `do()` returns Ok to every caller only once
// `fn` has returned, so whatever `fn` wrote is visible to all of them. `fn` may block
// (receive from a channel, lock a mutex, ...); the waiters stay blocked meanwhile, shown in
// dumps as `once #id`. AssemblyScript functions cannot capture variables: `fn` works on
// globals (or on objects reachable from them).
//
// Misuse: `fn` calling `do()` on its own Once would wait for itself forever; it fails the
// calling fiber instead.
//
// If `fn` fails (its fiber traps or aborts, so it never returns), the Once is *poisoned*,
// as Rust's std::sync::Once: `fn` is not run again (it may have half done its work), and
// every caller that would have waited for it fails with
// `once #4 is poisoned: its function failed in fiber #2 "init"`.
// Limitation: the failure is noticed lazily. weft has no hook that runs when a fiber fails,
// so fibers already blocked in `do()` when `fn` fails stay blocked until some fiber calls
// `do()` again: that call notices that the runner ended, wakes them all (they fail with the
// message above) and fails itself. If no fiber calls `do()` again, the waiters stay
// blocked; the host's deadlock report (or its list of fibers left alive) shows them as
// `blocked (once #4)`, after the report of the runner's failure. Checking costs one load of
// the runner's state, and only in calls made while `fn` runs.
//
// Cancellation (Scope, scope.ts): a waiter that is cancelled (or already was) returns
// Cancelled at once; `fn` may not have finished, and the Once still runs it to the end in
// its runner. The runner is not interrupted: `fn`'s own blocking operations return
// Cancelled if the runner is cancelled, and once `fn` returns the Once is done, whatever
// `fn` managed to do; a cancelled fiber that is the first caller still runs `fn`.

import { Fiber } from "../fiber";
import { Outcome } from "../record";
import { misuseOf } from "../failure";
import { block, wakeAll, currentAddress } from "../sched/wait";
import { WaitList, WaitKind, newObjectId } from "./waitlist";

// @ts-ignore: decorator
@inline const IDLE: u8 = 0;
// @ts-ignore: decorator
@inline const RUNNING: u8 = 1;
// @ts-ignore: decorator
@inline const DONE: u8 = 2;
// @ts-ignore: decorator
@inline const POISONED: u8 = 3;

// @ts-ignore: decorator
@inline function stateOf(o: usize): u8 {
  return load<u8>(o, offsetof<Once>("_state"));
}

export class Once {
  /** Shown in dumps as `once #id`. */
  readonly id: u32;
  /** @internal IDLE, RUNNING, DONE or POISONED. */
  _state: u8 = IDLE;
  /** @internal the fiber running (or that ran and failed in) `fn`; kept to notice its failure. */
  _runner: Fiber | null = null;
  /** @internal fibers waiting for `fn` to return. */
  _waiters: WaitList;

  constructor() {
    let id = newObjectId();
    this.id = id;
    this._waiters = new WaitList(WaitKind.Once, id);
  }

  /** True once the function has returned. */
  get done(): bool {
    return this._state == DONE;
  }

  /** Fibers waiting for the function to return. */
  get waiting(): i32 {
    return this._waiters.length;
  }

  /**
   * Runs `fn` if no caller has yet; otherwise waits until it has returned. Ok, or
   * Cancelled (then `fn` may not have run yet).
   */
  do(fn: () => void): Outcome {
    let o = changetype<usize>(this);
    let state = stateOf(o);
    if (state == DONE) return Outcome.Ok;
    if (state == IDLE) return this.runFirst(fn);
    if (state == POISONED || this.runnerEndedOrIsMe()) this.cannotWait();
    // the runner wakes us with Ok once fn has returned (or a caller that noticed its
    // failure wakes us to fail)
    let result = block(load<usize>(o, offsetof<Once>("_waiters")));
    if (result == Outcome.Ok && stateOf(o) != DONE) poisoned(o);
    return result;
  }

  /** @internal the first caller: runs `fn`, then wakes every waiter. */
  private runFirst(fn: () => void): Outcome {
    this._state = RUNNING;
    this._runner = changetype<Fiber | null>(currentAddress());
    fn();
    this._state = DONE;
    this._runner = null;
    wakeAll(changetype<usize>(this._waiters), Outcome.Ok);
    return Outcome.Ok;
  }

  /** @internal true if `fn`'s fiber ended without `fn` returning, or is the caller. */
  private runnerEndedOrIsMe(): bool {
    let runner = this._runner;
    return changetype<usize>(runner) == currentAddress() || (runner !== null && runner.ended);
  }

  /** @internal cold: recursion, or `fn`'s fiber failed: poisons the Once and fails the caller. */
  private cannotWait(): void {
    let runner = this._runner;
    if (this._state == RUNNING && changetype<usize>(runner) == currentAddress()) {
      misuseOf("do() on once #" + this.id.toString() + " called from its own function: it would wait for itself forever");
    }
    if (this._state != POISONED) {
      this._state = POISONED;
      // the waiters fail too, as they find the Once poisoned on waking
      wakeAll(changetype<usize>(this._waiters), Outcome.Ok);
    }
    poisoned(changetype<usize>(this));
  }
}

function poisoned(o: usize): void {
  let once = changetype<Once>(o);
  let runner = once._runner;
  misuseOf("once #" + once.id.toString() + " is poisoned: its function failed in fiber " + (runner !== null ? runner.toString() : "(unknown)"));
}
