// diag.ts: what the scheduler tells about itself: dumps of the live fibers, counters for
// user code (`schedulerStats`) and for the host (the stats block, layout.ts `STATS_*`).
//
// Model: nothing here is on the switch path. Counts that would cost a switch something to
// keep (fibers blocked now, fibers ready) are computed when they are read, by walking the
// live list or reading the run queue's length; a block's age is the switch count since it
// suspended (its saved block's `since`), which the host maps to time.
//
// Invariant: every block ends in exactly one wake, so wakes = blocks - blocked now.

import { FiberState, Rec, CANCELLED, PREEMPTED, SLEEPING, stateName, fiberLabel } from "../record";
import { T, S } from "../state";
import { STATS_SPAWNED, STATS_SWITCHES, STATS_ALIVE, STATS_PEAK, STATS_FAILED, STATS_SAVED_BYTES, STATS_SCRATCH_SIZE, STATS_GUARD_SIZE, STATS_SHADOW_SIZE, STATS_BLOCKED, STATS_TIMERS, STATS_HOST_CALLS, STATS_BLOCKS, STATS_READY } from "../layout";
import { Failure } from "../failure";
import { Saved, ShadowStack, SCRATCH_SIZE, GUARD_SIZE } from "../stack";
import { TimerHeap } from "../timer";
import { ScopeCore } from "../scopecore";
import { hostCallsPending } from "../hostcall";
import { readyCount } from "./runqueue";
import { liveFirst, mainAddress } from "./live";
import { describeWait } from "./wait";
import { armPendingSleeps } from "./sleep";
import { siteName } from "./slice";

/** The main fiber's failure, or null. */
export function mainFailure(): Failure | null {
  let main = mainAddress();
  return main != 0 ? changetype<Failure | null>(Rec.failure(main)) : null;
}

/** Id of the running fiber, or 0. */
export function currentId(): u32 {
  let f = T.current();
  return f != 0 ? Rec.id(f) : 0;
}

/**
 * One line per live fiber, oldest first: `#3 "worker" blocked (chan #5 recv) in scope #2
 * for 1234 switches`. At most `limit` lines (the newest are left out; a last line counts
 * them). With `minAge` >= 0, only fibers blocked for at least that many switches. Ages
 * are counted modulo 2^32 switches.
 */
export function dumpFibers(limit: u32, minAge: f64 = -1): string {
  let lines = new Array<string>();
  let skipped: u32 = 0;
  let now = <u32>T.switches();
  let p = liveFirst();
  if (minAge < 0) {
    // unfiltered: skip the newest beyond the limit without building their lines
    while (S.alive() - skipped > limit && p != 0) {
      p = Rec.liveNext(p);
      skipped++;
    }
  }
  while (p != 0) {
    let f = p;
    p = Rec.liveNext(f);
    let state = Rec.state(f);
    let saved = Rec.saved(f);
    let blocked = state == FiberState.Blocked && saved != 0;
    let age: u32 = blocked ? now - Saved.since(saved) : 0;
    if (minAge >= 0 && (!blocked || <f64>age < minAge)) continue;
    if (<u32>lines.length >= limit) {
      // the list is newest first: keep the oldest `limit`
      lines.shift();
      skipped++;
    }
    let line = fiberLabel(f) + " " + stateName(state);
    let list = Rec.waitList(f);
    if (list != 0) line += " (" + describeWait(list) + ")";
    if (Rec.flags(f) & PREEMPTED) line += " (preempted in " + siteName(<u32>Rec.slot(f)) + ")";
    if (Rec.flags(f) & CANCELLED) line += " cancelled";
    if (Rec.timer(f) != 0 && list != SLEEPING) line += " with deadline";
    let scope = Rec.scope(f);
    if (scope != 0) line += " in scope #" + changetype<ScopeCore>(scope).id.toString();
    if (blocked) line += " for " + age.toString() + (age == 1 ? " switch" : " switches");
    lines.push(line);
  }
  lines.reverse(); // spawn order
  if (skipped > 0) lines.push("... and " + skipped.toString() + " more");
  return lines.join("\n");
}

/** The text of `dumpFibers` for user code: every live fiber, one line each. */
export function dump(): string {
  return dumpFibers(u32.MAX_VALUE);
}

/** Fibers blocked now (walks the live list). */
export function blockedFibers(): u32 {
  let n: u32 = 0;
  for (let p = liveFirst(); p != 0; p = Rec.liveNext(p)) {
    if (Rec.state(p) == FiberState.Blocked) n++;
  }
  return n;
}

/** Scheduler counters, for user code. */
export class SchedulerStats {
  constructor(
    /** Fibers spawned since start, `main` included. */
    public readonly spawned: u64,
    /** Fibers that have not ended. */
    public readonly alive: u32,
    /** Fibers blocked now. */
    public readonly blocked: u32,
    /** Switches into a fiber so far. */
    public readonly switches: u64,
    /** Most fibers alive at once. */
    public readonly peak: u32,
    /** Fibers that failed. */
    public readonly failed: u32,
    /** Timers pending: sleeping fibers, operations with a deadline, running tickers. */
    public readonly timers: u32,
    /** Host calls in flight (hostcall.ts). */
    public readonly hostCalls: u32,
  ) {}
}

/** The scheduler's counters now. */
export function schedulerStats(): SchedulerStats {
  armPendingSleeps();
  return new SchedulerStats(S.spawned(), S.alive(), blockedFibers(), T.switches(), S.peak(), S.failed(), TimerHeap.size(), <u32>hostCallsPending());
}

/** Switches so far. */
export function switchTotal(): u64 {
  return T.switches();
}

/** Fibers that have not ended. */
export function aliveFibers(): u32 {
  return S.alive();
}

/** Fills the counters block (layout.ts `STATS_*`) and returns its address. */
export function statsAddress(): usize {
  let at = T.stats();
  store<u64>(at + STATS_SPAWNED, S.spawned());
  store<u64>(at + STATS_SWITCHES, T.switches());
  store<u32>(at + STATS_ALIVE, S.alive());
  store<u32>(at + STATS_PEAK, S.peak());
  store<u32>(at + STATS_FAILED, S.failed());
  store<u32>(at + STATS_SAVED_BYTES, S.savedBytes());
  store<u32>(at + STATS_SCRATCH_SIZE, <u32>SCRATCH_SIZE);
  store<u32>(at + STATS_GUARD_SIZE, <u32>GUARD_SIZE);
  store<u32>(at + STATS_SHADOW_SIZE, <u32>ShadowStack.size());
  store<u32>(at + STATS_BLOCKED, blockedFibers());
  store<u32>(at + STATS_TIMERS, TimerHeap.size());
  store<u32>(at + STATS_HOST_CALLS, <u32>hostCallsPending());
  store<u64>(at + STATS_BLOCKS, S.blocks());
  store<u32>(at + STATS_READY, readyCount());
  return at;
}
