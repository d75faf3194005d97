// slice.ts: time slices and preemption: the work counter, safepoints, the clock reads.
//
// Model. The host gives each `run` (run.ts) a slice end on its clock; the scheduler hands
// control back once the slice is over, so that timers, I/O and signals get their turn
// however the fibers behave. The clock is read only every so much work: a work counter
// (`T.workLeft`) loses SWITCH_WORK on every switch (run.ts) and 1 at every safepoint, the
// check the build puts at the top of each loop of the program's own code
// (build/preempt.ts), and at every channel send that completes at once (`checkpoint`).
// When it runs out the clock is read (`readClock`), pending sleeps are armed, and the
// counter is refilled with a quantum adapted so that reads come about CHECK_MS apart.
//
// At a safepoint, a slice that is over (or a timer that is due) preempts the running
// fiber: it is marked PREEMPTED (dumps name the function it was in), prepared for the back
// of the run queue (published by the trampoline once its frames are saved, as a yield
// is: suspend.ts, runqueue.ts) and unwinds like a yield. A fiber that never yields
// therefore no longer stalls the program.
//
// Invariants:
//   - a safepoint allocates no managed object and keeps nothing across its unwind but its
//     argument: the build inserts it where AssemblyScript expected no call;
//   - outside a fiber (top-level code) a safepoint only refills the counter;
//   - PREEMPTED is set exactly while a fiber is suspended at a safepoint; `slot` then
//     holds the site (record.ts), which `siteName` turns into its function's name.
//
// Rejected: reading the clock at every safepoint (a host import, about 40 ns: more than
// a tight loop's iteration); a fixed quantum (a loop's iteration costs from 1 ns to
// microseconds, so a fixed count is either far too late or reads the clock far too often).

import { Outcome, Rec, PREEMPTED } from "../record";
import { T, PUBLISH_READY } from "../state";
import { beginUnwind, resumed } from "../switch";
import { hostNow } from "../platform";
import { TimerHeap } from "../timer";
import { flushSleeps } from "./sleep";
import { prepareReady } from "./runqueue";
import { SITE_NAME_MAX } from "../layout";

/** Units of work a switch counts for (run.ts). */
// @ts-ignore: decorator
@inline export const SWITCH_WORK: i32 = 64;
/** Aim: a clock read about every CHECK_MS of work. */
// @ts-ignore: decorator
@inline const CHECK_MS: f64 = 0.1;
// @ts-ignore: decorator
@inline const QUANTUM_MIN: i32 = 256;
// @ts-ignore: decorator
@inline const QUANTUM_MAX: i32 = 1 << 24;

/**
 * A safepoint's slow path (build/preempt.ts inserts the calls; `site` names the function
 * for dumps): the work counter ran out. Reads the clock; if the slice is over or a timer
 * is due, the running fiber is preempted: it goes to the tail of the run queue once saved
 * and unwinds like `yieldNow`.
 */
export function safepoint(site: i32): void {
  let f = T.current();
  if (resumed()) {
    Rec.setFlags(f, Rec.flags(f) & ~PREEMPTED);
    return;
  }
  if (f == 0) {
    readClock(); // top-level code: nothing to preempt
    return;
  }
  if (!preemptDue()) return;
  Rec.setFlags(f, Rec.flags(f) | PREEMPTED);
  Rec.setSlot(f, <u64>site, false);
  preempt(f);
  beginUnwind();
}

/**
 * A checkpoint in a primitive that completed without switching (a channel send that handed
 * its value over): counts one unit of work, and when the counter has run out and the slice
 * is over (or a timer is due), records the running fiber `f` as preempted, with outcome Ok.
 * True if it did: the primitive must then begin the unwind and return. A loop that cannot
 * go round without such a call needs no safepoint of its own (build/preempt.ts).
 */
// @ts-ignore: decorator
@inline export function checkpoint(f: usize): bool {
  let left = T.workLeft() - 1;
  T.setWorkLeft(left);
  if (left >= 0 || f == 0) return false;
  return preemptAfterCheckpoint(f);
}

/**
 * `checkpoint`'s slow path, kept out of line (build.ts OFF_THE_SWITCH_PATH): inlined, it
 * would grow every channel send in the program's own functions.
 */
export function preemptAfterCheckpoint(f: usize): bool {
  if (!preemptDue()) return false;
  Rec.setOutcome(f, Outcome.Ok);
  preempt(f);
  return true;
}

/**
 * Writes the name of the function that holds safepoint `site` at `buf` (UTF-8, at most
 * SITE_NAME_MAX bytes; it may write up to the next multiple of 8) and returns its length,
 * or 0 for a site it does not know. This body is a placeholder: the build replaces it with
 * the sites it numbered (build/preempt.ts), so that the core itself can name them, under
 * WASI as under the JavaScript host.
 */
export function siteNameInto(site: u32, buf: usize): u32 {
  return 0;
}

/** The function that holds safepoint `site`, for dumps: its name, or `function #<site>`. */
export function siteName(site: u32): string {
  let buf = heap.alloc(SITE_NAME_MAX);
  let n = siteNameInto(site, buf);
  let name = n != 0 && n <= <u32>SITE_NAME_MAX ? String.UTF8.decodeUnsafe(buf, n) : "function #" + site.toString();
  heap.free(buf);
  return name;
}

/** Reads the clock (arming pending sleeps): must the running fiber make way? */
function preemptDue(): bool {
  let now = readClock();
  return now >= T.sliceEnd() || (TimerHeap.size() != 0 && TimerHeap.nextDeadline() <= now);
}

/** Records the running fiber `f` for the run-queue tail (a yield); the caller begins the unwind. */
// @ts-ignore: decorator
@inline function preempt(f: usize): void {
  T.setWorkLeft(0); // the trampoline reads the clock at once: it fires the timers, ends the slice
  prepareReady(f); // published by the trampoline once saved (runqueue.ts)
  T.setPublish(PUBLISH_READY);
}

/**
 * Reads the host clock, arms the pending sleeps at that time (sleep.ts) and refills the
 * work counter, scaling the quantum so that the next read comes about CHECK_MS of work
 * later.
 */
export function readClock(): f64 {
  let now = hostNow();
  flushSleeps(now);
  let elapsed = now - T.lastRead();
  T.setLastRead(now);
  let q = T.quantum();
  if (elapsed > CHECK_MS * 2) q >>= 1;
  else if (elapsed < CHECK_MS / 2) q <<= 1;
  q = min(max(q, QUANTUM_MIN), QUANTUM_MAX); // (the record starts zeroed)
  T.setQuantum(q);
  T.setWorkLeft(q);
  return now;
}

/**
 * The start of a slice ending at `until` (host clock): time spent outside the scheduler
 * is not work, so the quantum's measure starts now. Returns now.
 */
export function beginSlice(until: f64): f64 {
  T.setSliceEnd(until);
  let now = hostNow();
  T.setLastRead(now);
  return now;
}
