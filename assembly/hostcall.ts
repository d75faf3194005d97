// hostcall.ts: a fiber waits for the host (I/O, a JavaScript promise, anything the host
// finishes later) while every other fiber goes on running.
//
//   // AssemblyScript: the host function starts the work and returns at once
//   @external("app", "fetchUser") declare function fetchUser(token: u32, id: i32): void;
//
//   export function lookup(id: i32): f64 {
//     const call = new HostCall("fetchUser");
//     fetchUser(call.token, id);
//     if (call.wait() != Outcome.Ok) return -1;     // cancelled, or past the deadline
//     if (call.error !== null) { console.log(call.error!); return -1; }
//     return call.result;
//   }
//
//   // TypeScript: program.complete(token, value), or program.completeError(token, ...),
//   // or let `asyncImport` (host/runtime.ts) wrap a function that returns a Promise.
//
// The model. A call is in flight from its creation until the host completes it through
// `__weft_complete` (abi.ts). The runtime holds every call in flight, and with it the
// buffer it pins (`new HostCall(what, buffer)`), so memory the host will write stays valid
// whatever the GC does (AssemblyScript's heap never moves objects; holding them is
// enough). While calls are in flight, an idle scheduler reports Waiting, not a deadlock.
//
// A fiber whose wait ends early (cancelled, or its deadline passed) leaves the call in
// flight: the host still completes it, the buffer stays pinned until then, and the result
// is dropped. The host is never asked to undo work it may already have done.

import { Outcome } from "./record";
import { block, wakeAll } from "./sched/wait";
import { WaitList, WaitKind } from "./sync/waitlist";
import { beginTimeout, endTimeout } from "./time";
import { traceOn, traceHostCall, traceHostDone } from "./trace";

/** Calls in flight, by token. */
const inflight = new Map<u32, HostCall>();
let nextToken: u32 = 1;

/** One operation the host performs for a fiber; created by the fiber that will wait for it. */
export class HostCall {
  /** Passed to the host: it completes the call with this token. */
  readonly token: u32;
  /** What the call does, for dumps (`host fetchUser #7`). */
  readonly what: string;
  /** The value the host completed it with (a byte count, a result, ...). */
  result: f64 = 0;
  /** A short error code (`ENOENT`, `ECONNRESET`, ...) if the operation failed, or null. */
  code: string | null = null;
  /** The host's error message if the operation failed, or null. */
  error: string | null = null;
  /** True once the host completed the call. */
  done: bool = false;
  /** @internal memory the host reads or writes while the call is in flight. */
  _pinned: Object | null;
  /** @internal the fiber waiting for it. */
  _waiters: WaitList;

  /** Starts a call; `pin` is kept alive until the host completes it. */
  constructor(what: string, pin: Object | null = null) {
    let token = nextToken++;
    if (nextToken == 0) nextToken = 1;
    this.token = token;
    this.what = what;
    this._pinned = pin;
    this._waiters = new WaitList(WaitKind.HostCall, token, what);
    inflight.set(token, this);
    if (traceOn) traceHostCall(token, what);
  }

  /** True if the host reported an error. */
  get failed(): bool {
    return this.code !== null || this.error !== null;
  }

  /**
   * Blocks the calling fiber until the host completes the call (at once if it has).
   * Returns Ok, or Cancelled / TimedOut if the wait ended first (the call stays in flight).
   */
  wait(): Outcome {
    if (this.done) return Outcome.Ok;
    return block(changetype<usize>(this._waiters));
  }

  /** `wait`, giving up after `ms` (TimedOut; the call stays in flight). */
  waitTimeout(ms: f64): Outcome {
    let previous = beginTimeout(ms);
    let result = this.wait();
    endTimeout(previous);
    return result;
  }
}

/** Number of calls in flight (the scheduler waits for them instead of reporting a deadlock). */
export function hostCallsPending(): i32 {
  return inflight.size;
}

/**
 * The host completed call `token` (abi.ts `__weft_complete`). Returns false if no such
 * call is in flight (completed twice, or a token the program never issued).
 */
export function completeHostCall(token: u32, result: f64, code: string | null, error: string | null): bool {
  if (!inflight.has(token)) return false;
  let call = inflight.get(token);
  inflight.delete(token);
  call.result = result;
  call.code = code;
  call.error = error;
  call.done = true;
  call._pinned = null;
  if (traceOn) traceHostDone(token, code !== null || error !== null);
  wakeAll(changetype<usize>(call._waiters), Outcome.Ok);
  return true;
}

