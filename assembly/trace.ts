// trace.ts: what the fibers did, as events in a ring buffer in linear memory that the
// host drains (host/trace.ts turns them into a Chrome Trace Event file; docs/TRACING.md).
//
// The model. Tracing is off until `traceStart` (from the program, or the host through
// `__weft_trace_start`). Every hook in the scheduler is one line that tests the global
// `traceOn` and calls in here, so with tracing off a switch pays one predictable branch.
// With it on, each hook appends one fixed-size record at the ring's head; the host reads
// [tail, head) after every scheduler call (`__weft_run`) and calls `__weft_trace_drained`.
//
// One record, 24 bytes (layout in host/trace.ts `readRecords` too):
//
//   ┌──────┬─────┬────────┬───────┬─────┬──────┬──────────────────────────────────────┐
//   │ kind │ sub │ reason │ fiber │ arg │ arg2 │ time (f64, ms on the host clock, NaN │
//   │ u8   │ u8  │ u16    │ u32   │ u32 │ u32  │ = not read: the host interpolates)   │
//   └──────┴─────┴────────┴───────┴─────┴──────┴──────────────────────────────────────┘
//
// Time. A clock read goes through a host import (40 ns on a quiet machine, several times
// a switch); reading it on every switch would more than double a switch's cost. Frequent
// records (switches, wakes, spawns) therefore read the clock only every `stampEvery`-th
// time (default 8; 1 reads it always), and the host gives the others times interpolated
// between their stamped neighbours by record position. Rare records (ends, failures, host
// calls, collections, scheduler entry and exit) always read it. So the times of a stretch
// of plain switches are exact to within `stampEvery` switches.
//
// Bounded: the ring holds `capacity` records (a power of two, default 65,536: 1.5 MiB,
// allocated at the first start). When it is full, new records are dropped and counted
// (`dropped`, reported by the host as a gap in the trace) until the host drains it; the
// host drains after every scheduler call, so only a slice of more than `capacity` events
// without a return to the host (a spawn storm in one slice) can drop.
//
// Strings (fiber names, failure messages, host-call names, marks) are not copied: a record
// holds an index into `strings`, which keeps them alive until the host has read them.
//
// A running fiber's slice ends at the next switch record (or when the scheduler returns);
// what the fiber waits for is read from its record at that moment (its wait list, join
// target or sleep), so blocking needs no hook of its own.
//
// HOOK SITES (every one a single line `if (traceOn) trace...(...)`; re-place them here if
// the files move):
//   sched/run.ts     run         traceSwitch(f)            a fiber is switched in (previous one out)
//   sched/spawn.ts   newFiber    traceSpawn(f, current)    spawn (after liveAdd)
//   sched/wait.ts    readyAddress traceWake(f, current, WakeCause.Ready)
//   sched/wait.ts    wakeOne     traceWake(f, current, WakeCause.Op)     channel/mutex/join/... wake
//   sched/wait.ts    fireSelect  traceWake(f, current, WakeCause.Op)     a select fires
//   sched/cancel.ts  cancelFiber traceWake(f, current, WakeCause.Cancel)
//   sched/fail.ts    failFiber   traceFail(f, kind, message)              failure with its message
//   sched/finish.ts  finish      traceEnd(f, state)                       end (done or failed)
//   sched/fire.ts    fireTimers  traceWake(f, 0, WakeCause.Timer)         sleep / deadline
//   abi.ts        __weft_run    traceRunBegin() / traceRunEnd(status)    scheduler entry and exit
//   hostcall.ts   HostCall()    traceHostCall(token, what)               a host call starts
//   hostcall.ts   completeHostCall  traceHostDone(token, failed)         the host completed it
//   io/host.ts    finish        traceIo(call.token)                      the call is weft/io I/O
//   abi.ts        __weft_gc_interrupt / _yield / _collect  traceGc(...)  collector steps
// Collections: AssemblyScript's collector reports each incremental step and each full
// collection (its ASC_PROFILE hooks, linked by build/passes.ts `bindGcProfile` to
// abi.ts `__weft_gc_*`, which call traceGc while tracing; not in rtrace builds, whose
// host takes those hooks, nor under WASI); `weft.gc_state` (build/passes.ts
// `bindGcMarking`) gives the phase after each. trace.ts sits low (beside the lists it
// reads): it reads the running fiber (state.ts) and walks the live list (sched/live.ts)
// only when tracing starts, and fiber records through `Rec`. The build keeps the hooks on hot paths out of line
// (build.ts OUT_OF_LINE_HOOKS): the switch then carries a branch and, when on, one call.

import { FiberState, Rec, SLEEPING } from "./record";
import { T } from "./state";
import { hostNow } from "./platform";
import { WaitList, WaitKind, NODE_TAG, SelectState } from "./sync/waitlist";
import { liveFirst } from "./sched/live";

/**
 * The collector's phase (0 idle, 1 mark, 2 sweep): the build binds this import to a read
 * of AssemblyScript's private `~lib/rt/itcms/state` (build/passes.ts `bindGcMarking`).
 */
// @ts-ignore: decorator
@external("weft", "gc_state")
declare function gcState(): i32;

/** Record kinds (host/trace.ts `Kind` mirrors them). */
export const enum TraceKind {
  /** fiber = switched in (0: none, the scheduler), arg = switched out (0: none); sub = why out (Out). */
  Switch = 1,
  /** fiber = woken, arg = waker (0: the scheduler), sub = WakeCause, reason = its outcome. */
  Wake = 2,
  /**
   * fiber = new fiber, arg = spawner (0: the host or top-level code), arg2 = name string + 1
   * (0: none); sub 1: not a spawn, the name of a fiber alive when tracing started.
   */
  Spawn = 3,
  /** fiber ended; sub = FiberState (Done, Failed). */
  End = 4,
  /** fiber failed: sub = FailureKind, arg2 = message string + 1. */
  Fail = 5,
  /** fiber started host call arg (token), arg2 = its name string + 1. */
  HostCall = 6,
  /** host call arg (token) completed; sub = 1 if with an error. */
  HostDone = 7,
  /** host call arg (token) is weft/io I/O. */
  Io = 8,
  /** the collector: sub = GcEvent, reason = its phase after it (0 idle, 1 mark, 2 sweep), arg = bytes allocated. */
  Gc = 9,
  /** the scheduler was entered (`__weft_run`). */
  RunBegin = 10,
  /** the scheduler returned with status sub. */
  RunEnd = 11,
  /** tracing started (sub 1) or stopped (sub 0); arg = 1 if by the program. */
  Toggle = 12,
  /** a mark from the program (`traceMark`): fiber = the running fiber, arg2 = text string + 1. */
  Mark = 13,
}

/** What the collector did (sub of a Gc record). */
export const enum GcEvent {
  /** An incremental step began (an allocation crossed the threshold). */
  StepBegin = 0,
  /** The step ended; with phase idle, a whole cycle has ended. */
  StepEnd = 1,
  /** A full collection (`__collect()`) ended. */
  Full = 2,
}

/** Why a fiber's run slice ended (sub of a Switch record). */
export const enum Out {
  None = 0,
  Yield = 1,
  /** Blocked: `reason` says on what, arg2 its id. */
  Block = 2,
}

/** What a blocked fiber waits for (reason of a Switch record with Out.Block). */
export const enum Reason {
  /** park() with no wait list: a fiber someone will `ready()`. */
  Park = 1,
  /** sleep: arg2 unused. */
  Sleep = 2,
  /** join: arg2 = the target's id. */
  Join = 3,
  /** select: arg2 = the number of cases it waits on. */
  Select = 4,
  /** A wait list (sync/waitlist.ts): reason = 16 + WaitKind, arg2 = the owner's id. */
  List = 16,
}

/** Who or what woke a fiber (sub of a Wake record). */
export const enum WakeCause {
  /** An operation of the waker: a channel hand-off, an unlock, a close, a host call completing. */
  Op = 0,
  /** Its timer: a sleep ended or a deadline passed. */
  Timer = 1,
  /** The fiber it joined ended. */
  Join = 2,
  /** It was cancelled (its scope). */
  Cancel = 3,
  /** `ready()` by another fiber. */
  Ready = 4,
}

// @ts-ignore: decorator
@inline const RECORD_SIZE: u32 = 24;
// @ts-ignore: decorator
@inline const DEFAULT_CAPACITY: u32 = 1 << 16;
// @ts-ignore: decorator
@inline const DEFAULT_STAMP_EVERY: u32 = 8;

/** True while events are recorded: the one global every hook tests. */
export let traceOn: bool = false;

/**
 * The header the host reads (host/trace.ts `Header`), u32 words:
 *   0 version  4 on  8 head  12 tail  16 capacity  20 ring address  24 dropped
 *   28 stampEvery  32 strings
 * head and tail count records since the ring was made (modulo 2^32); a record's slot is
 * its count & (capacity - 1).
 */
// @ts-ignore: decorator
@lazy const HEADER: usize = memory.data(40, 8);
let ring: usize = 0;
let capacity: u32 = 0;
let head: u32 = 0;
let tail: u32 = 0;
let dropped: u32 = 0;
let stampEvery: u32 = DEFAULT_STAMP_EVERY;
let stampLeft: u32 = 0;
/** The fiber whose run slice is open (the running one), or 0. */
let lastRun: usize = 0;
/** Strings the records since the last drain refer to (index + 1 in the record). */
let strings = new Array<string>();

/**
 * Starts recording. `ringCapacity` (records, rounded up to a power of two; 0: the current
 * or default) and `every` (clock reads per frequent record; 0: the current or default)
 * apply from this start. Returns false if tracing was on already.
 */
export function traceStart(ringCapacity: u32 = 0, every: u32 = 0): bool {
  return startTrace(ringCapacity, every, true);
}

/** `traceStart`, by the program or (`byProgram` false) by the host. */
export function startTrace(ringCapacity: u32, every: u32, byProgram: bool): bool {
  if (traceOn) return false;
  if (every != 0) stampEvery = every;
  let want = ringCapacity != 0 ? ringCapacity : (capacity != 0 ? capacity : DEFAULT_CAPACITY);
  if (want < 64) want = 64;
  if (want > (1 << 24)) want = 1 << 24;
  want = <u32>1 << (32 - clz<u32>(want - 1));
  if (want != capacity) {
    if (ring != 0 && head != tail) {
      // records the host has not read: keep them (the new size applies next time)
      want = capacity;
    } else {
      if (ring != 0) heap.free(ring);
      ring = heap.alloc(<usize>want * RECORD_SIZE);
      capacity = want;
      head = tail = 0;
    }
  }
  traceOn = true;
  stampLeft = 0;
  lastRun = 0;
  let t = hostNow();
  put(TraceKind.Toggle, 1, 0, 0, byProgram ? 1 : 0, 0, t);
  // the fibers alive now get their names (Spawn with sub 1: no spawn event), up to half the ring
  for (let p = liveFirst(); p != 0 && head - tail < capacity >> 1; p = Rec.liveNext(p)) {
    let name = Rec.name(p);
    if (name != 0) put(TraceKind.Spawn, 1, 0, idOf(p), 0, intern(changetype<string>(name)), t);
  }
  // started by a running fiber: its slice is open from now on
  let running = T.current();
  if (running != 0) put(TraceKind.Switch, 0, 0, idOf(running), 0, 0, t);
  lastRun = running;
  return true;
}

/** Stops recording (the running fiber's slice is closed at this moment). */
export function traceStop(): void {
  stopTrace(true);
}

/** `traceStop`, by the program or (`byProgram` false) by the host. */
export function stopTrace(byProgram: bool): void {
  if (!traceOn) return;
  let t = hostNow();
  if (lastRun != 0) put(TraceKind.Switch, <i32>outOf(lastRun), reasonOf(lastRun), 0, idOf(lastRun), argOf(lastRun), t);
  lastRun = 0;
  put(TraceKind.Toggle, 0, 0, 0, byProgram ? 1 : 0, 0, t);
  traceOn = false;
}

/** True while tracing is on. */
export function tracing(): bool {
  return traceOn;
}

/** Adds a mark (an instant event with `text`) on the running fiber's track, if tracing. */
export function traceMark(text: string): void {
  if (!traceOn) return;
  put(TraceKind.Mark, 0, 0, idOf(lastRun), 0, intern(text), hostNow());
}

// ─── hooks (called only while traceOn) ───────────────────────────────────────────────

/** The trampoline switches fiber `f` in; the slice before it (if any) ends here. */
export function traceSwitch(f: usize): void {
  let t = stamp();
  let prev = lastRun;
  lastRun = f;
  // the common case first: the fiber before yielded (no reason to look up)
  if (prev != 0 && Rec.state(prev) == FiberState.Ready) put(TraceKind.Switch, Out.Yield, 0, idOf(f), idOf(prev), 0, t);
  else if (prev != 0) put(TraceKind.Switch, <i32>outOf(prev), reasonOf(prev), idOf(f), idOf(prev), argOf(prev), t);
  else put(TraceKind.Switch, 0, 0, idOf(f), 0, 0, t);
}

/** Fiber `f` was spawned by `spawner` (0: the host or top-level code). */
export function traceSpawn(f: usize, spawner: usize): void {
  let name = Rec.name(f);
  let s: u32 = name != 0 ? intern(changetype<string>(name)) : 0;
  put(TraceKind.Spawn, 0, 0, idOf(f), idOf(spawner), s, stamp());
}

/** Blocked fiber `f` is made ready by `waker` (0: the scheduler) for `cause`. */
export function traceWake(f: usize, waker: usize, cause: WakeCause): void {
  if (waker == 0) closeSlice();
  put(TraceKind.Wake, <i32>cause, <i32>Rec.outcome(f), idOf(f), idOf(waker), 0, stamp());
}

/** Fiber `f` failed (before it ends). */
export function traceFail(f: usize, kind: i32, message: string): void {
  put(TraceKind.Fail, kind, 0, idOf(f), 0, intern(message), hostNow());
}

/** Fiber `f` ended in `state` (Done or Failed); its slice, if open, ends here. */
export function traceEnd(f: usize, state: FiberState): void {
  if (f != lastRun) closeSlice();
  else lastRun = 0;
  put(TraceKind.End, <i32>state, 0, idOf(f), 0, 0, hostNow());
}

/** The running fiber starts host call `token` named `what`. */
export function traceHostCall(token: u32, what: string): void {
  put(TraceKind.HostCall, 0, 0, idOf(lastRun), token, intern(what), hostNow());
}

/** The host completed call `token` (with an error if `failed`). */
export function traceHostDone(token: u32, failed: bool): void {
  closeSlice();
  put(TraceKind.HostDone, failed ? 1 : 0, 0, 0, token, 0, hostNow());
}

/** Host call `token` is an I/O operation of weft/io. */
export function traceIo(token: u32): void {
  put(TraceKind.Io, 0, 0, idOf(lastRun), token, 0, NaN);
}

/** The collector did `event` with `total` bytes allocated. */
export function traceGc(event: GcEvent, total: usize): void {
  put(TraceKind.Gc, <i32>event, gcState(), 0, <u32>total, 0, hostNow());
}

/** The host entered the scheduler. */
export function traceRunBegin(): void {
  put(TraceKind.RunBegin, 0, 0, 0, 0, 0, hostNow());
}

/** The scheduler returns `status` to the host: the last slice ends here. */
export function traceRunEnd(status: i32): void {
  closeSlice();
  put(TraceKind.RunEnd, status, 0, 0, 0, 0, hostNow());
}

// ─── the host's side (abi.ts exports) ───────────────────────────────────────────────────

/** Address of the header, refreshed. */
export function traceHeader(): usize {
  store<u32>(HEADER, 1, 0);
  store<u32>(HEADER, traceOn ? 1 : 0, 4);
  store<u32>(HEADER, head, 8);
  store<u32>(HEADER, tail, 12);
  store<u32>(HEADER, capacity, 16);
  store<u32>(HEADER, <u32>ring, 20);
  store<u32>(HEADER, dropped, 24);
  store<u32>(HEADER, stampEvery, 28);
  store<u32>(HEADER, <u32>strings.length, 32);
  return HEADER;
}

/** String `index` (as stored in a record, minus one) since the last drain. */
export function traceString(index: u32): string | null {
  return index < <u32>strings.length ? unchecked(strings[index]) : null;
}

/** The host read everything up to the head: the ring, the drop count and the strings are free again. */
export function traceDrained(): void {
  tail = head;
  dropped = 0;
  strings.length = 0;
}

// ─── internals ──────────────────────────────────────────────────────────────────────────

/** Appends one record, or counts it dropped when the ring is full. */
// @ts-ignore: decorator
@inline function put(kind: i32, sub: i32, reason: i32, fiber: u32, arg: u32, arg2: u32, time: f64): void {
  if (head - tail >= capacity) {
    dropped++;
    return;
  }
  let p = ring + <usize>(head & (capacity - 1)) * RECORD_SIZE;
  store<u8>(p, <u8>kind, 0);
  store<u8>(p, <u8>sub, 1);
  store<u16>(p, <u16>reason, 2);
  store<u32>(p, fiber, 4);
  store<u32>(p, arg, 8);
  store<u32>(p, arg2, 12);
  store<f64>(p, time, 16);
  head++;
}

/** The clock for a frequent record: read every `stampEvery`-th time, else NaN. */
// @ts-ignore: decorator
@inline function stamp(): f64 {
  if (stampLeft == 0) {
    stampLeft = stampEvery - 1;
    return hostNow();
  }
  stampLeft--;
  return NaN;
}

/** The scheduler runs (no fiber): the slice of the fiber that ran last, if open, ends now. */
function closeSlice(): void {
  let prev = lastRun;
  if (prev == 0) return;
  lastRun = 0;
  put(TraceKind.Switch, <i32>outOf(prev), reasonOf(prev), 0, idOf(prev), argOf(prev), hostNow());
}

function intern(s: string): u32 {
  strings.push(s);
  return <u32>strings.length;
}

// @ts-ignore: decorator
@inline function idOf(f: usize): u32 {
  return f != 0 ? Rec.id(f) : 0;
}

/** Why fiber `f`'s slice is ending: it yielded (ready again) or blocked. */
function outOf(f: usize): Out {
  let state = Rec.state(f);
  if (state == FiberState.Blocked) return Out.Block;
  if (state == FiberState.Ready) return Out.Yield;
  return Out.None;
}

/** What blocked fiber `f` waits for (Reason), 0 if it is not blocked. */
function reasonOf(f: usize): i32 {
  if (Rec.state(f) != FiberState.Blocked) return 0;
  let list = Rec.waitList(f);
  if (list == 0) return Reason.Park;
  if (list == SLEEPING) return Reason.Sleep;
  if (list & NODE_TAG) return Reason.Select;
  let kind = changetype<WaitList>(list).kind;
  // a joiner waits on its target's joiners list (sched/join.ts): owner = the target's id
  if (kind == WaitKind.Join) return Reason.Join;
  return Reason.List + <i32>kind;
}

/** The id that goes with reasonOf(f): a join target, an owner id, a select's case count. */
function argOf(f: usize): u32 {
  if (Rec.state(f) != FiberState.Blocked) return 0;
  let list = Rec.waitList(f);
  if (list == 0 || list == SLEEPING) return 0;
  if (list & NODE_TAG) return <u32>changetype<SelectState>(list & ~NODE_TAG)._nodes.length;
  return changetype<WaitList>(list).ownerId;
}
