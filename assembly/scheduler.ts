// scheduler.ts: the run queue, the trampoline loop and the suspend primitives.
//
// The model (M:1). One wasm instance runs one scheduler. Fibers are cooperative: a fiber
// runs until it yields, parks (blocks) or ends. The host enters the scheduler through one
// export (`__weft_run`, abi.ts) and the trampoline below runs fibers one after another
// until the program's `main` fiber ends, no fiber is ready, or its switch budget is spent
// (see `run` for why there is one); control returns to the host only then. No switch
// crosses into JavaScript.
//
// A switch (docs/ARCHITECTURE.md has the picture):
//   1. the fiber calls a suspend primitive (`yieldNow`, `park`, a channel operation that
//      must wait), which records where the fiber goes (run-queue tail, or a wait list) and
//      starts an asyncify unwind;
//   2. every instrumented frame saves itself into the scratch area and returns, so control
//      comes back to the trampoline, right after its call into the fiber's entry;
//   3. the trampoline stops the unwind and moves the frames and the shadow-stack slice into
//      the fiber's saved block (stack.ts), sized to fit;
//   4. it pops the next fiber, copies its slice back below the fiber base, sets the stack
//      pointer, starts a rewind from its saved block and calls its entry function: the
//      frames reload their locals on the way down and the primitive returns into user code.
//
// Invariants:
//   - a fiber is on the run queue iff its state is Ready, and at most once (checked on
//     every push); a Blocked fiber is on at most one wait list (a joiner on its target's;
//     a fiber that called `park` wherever its waker keeps it); nothing is ever dropped: a
//     fiber leaves the live list only when it is Done or Failed;
//   - while a fiber runs, the stack pointer is at or below `fiberBase`, and the scheduler's
//     own state lives in globals and linear memory, never on the shadow stack: the
//     trampoline holds only raw addresses so that it has no shadow frame of its own that a
//     restored slice could overlap;
//   - the run queue is FIFO: `yieldNow` puts the caller at the tail, so N fibers that yield
//     in a loop run in strict round robin.
//
// Time slices and preemption. The host gives each `run` a slice end on its clock; the
// scheduler hands control back once the slice is over, so that timers, I/O and signals get
// their turn however the fibers behave. The clock is read only every so much work: a work
// counter (`workLeft`) loses SWITCH_WORK on every switch and 1 at every safepoint, the
// check the build puts at the top of each loop of the program's own code (build/preempt.ts).
// When it runs out, the clock is read, pending sleeps are armed, due timers fire, and the
// counter is refilled with a quantum adapted so that reads come about CHECK_MS apart. At a
// safepoint, a slice that is over (or a timer that is due) preempts the running fiber: it
// goes to the back of the run queue and unwinds like a yield, and the trampoline goes on
// from there. A fiber that never yields therefore no longer stalls the program.
//
// Rejected designs:
//   - Trampolining through JavaScript (Emscripten's fibers): every switch pays a wasm→JS→
//     wasm round trip, about 400 ns on this machine class; ours stays in wasm.
//   - A fixed per-fiber asyncify buffer to unwind into directly: asyncify checks the bound
//     only after the whole unwind is written, so an undersized buffer is overrun; the shared
//     scratch area with a guard zone behind it absorbs an overrun until the trampoline reads
//     how far it went, and keeps each saved block exact.
//   - Virtual dispatch or a generic invoker for entry calls: each adds an instrumented frame
//     to every switch; the trampoline instead calls the entry's table index directly with
//     the argument's wasm type (EntryKind).
//   - Managed (GC-tracked) links for the run queue: a write barrier on every switch. The
//     live list keeps fibers alive instead, and only it is visited by the GC.

import { Fiber, FiberState, EntryKind, Failure, FailureKind, Outcome, SLOT_IS_REF, CANCELLED, HAS_DEADLINE, HOST_SPAWNED, PREEMPTED, stateName, Rec } from "./fiber";
import { TimerHeap, TICKER_TAG } from "./timer";
import { tickerFired } from "./ticker";
import { hostNow } from "./platform";
import { hostCallsPending } from "./hostcall";
import { hostFiberEnded } from "./interop";
import { Scope, memberEnded } from "./scope";
import { WaitList, Waiters, WaitNode, SelectState, NODE_TAG, unlinkSelect, describeSelect } from "./sync/waitlist";
import { Scratch, ShadowStack, Saved, SCRATCH_SIZE, GUARD_SIZE, copyWords } from "./stack";
import { beginUnwind, endUnwind, beginRewind, resumed, unwindState, UnwindState, abandonUnwind } from "./switch";
import { traceOn, traceSwitch, traceSpawn, traceWake, traceFail, traceEnd, WakeCause } from "./trace";

/**
 * Is AssemblyScript's incremental GC in its mark phase? Reads the collector's private
 * state: the build binds this import to `~lib/rt/itcms/state == STATE_MARK`
 * (build/passes.ts `bindGcMarking`), which the optimizer inlines.
 */
// @ts-ignore: decorator
@external("weft", "gc_marking")
declare function gcMarking(): bool;

// ─── scheduler state (globals: per instance, see docs/ARCHITECTURE.md on threads) ───────

/** The running fiber's record, or 0 when the scheduler (or no wasm) is running. */
let current: usize = 0;
/** Run queue: FIFO, linked through `Fiber._next`. */
let runHead: usize = 0;
let runTail: usize = 0;
/** Every fiber that has not ended. The GC reaches them from here (fiber.ts `__visit`). */
let liveHead: Fiber | null = null;
/** The program's `main` fiber (id 1) once started; kept for its outcome after it ends. */
let mainFiber: Fiber | null = null;
/** Shadow-stack pointer at which fibers start: the trampoline's own stack pointer. */
let fiberBase: usize = 0;
let nextId: u32 = 1;
let started: bool = false;

// Counters (read by the host through `statsAddress`).
let spawnedCount: u64 = 0;
let aliveCount: u32 = 0;
let peakAlive: u32 = 0;
let switchCount: u64 = 0;
let failedCount: u32 = 0;
let savedBytes: usize = 0;
/** Times a fiber blocked (`park`); every block ends in one wake, so wakes = this - blocked now. */
let blockCount: u64 = 0;
// ─── time slices (see the essay above) ─────────────────────────────────────────────────

/**
 * Work left before the next clock read. Written by the trampoline (SWITCH_WORK per
 * switch), by every safepoint (1 per loop iteration, code the build inserts: its name is
 * build/preempt.ts's WORK_LEFT_GLOBAL) and refilled by `readClock`.
 */
export let workLeft: i32 = 0;
/** Host-clock time at which the current `run` slice ends (its argument). */
let sliceEnd: f64 = Infinity;
/** Units of work a switch counts for. */
// @ts-ignore: decorator
@inline const SWITCH_WORK: i32 = 64;
/** Aim: a clock read about every CHECK_MS of work. */
// @ts-ignore: decorator
@inline const CHECK_MS: f64 = 0.1;
// @ts-ignore: decorator
@inline const QUANTUM_MIN: i32 = 256;
// @ts-ignore: decorator
@inline const QUANTUM_MAX: i32 = 1 << 24;
/** Work between clock reads, adapted by `readClock`. */
let quantum: i32 = QUANTUM_MIN;
/** Host-clock time of the last clock read. */
let lastRead: f64 = 0;

/** Why `run` returned to the host. */
export const enum RunStatus {
  /** `main` ended (done or failed): the program is over. */
  MainEnded = 0,
  /**
   * No fiber is ready, no timer is pending and no host call is outstanding: every fiber
   * left is blocked for good (a deadlock, if `main` has not ended).
   */
  Idle = 1,
  /** The switch budget is spent; fibers are still ready. Call `run` again. */
  Budget = 2,
  /**
   * No fiber is ready, but a timer is pending (`nextDeadline()`) or a host call is
   * outstanding: call `run` again at that deadline, or when the host completes a call.
   */
  Waiting = 3,
}

/**
 * `_waitList` of a fiber blocked in `sleep`: it waits on no list, only on its timer.
 * Even, so never taken for a tagged select (NODE_TAG), and below any heap address.
 */
// @ts-ignore: decorator
@inline export const SLEEPING: usize = 2;

// ─── run queue ──────────────────────────────────────────────────────────────────────────

// @ts-ignore: decorator
@inline function enqueue(f: usize): void {
  // a queued fiber is Ready; queueing it again would corrupt the queue
  if (Rec.state(f) == FiberState.Ready) queuedTwice(f);
  Rec.setState(f, FiberState.Ready);
  Rec.setNext(f, 0);
  if (runTail != 0) Rec.setNext(runTail, f);
  else runHead = f;
  runTail = f;
}

function queuedTwice(f: usize): void {
  abort("internal: fiber " + changetype<Fiber>(f).toString() + " queued twice");
}

// @ts-ignore: decorator
@inline function dequeue(): usize {
  let f = runHead;
  if (f != 0) {
    runHead = Rec.next(f);
    if (runHead == 0) runTail = 0;
    Rec.setNext(f, 0);
  }
  return f;
}

/** Removes `f` from the run queue if it is there (failure path only: O(queue)). */
function unqueue(f: usize): void {
  let prev: usize = 0;
  let p = runHead;
  while (p != 0) {
    let next = changetype<Fiber>(p)._next;
    if (p == f) {
      if (prev != 0) changetype<Fiber>(prev)._next = next;
      else runHead = next;
      if (runTail == f) runTail = prev;
      changetype<Fiber>(f)._next = 0;
      return;
    }
    prev = p;
    p = next;
  }
}

// ─── live list ──────────────────────────────────────────────────────────────────────────

/**
 * Puts a new fiber at the head of the live list. The fiber must come straight from
 * `__new` with no allocation since, so it is white: a store into a white object needs no
 * write barrier (itcms.ts `__link` acts only for a black or pinned parent), and the
 * collector reaches it through `liveHead`, a root it visits again before sweeping.
 */
function liveAdd(fiber: Fiber): void {
  let head = liveHead;
  if (head !== null) {
    store<usize>(changetype<usize>(fiber), changetype<usize>(head), offsetof<Fiber>("_liveNext"));
    head._livePrev = changetype<usize>(fiber);
  }
  liveHead = fiber;
  if (++aliveCount > peakAlive) peakAlive = aliveCount;
}

function liveRemove(f: usize): void {
  let prev = load<usize>(f, offsetof<Fiber>("_livePrev"));
  let next = load<usize>(f, offsetof<Fiber>("_liveNext"));
  if (prev != 0) {
    store<usize>(prev, next, offsetof<Fiber>("_liveNext"));
    __link(prev, next, false);
  } else {
    liveHead = changetype<Fiber | null>(next);
  }
  if (next != 0) store<usize>(next, prev, offsetof<Fiber>("_livePrev"));
  store<usize>(f, 0, offsetof<Fiber>("_liveNext"));
  store<usize>(f, 0, offsetof<Fiber>("_livePrev"));
  --aliveCount;
}

// ─── spawning ───────────────────────────────────────────────────────────────────────────

/** Makes a new fiber (fresh from `__new`, see newFiber) a member of the scope at `scope`. */
function joinScope(fiber: Fiber, scope: usize): void {
  let s = changetype<Scope>(scope);
  // a new, white record: no write barrier (see liveAdd)
  store<usize>(changetype<usize>(fiber), scope, offsetof<Fiber>("_scope"));
  s._alive++;
  if (s.cancelled) fiber._flags |= CANCELLED;
}

/** Scope for the next spawn (set by Scope.spawn), else the spawner's own scope. */
let spawnScope: Scope | null = null;

function newFiber(name: string | null, kind: u8, fn: u32, arg: u64): Fiber {
  // Allocated without running a constructor: AssemblyScript's would store a zero into
  // every field of memory that `__new` has just zeroed, and call the write barrier for
  // each managed one (about a third of a spawn). Nothing between `__new` and `liveAdd`
  // allocates, so no GC step runs before the live list holds the record, and the record
  // stays white until then.
  let f = __new(offsetof<Fiber>(), idof<Fiber>());
  store<u32>(f, nextId++, offsetof<Fiber>("id"));
  // the record is white: no write barrier (see liveAdd)
  store<usize>(f, changetype<usize>(name), offsetof<Fiber>("_name"));
  Rec.setState(f, FiberState.Blocked); // not yet queued (enqueue makes it Ready)
  store<u8>(f, kind, offsetof<Fiber>("_kind"));
  store<u32>(f, fn, offsetof<Fiber>("_fn"));
  store<u64>(f, arg, offsetof<Fiber>("_slot"));
  // raw addresses: a managed temporary here would give every spawn a shadow-stack frame
  let scope = changetype<usize>(spawnScope);
  if (scope != 0) spawnScope = null;
  else if (current != 0) scope = load<usize>(current, offsetof<Fiber>("_scope"));
  let fiber = changetype<Fiber>(f);
  if (scope != 0) joinScope(fiber, scope);
  liveAdd(fiber);
  if (traceOn) traceSpawn(f, current);
  ++spawnedCount;
  enqueue(f);
  return fiber;
}

/**
 * Starts `fn` as a new fiber. It runs when the scheduler reaches it in the run queue (the
 * caller keeps running until it yields or blocks).
 */
export function spawn(fn: () => void, name: string | null = null): Fiber {
  return newFiber(name, <u8>EntryKind.NoArg, fn.index, 0);
}

/**
 * Starts `fn(arg)` as a new fiber. AssemblyScript functions cannot capture variables, so
 * this is how data reaches a fiber; a managed `arg` is kept alive by the fiber.
 */
export function spawnWith<T>(fn: (arg: T) => void, arg: T, name: string | null = null): Fiber {
  let kind: u8;
  let bits: u64;
  if (isManaged<T>()) {
    kind = <u8>EntryKind.I32;
    bits = <u64>changetype<usize>(arg);
  } else if (isFloat<T>()) {
    if (sizeof<T>() == 4) {
      kind = <u8>EntryKind.F32;
      bits = <u64>reinterpret<u32>(<f32>arg);
    } else {
      kind = <u8>EntryKind.F64;
      bits = reinterpret<u64>(<f64>arg);
    }
  } else if (sizeof<T>() == 8) {
    kind = <u8>EntryKind.I64;
    bits = <u64>arg;
  } else {
    kind = <u8>EntryKind.I32;
    // @ts-ignore: T is an integer, a bool or an unmanaged pointer here
    bits = <u64><u32>arg;
  }
  let fiber = newFiber(name, kind, fn.index, bits);
  if (isManaged<T>()) {
    fiber._flags = SLOT_IS_REF;
    __link(changetype<usize>(fiber), changetype<usize>(arg), false);
  }
  return fiber;
}

/** The running fiber. Fails the caller if called outside any fiber (in top-level code). */
export function currentFiber(): Fiber {
  if (current == 0) misuse("currentFiber() called outside a fiber");
  return changetype<Fiber>(current);
}

// ─── suspend primitives (uninstrumented: they call the asyncify intrinsics) ─────────────

/**
 * Lets every other ready fiber run once, then continues. The caller goes to the tail of
 * the run queue.
 */
export function yieldNow(): void {
  if (resumed()) return;
  let f = current;
  if (f == 0) outsideFiber("yieldNow()");
  enqueue(f);
  beginUnwind();
}

/**
 * Blocks the running fiber until another fiber passes it to `ready()`. The caller should
 * first record itself where its waker will find it (a wait list); a fiber that parks
 * with no waker stays blocked until the program ends, and is reported then.
 */
export function park(): void {
  if (resumed()) return;
  let f = current;
  if (f == 0) outsideFiber("park()");
  suspend(f);
}

/**
 * A safepoint's slow path (build/preempt.ts inserts the calls; `site` names the function
 * for dumps): the work counter ran out. Reads the clock; if the slice is over or a timer
 * is due, the running fiber is preempted: it goes to the tail of the run queue and unwinds
 * like `yieldNow`. Allocates no managed object (it runs where AssemblyScript expected no
 * call), and does nothing outside a fiber (top-level code).
 */
export function safepoint(site: i32): void {
  let f = current;
  if (resumed()) {
    store<u8>(f, Rec.flags(f) & ~PREEMPTED, offsetof<Fiber>("_flags"));
    return;
  }
  if (f == 0) {
    readClock(); // top-level code: nothing to preempt
    return;
  }
  if (!preemptDue()) return;
  store<u8>(f, Rec.flags(f) | PREEMPTED, offsetof<Fiber>("_flags"));
  Rec.setSlot(f, <u64>site, false);
  preempt(f);
  beginUnwind();
}

/**
 * A checkpoint in a primitive that completed without switching (a channel send that handed
 * its value over): counts one unit of work, and when the counter has run out and the slice
 * is over (or a timer is due), queues the running fiber `f` as preempted, with outcome Ok.
 * True if it did: the primitive must then begin the unwind and return. A loop that cannot
 * go round without such a call needs no safepoint of its own (build/preempt.ts).
 */
// @ts-ignore: decorator
@inline export function checkpoint(f: usize): bool {
  if (--workLeft >= 0 || f == 0) return false;
  if (!preemptDue()) return false;
  Rec.setOutcome(f, Outcome.Ok);
  preempt(f);
  return true;
}

/** Reads the clock (arming pending sleeps): must the running fiber make way? */
function preemptDue(): bool {
  let now = readClock();
  flushSleeps(now);
  return now >= sliceEnd || (TimerHeap.size() != 0 && TimerHeap.nextDeadline() <= now);
}

/** Queues the running fiber `f` at the tail, preempted; the caller begins the unwind. */
function preempt(f: usize): void {
  workLeft = 0; // the trampoline reads the clock at once: it fires the timers, ends the slice
  enqueue(f);
}

/**
 * Reads the host clock and refills the work counter, scaling the quantum so that the next
 * read comes about CHECK_MS of work later.
 */
function readClock(): f64 {
  let now = hostNow();
  let elapsed = now - lastRead;
  lastRead = now;
  let q = quantum;
  if (elapsed > CHECK_MS * 2) q = max(q >> 1, QUANTUM_MIN);
  else if (elapsed < CHECK_MS / 2) q = min(q << 1, QUANTUM_MAX);
  quantum = q;
  workLeft = q;
  return now;
}

/**
 * The trampoline's clock check, when the work counter ran out: arms the pending sleeps,
 * fires due timers; true when the slice is over.
 */
function sliceOver(): bool {
  let now = readClock();
  flushSleeps(now);
  if (TimerHeap.size() != 0) fireTimers(now);
  return now >= sliceEnd;
}

/**
 * The suspending tail of every primitive: `f` (the running fiber) becomes Blocked and the
 * unwind begins. The primitive must return right after it.
 */
// @ts-ignore: decorator
@inline function suspend(f: usize): void {
  Rec.setState(f, FiberState.Blocked);
  ++blockCount;
  beginUnwind();
}

/**
 * The blocking half of a suspend primitive that waits on a wait list (the channel
 * operations in sync/channel.ts are such primitives: their whole operation then runs
 * uninstrumented, and the fiber's own function saves its frame around one call). Queues
 * the running fiber `f` on the list at `list` and begins the unwind: the primitive must
 * return at once when this returns true. False, with the fiber's outcome saying why
 * (Cancelled, TimedOut), if it must not block.
 */
// @ts-ignore: decorator
@inline export function suspendOn(f: usize, list: usize): bool {
  if (!enterWaitList(f, list, true)) return false;
  suspend(f);
  return true;
}

/** A primitive called in top-level code: out of line, so the primitive has no shadow frame. */
function outsideFiber(what: string): void {
  misuse(what + " called outside a fiber");
}

/** Makes a blocked fiber ready again (it goes to the tail of the run queue). */
export function ready(fiber: Fiber): void {
  if (<FiberState>fiber._state != FiberState.Blocked) {
    misuse("ready() on fiber " + fiber.toString() + ", which is " + stateName(<FiberState>fiber._state) + ", not blocked");
  }
  // a joiner (or a fiber on a wait list) is woken by its primitive; waking it early
  // would leave it linked on that list
  if (fiber._joining != 0) misuse("ready() on fiber " + fiber.toString() + ", which is blocked in join()");
  if (fiber._waitList != 0) {
    misuse("ready() on fiber " + fiber.toString() + ", which is blocked on " + describeWait(fiber._waitList));
  }
  if (traceOn) traceWake(changetype<usize>(fiber), current, WakeCause.Ready);
  enqueue(changetype<usize>(fiber));
}

// ─── wait lists (sync/waitlist.ts) ──────────────────────────────────────────────────────

/**
 * Blocks the running fiber on the WaitList at address `list` until a waker passes it to
 * `wakeOne`/`wakeAll`; returns the outcome the waker gave. `@inline`, so that a primitive
 * calling it parks directly (one frame less to save on every switch). Lists travel as
 * raw addresses: see `Waiters` in sync/waitlist.ts.
 */
// @ts-ignore: decorator
@inline export function block(list: usize, cancellable: bool = true): Outcome {
  let f = current;
  if (enterWaitList(f, list, cancellable)) park();
  return Rec.outcome(f);
}

/**
 * Queues the running fiber `f` on the wait list at `list`, about to block: `block` and
 * the primitives' `suspendOn`. False, with `f`'s outcome saying why (Cancelled,
 * TimedOut), if a `cancellable` wait must not begin.
 */
// @ts-ignore: decorator
@inline function enterWaitList(f: usize, list: usize, cancellable: bool): bool {
  if (f == 0) blockedOutside();
  if (cancellable && (Rec.flags(f) & (CANCELLED | HAS_DEADLINE)) && !mayBlock(f)) return false;
  Waiters.push(list, f);
  Rec.setWaitList(f, list);
  return true;
}

function blockedOutside(): void {
  misuse("a blocking operation was called outside a fiber");
}

/**
 * For a fiber about to block that is cancelled or has a deadline: false if it must not
 * block (its outcome says why: Cancelled, or TimedOut when the deadline has passed);
 * otherwise arms its timer for the deadline and returns true. The one place where every
 * blocking operation gets its deadline variant.
 */
function mayBlock(f: usize): bool {
  let flags = Rec.flags(f);
  if (flags & CANCELLED) {
    Rec.setOutcome(f, Outcome.Cancelled);
    return false;
  }
  if (flags & HAS_DEADLINE) {
    let deadline = Rec.deadline(f);
    if (deadline <= hostNow()) {
      Rec.setOutcome(f, Outcome.TimedOut);
      return false;
    }
    TimerHeap.push(deadline, f);
  }
  return true;
}

/** Wakes the first fiber of the list at `list` with `outcome`; returns it, or 0 if none. */
// @ts-ignore: decorator
@inline export function wakeOne(list: usize, outcome: Outcome): usize {
  let f = Waiters.shift(list);
  if (f != 0) {
    if (f & NODE_TAG) {
      f = fireSelect(f & ~NODE_TAG, outcome);
    } else {
      Rec.setWaitList(f, 0);
      Rec.setOutcome(f, outcome);
      if (traceOn) traceWake(f, current, WakeCause.Op);
      enqueue(f);
    }
  }
  return f;
}

/**
 * A select case's node was taken off its list: the select fires on that case. Its other
 * nodes leave their lists, a send case's value moves into the fiber's slot (where the
 * channel reads it), and the fiber is made ready. Returns the fiber.
 */
function fireSelect(node: usize, outcome: Outcome): usize {
  let select = load<usize>(node, offsetof<WaitNode>("_select"));
  store<usize>(node, 0, offsetof<WaitNode>("_list"));
  store<i32>(select, load<i32>(node, offsetof<WaitNode>("index")), offsetof<SelectState>("fired"));
  unlinkSelect(select, node);
  let f = load<usize>(select, offsetof<SelectState>("_fiber"));
  if (load<bool>(node, offsetof<WaitNode>("isSend"))) {
    Rec.setSlot(f, load<u64>(node, offsetof<WaitNode>("bits")), load<bool>(node, offsetof<WaitNode>("isRef")));
  }
  Rec.setWaitList(f, 0);
  Rec.setOutcome(f, outcome);
  if (traceOn) traceWake(f, current, WakeCause.Op);
  enqueue(f);
  return f;
}

/**
 * Blocks the running fiber in a select whose nodes are already queued on their lists;
 * returns the outcome of the case that fired (`SelectState.fired` says which).
 */
export function blockSelect(select: SelectState): Outcome {
  let f = current;
  if (f == 0) blockedOutside();
  if ((Rec.flags(f) & (CANCELLED | HAS_DEADLINE)) && !mayBlock(f)) {
    unlinkSelect(changetype<usize>(select), 0);
    return Rec.outcome(f);
  }
  select._fiber = f;
  Rec.setWaitList(f, changetype<usize>(select) | NODE_TAG);
  park();
  return Rec.outcome(f);
}

/** Wakes every fiber of the list at `list`, in order, with `outcome`. */
export function wakeAll(list: usize, outcome: Outcome): void {
  while (wakeOne(list, outcome) != 0) {}
}

/** The running fiber's record address (0 outside fibers), for primitives that hand over. */
// @ts-ignore: decorator
@inline export function currentAddress(): usize {
  return current;
}

/** How the calling fiber's last blocking operation ended (a receive's Ok or Closed, ...). */
export function outcome(): Outcome {
  return current != 0 ? Rec.outcome(current) : Outcome.Ok;
}

// ─── join ───────────────────────────────────────────────────────────────────────────────

/**
 * Blocks until `target` ends. Returns null if it finished normally, or its Failure.
 * Joining an ended fiber returns at once; joining oneself fails the caller (it would
 * never return). Several joiners of one fiber wake in the order they joined.
 */
export function join(target: Fiber): Failure | null {
  let self = current;
  if (self == 0) misuse("join() called outside a fiber");
  if (changetype<usize>(target) == self) {
    misuse("fiber " + target.toString() + " cannot join itself: it would wait forever");
  }
  if (!target.ended) {
    let me = changetype<Fiber>(self);
    if ((me._flags & (CANCELLED | HAS_DEADLINE)) && !mayBlock(self)) return null;
    me._joining = changetype<usize>(target);
    // append, so that joiners wake in the order they joined
    me._next = 0;
    let p = target._waiters;
    if (p == 0) {
      target._waiters = self;
    } else {
      while (changetype<Fiber>(p)._next != 0) p = changetype<Fiber>(p)._next;
      changetype<Fiber>(p)._next = self;
    }
    me._outcome = <u8>Outcome.Ok;
    park();
    me._joining = 0;
    if (<Outcome>me._outcome != Outcome.Ok) return null;
  }
  Rec.setOutcome(self, Outcome.Ok);
  return target._failure;
}

// ─── cancellation (scope.ts decides who; this does it) ──────────────────────────────────

/**
 * Cancels fiber `f`: from now on its blocking operations return Cancelled, and if it is
 * blocked now it is taken off what it waits on and made ready with outcome Cancelled.
 * Cancelling twice, or an ended fiber, does nothing.
 */
export function cancelFiber(fiber: Fiber): void {
  let f = changetype<usize>(fiber);
  if (fiber.ended || (fiber._flags & CANCELLED)) return;
  fiber._flags |= CANCELLED;
  if (<FiberState>fiber._state != FiberState.Blocked) return;
  detachWaiting(fiber);
  fiber._outcome = <u8>Outcome.Cancelled;
  if (traceOn) traceWake(f, current, WakeCause.Cancel);
  enqueue(f);
}

/**
 * Cancels every live fiber that is a member of the scope at `scope`. A plain loop over
 * the live list, not a callback: an indirect call here would make asyncify instrument
 * every function on the way (`finish` included, on every fiber exit).
 */
export function cancelMembers(scope: usize): void {
  let p = changetype<usize>(liveHead);
  while (p != 0) {
    let next = load<usize>(p, offsetof<Fiber>("_liveNext"));
    if (load<usize>(p, offsetof<Fiber>("_scope")) == scope) cancelFiber(changetype<Fiber>(p));
    p = next;
  }
}

/** Makes the next spawn a member of `scope` (Scope.spawn). */
export function spawnInto(scope: Scope): void {
  spawnScope = scope;
}

/** Takes a blocked fiber off whatever it waits on: a join list, a wait list or a select. */
function detachWaiting(fiber: Fiber): void {
  let f = changetype<usize>(fiber);
  let target = fiber._joining;
  if (target != 0) {
    removeWaiter(target, f);
    fiber._joining = 0;
  }
  let list = fiber._waitList;
  if (list != 0) {
    // a sleeper may still be pending, chained through the run-queue link its waker is
    // about to use (`sleepForHost`): arm the pending ones first
    if (list == SLEEPING) armPendingSleeps();
    else leaveWaitList(f, list);
    fiber._waitList = 0;
  }
}

/** What a fiber's `_waitList` value designates: a list, or a select (tagged). */
function describeWait(list: usize): string {
  if (list == SLEEPING) return "sleep";
  return list & NODE_TAG ? describeSelect(list & ~NODE_TAG) : changetype<WaitList>(list).describe();
}

/** Takes fiber `f` off the list (or, in a select, all the lists) it is blocked on. */
function leaveWaitList(f: usize, list: usize): void {
  if (list & NODE_TAG) unlinkSelect(list & ~NODE_TAG, 0);
  else Waiters.remove(list, f);
}

/** Takes `f` off `target`'s list of joiners. */
function removeWaiter(target: usize, f: usize): void {
  let prev: usize = 0;
  let p = Rec.waiters(target);
  while (p != 0) {
    let next = Rec.next(p);
    if (p == f) {
      if (prev != 0) Rec.setNext(prev, next);
      else Rec.setWaiters(target, next);
      Rec.setNext(f, 0);
      return;
    }
    prev = p;
    p = next;
  }
}

/** Fails the running fiber because it misused the API (for the layers above). */
export function misuseOf(message: string): void {
  misuse(message);
}

/** Fails the running fiber because it misused the API. */
// @ts-ignore: decorator
@inline function misuse(message: string): void {
  pendingMisuse = true;
  abort(message);
}
let pendingMisuse = false;

// ─── ending ─────────────────────────────────────────────────────────────────────────────

function finish(f: usize, state: FiberState): void {
  Rec.setState(f, state);
  if (traceOn) traceEnd(f, state);
  let timer = Rec.timer(f);
  if (timer != 0) TimerHeap.cancel(timer);
  if (Rec.flags(f) & HOST_SPAWNED) hostFiberEnded(f);
  let saved = Rec.saved(f);
  if (saved != 0) {
    savedBytes -= Saved.capacity(saved);
    heap.free(saved);
    Rec.setSaved(f, 0);
  }
  liveRemove(f);
  if (f == changetype<usize>(mainFiber)) mainEnded = mainEndPending = true;
  let scope = load<usize>(f, offsetof<Fiber>("_scope"));
  if (scope != 0) memberEnded(scope, f);
  // wake joiners in join order
  let w = Rec.waiters(f);
  Rec.setWaiters(f, 0);
  while (w != 0) {
    let next = Rec.next(w);
    if (traceOn) traceWake(w, f, WakeCause.Join);
    enqueue(w);
    w = next;
  }
}
let mainEnded = false;
/** `main` ended and `run` has not yet said so (it says so once). */
let mainEndPending = false;

// ─── the trampoline ─────────────────────────────────────────────────────────────────────

/**
 * Stores the suspended fiber's frames (`frameBytes` of them in the scratch area) and its
 * shadow slice `[sp, fiberBase)` in its saved block.
 */
// @ts-ignore: decorator
@inline function save(f: usize, sp: usize, frameBytes: usize): void {
  let sliceBytes = fiberBase - sp;
  let need = Saved.sizeFor(frameBytes, sliceBytes);
  let block = Rec.saved(f);
  // keep the block while it fits and is not more than twice too big: cap / 2 <= need <= cap,
  // one unsigned comparison (cap - need wraps around when need > cap)
  if (block == 0 || Saved.capacity(block) - need > (Saved.capacity(block) >> 1)) {
    block = resizeSaved(f, block, need);
  }
  Saved.fill(block, sp, frameBytes, sliceBytes, <u32>switchCount);
  // The slice's references now live only in this record, which the GC may already have
  // scanned (black): while the GC marks, re-gray it for every white reference (write
  // barrier, itcms.ts). In its other phases every live object has the current white and
  // `__link` does nothing, yet it would still read each referenced object's header.
  if (gcMarking()) barrierSlice(f, Saved.slice(block), sliceBytes);
}

/**
 * The first run of a fiber whose spawn argument is managed: pushes the argument as the one
 * word of the entry's caller frame, just below `base`, and frees the record's slot for the
 * fiber's operations (fiber.ts, "The spawn argument's root"). Returns the entry's stack
 * pointer. The word is the top of the fiber's slice from then on, so it is saved, visited
 * and restored with the fiber's own frames until the entry returns.
 */
// @ts-ignore: decorator
@inline function rootArgument(f: usize, base: usize): usize {
  let sp = base - sizeof<usize>();
  store<usize>(sp, <usize>Rec.slot(f));
  store<u8>(f, Rec.flags(f) & ~SLOT_IS_REF, offsetof<Fiber>("_flags"));
  return sp;
}

/** Replaces fiber `f`'s saved block (0: none yet) by one of at least `need` bytes. */
function resizeSaved(f: usize, block: usize, need: usize): usize {
  let cap: usize = 0;
  if (block != 0) {
    cap = Saved.capacity(block);
    heap.free(block);
  }
  block = Saved.alloc(need);
  savedBytes += Saved.capacity(block) - cap;
  Rec.setSaved(f, block);
  return block;
}

/** The write barrier for the references in a saved slice (see `save`). */
function barrierSlice(f: usize, p: usize, bytes: usize): void {
  let end = p + bytes;
  while (p < end) {
    let ref = load<usize>(p);
    if (ref != 0) __link(f, ref, true);
    p += sizeof<usize>();
  }
}

/**
 * Runs fibers until `main` ends, none is ready, or `budget` switches were made. The
 * host's entry into the scheduler. Everything between `beginRewind` and the entry call is
 * inline: no instrumented code.
 *
 * Why a budget: V8 runs a wasm function in its baseline tier until a later *call* picks
 * up the optimized code; there is no on-stack replacement for wasm. A trampoline entered
 * once and looping forever would switch fibers in baseline code for the whole program
 * (about 1.5x slower, measured). Returning every few thousand switches costs one host
 * call per budget and lets the optimized trampoline take over.
 *
 * Every instruction here is paid on every switch; the rare paths (a new saved block, the
 * write barrier, failures, timers) are calls, so that the loop keeps its values in
 * registers.
 */
export function run(budget: u32, until: f64): RunStatus {
  let base = __stack_pointer;
  fiberBase = base;
  sliceEnd = until;
  let now = hostNow();
  lastRead = now; // time spent outside the scheduler is not work
  if (TimerHeap.size() != 0) fireTimers(now);
  while (true) {
    if (mainEndPending) {
      // reported once: fibers spawned by the host afterwards still run (interop.ts)
      mainEndPending = false;
      armPendingSleeps();
      return RunStatus.MainEnded;
    }
    if (budget-- == 0 || ((workLeft -= SWITCH_WORK) < 0 && sliceOver())) {
      armPendingSleeps();
      return RunStatus.Budget;
    }
    let f = dequeue();
    if (f == 0) {
      // out of ready fibers: the clock decides whether timers wake some
      now = hostNow();
      flushSleeps(now);
      if (TimerHeap.size() == 0) return hostCallsPending() != 0 ? RunStatus.Waiting : RunStatus.Idle;
      fireTimers(now);
      f = dequeue();
      if (f == 0) return RunStatus.Waiting;
    }
    // woken by its operation before its timer fired: the timer goes
    let timer = Rec.timer(f);
    if (timer != 0) TimerHeap.cancel(timer);
    current = f;
    Rec.setState(f, FiberState.Running);
    ++switchCount;
    if (traceOn) traceSwitch(f);
    let saved = Rec.saved(f);
    if (saved != 0) {
      let slice = Saved.slice(saved);
      let sliceBytes = Saved.sliceBytes(saved);
      if (!Saved.intactAt(slice, sliceBytes)) corruptedFailure(f);
      let sp = base - sliceBytes;
      copyWords(sp, slice, sliceBytes);
      Saved.releaseSlice(saved);
      __stack_pointer = sp;
      beginRewind(saved);
    } else if (Rec.flags(f) & SLOT_IS_REF) {
      __stack_pointer = rootArgument(f, base);
    } else {
      __stack_pointer = base;
    }
    // call the entry: on a rewind this re-enters the saved frames
    let kind = Rec.kind(f);
    let fn = Rec.fn(f);
    if (kind == EntryKind.I32) call_indirect<void>(fn, load<u32>(f, offsetof<Fiber>("_slot")));
    else if (kind == EntryKind.NoArg) call_indirect<void>(fn);
    else if (kind == EntryKind.I64) call_indirect<void>(fn, load<u64>(f, offsetof<Fiber>("_slot")));
    else if (kind == EntryKind.F32) call_indirect<void>(fn, load<f32>(f, offsetof<Fiber>("_slot")));
    else call_indirect<void>(fn, load<f64>(f, offsetof<Fiber>("_slot")));
    // The guards are checked right after the fiber ran, so that a breach is blamed on the
    // fiber that made it (`current` is still that fiber when guardFailure aborts).
    if (!ShadowStack.guardIntact()) guardFailure(false);
    if (unwindState() == UnwindState.Unwinding) {
      let frameBytes = Scratch.usedBytes();
      if (frameBytes > SCRATCH_SIZE) {
        scratchOverflow(f);
      } else {
        if (!Scratch.guardsIntact()) guardFailure(true);
        endUnwind();
        save(f, __stack_pointer, frameBytes);
      }
    } else {
      finish(f, FiberState.Done);
    }
    __stack_pointer = base;
    current = 0;
  }
  return RunStatus.Idle;
}

// ─── time (timer.ts keeps the deadlines; time.ts is the user's API) ─────────────────────

/**
 * Fires every timer due at `now` (host clock): a sleeping fiber wakes with Ok, a fiber
 * blocked past its deadline is taken off what it waits on and wakes with TimedOut, a
 * ticker sends the time. A fiber already woken by its operation ignores its timer.
 * Timers that fire together wake their fibers in deadline order, ties in arm order.
 */
function fireTimers(now: f64): void {
  let target: usize;
  while ((target = TimerHeap.popDue(now)) != 0) {
    if (target & TICKER_TAG) {
      tickerFired(target & ~TICKER_TAG, now);
      continue;
    }
    let f = target;
    if (Rec.state(f) != FiberState.Blocked) continue;
    if (Rec.waitList(f) == SLEEPING) {
      Rec.setWaitList(f, 0);
      Rec.setOutcome(f, Outcome.Ok);
    } else {
      detachWaiting(changetype<Fiber>(f));
      Rec.setOutcome(f, Outcome.TimedOut);
    }
    if (traceOn) traceWake(f, 0, WakeCause.Timer);
    enqueue(f);
  }
}

/** The earliest pending deadline (host clock, ms), or +Infinity. */
export function nextDeadline(): f64 {
  return TimerHeap.nextDeadline();
}

/**
 * Blocks the running fiber until the host clock reaches `until` (or its deadline, if
 * earlier: then TimedOut). Returns Ok, Cancelled or TimedOut. A time already past (or
 * `past`, when the caller knows) yields once instead, so `sleep(0)` lets the other ready
 * fibers run.
 */
// @ts-ignore: decorator
@inline export function sleepUntilHost(until: f64, past: bool): Outcome {
  // inline, so that a sleeping fiber saves only its own frame (as block() does); what
  // is not the common case goes out of line
  let f = current;
  if (f == 0 || past || (Rec.flags(f) & (CANCELLED | HAS_DEADLINE))) return sleepSlow(until, past);
  TimerHeap.push(until, f);
  Rec.setWaitList(f, SLEEPING);
  park();
  return Rec.outcome(f); // Ok from the timer, or Cancelled
}

/**
 * Blocks the running fiber for `ms` (> 0) from now, or from a little later: the common
 * `sleep(ms)`. The clock is not read here: the fiber joins the sleeps pending in this
 * scheduler slice, and `flushSleeps` reads the clock once for all of them when the slice
 * ends or the run queue empties, arming each at that time + its `ms`. Never early (the
 * clock only moves on); late by at most what the fibers after it in the slice ran, which
 * is the run queue's time the contract allows. One clock read per slice instead of one
 * per sleep (a read through the host import costs about 40 ns). The pending fiber keeps
 * its `ms` in `_deadline` (free: it has no deadline, else it takes `sleepSlow`) and is
 * chained through `_next` (free: it is on no queue or list).
 */
// @ts-ignore: decorator
@inline export function sleepForHost(ms: f64): Outcome {
  let f = current;
  if (f == 0 || !(ms > 0) || ms == Infinity || (Rec.flags(f) & (CANCELLED | HAS_DEADLINE))) {
    return sleepSlow(ms > 0 ? hostNow() + ms : 0, !(ms > 0));
  }
  store<f64>(f, ms, offsetof<Fiber>("_deadline"));
  Rec.setNext(f, 0);
  if (pendingSleepTail != 0) Rec.setNext(pendingSleepTail, f);
  else pendingSleepHead = f;
  pendingSleepTail = f;
  Rec.setWaitList(f, SLEEPING);
  park();
  return Rec.outcome(f); // Ok from the timer, or Cancelled
}

/** Sleeps started in this slice, not yet armed (`sleepForHost`). */
let pendingSleepHead: usize = 0;
let pendingSleepTail: usize = 0;

/** `flushSleeps` at the clock's time, read only if a sleep is pending. */
function armPendingSleeps(): void {
  if (pendingSleepHead != 0) flushSleeps(hostNow());
}

/** Arms the pending sleeps at `now` (the host clock) + each one's `ms`, in the order they slept. */
function flushSleeps(now: f64): void {
  let p = pendingSleepHead;
  if (p == 0) return;
  pendingSleepHead = 0;
  pendingSleepTail = 0;
  while (p != 0) {
    let next = Rec.next(p);
    Rec.setNext(p, 0);
    let ms = Rec.deadline(p);
    store<f64>(p, 0, offsetof<Fiber>("_deadline"));
    TimerHeap.push(now + ms, p);
    p = next;
  }
}

/** `sleepUntilHost` outside a fiber, for a time already past, cancelled, or with a deadline. */
function sleepSlow(until: f64, past: bool): Outcome {
  let f = current;
  if (f == 0) misuse("sleep() called outside a fiber");
  let flags = Rec.flags(f);
  if (flags & CANCELLED) {
    Rec.setOutcome(f, Outcome.Cancelled);
    return Outcome.Cancelled;
  }
  let result = Outcome.Ok;
  if ((flags & HAS_DEADLINE) && Rec.deadline(f) < until) {
    until = Rec.deadline(f);
    result = Outcome.TimedOut;
  }
  if (past || until <= hostNow()) {
    yieldNow();
    Rec.setOutcome(f, result);
    return result;
  }
  TimerHeap.push(until, f);
  Rec.setWaitList(f, SLEEPING);
  park();
  let woke = Rec.outcome(f);
  if (woke == Outcome.Ok) {
    Rec.setOutcome(f, result);
    return result;
  }
  return woke;
}

/**
 * Sets the running fiber's deadline (host clock, ms; +Infinity clears it): from then on
 * every blocking operation it starts returns TimedOut once the deadline passes. Returns
 * the previous deadline, for the caller to restore.
 */
export function setDeadlineHost(deadline: f64): f64 {
  let f = current;
  if (f == 0) misuse("a deadline can only be set inside a fiber");
  let fiber = changetype<Fiber>(f);
  let previous = fiber._flags & HAS_DEADLINE ? fiber._deadline : Infinity;
  if (deadline < Infinity) {
    fiber._deadline = deadline;
    fiber._flags |= HAS_DEADLINE;
  } else {
    fiber._deadline = 0;
    fiber._flags &= ~HAS_DEADLINE;
  }
  return previous;
}

/** The running fiber's deadline (host clock), or +Infinity. */
export function deadlineHost(): f64 {
  let f = current;
  return f != 0 && (Rec.flags(f) & HAS_DEADLINE) ? Rec.deadline(f) : Infinity;
}

// ─── failures ───────────────────────────────────────────────────────────────────────────

let pendingGuard: i32 = -1;
/** Failures the host has not yet taken (`takeFailure`), oldest first. */
let unreported = new Array<Failure>();
let unreportedHead: i32 = 0;

function guardFailure(scratch: bool): void {
  pendingGuard = scratch ? FailureKind.ScratchOverflow : FailureKind.ShadowStackOverflow;
  abort(scratch ? "asyncify scratch guard overwritten" : "shadow stack guard overwritten");
}

function corruptedFailure(f: usize): void {
  pendingGuard = FailureKind.SavedStackCorrupted;
  abort("saved stack of fiber " + changetype<Fiber>(f).toString() + " was overwritten while it was suspended");
}

/**
 * An unwind wrote more than the scratch area holds (stack.ts explains the guard zone).
 * Ends the unwind and fails the fiber, or stops the program if the overrun went past the
 * guard zone.
 */
function scratchOverflow(f: usize): void {
  let reach = load<usize>(Scratch.header());
  let used = Scratch.usedBytes();
  Scratch.reset();
  endUnwind();
  // The stack pointer stays at the abandoned fiber's innermost frame (below it is free);
  // the trampoline resets it. Setting it here would move this function's own shadow frame
  // (it has one: it builds strings) onto memory above the fiber base.
  if (used > SCRATCH_SIZE + GUARD_SIZE) {
    current = 0;
    abort("fatal: fiber " + changetype<Fiber>(f).toString() + " unwound " + used.toString() +
      " bytes, past the scratch guard zone (" + GUARD_SIZE.toString() +
      " bytes); memory after it is corrupted; raise `weft build --scratch-size`");
  }
  Scratch.armGuards(reach);
  failFiber(f, FailureKind.ScratchOverflow, overflowMessage(FailureKind.ScratchOverflow), null, 0, 0);
}

/** Resets the shadow-stack pointer after a trap left it anywhere. Must have no frame. */
export function resetStack(): void {
  __stack_pointer = __heap_base;
}

/** Text that explains an overflow: which stack, its limit and the option that raises it. */
function overflowMessage(kind: FailureKind): string {
  if (kind == FailureKind.ShadowStackOverflow) {
    return "shadow stack overflow: more than " + ShadowStack.size().toString() +
      " bytes of managed references on the stack (deep recursion?); raise the limit with `weft build --stack-size <bytes>`";
  }
  if (kind == FailureKind.ScratchOverflow) {
    return "asyncify stack overflow: suspending needed more than the " + SCRATCH_SIZE.toString() +
      "-byte scratch area (deep recursion before a yield?); raise the limit with `weft build --scratch-size <bytes>`";
  }
  return "call stack overflow: the host's wasm call stack is exhausted (deep recursion?); raise the limit with `node --stack-size=<KiB>` or recurse less deeply";
}

/**
 * Marks the running fiber failed after a trap or abort; the host calls this (after
 * `resetStack`) and then resumes the scheduler. Returns false if no fiber was running (a
 * fault outside any fiber, which ends the program).
 */
export function failCurrent(kind: FailureKind, message: string | null, file: string | null, line: u32, column: u32): bool {
  abandonUnwind();
  if (pendingGuard >= 0) {
    kind = <FailureKind>pendingGuard;
    pendingGuard = -1;
  } else if (pendingMisuse) {
    kind = FailureKind.Misuse;
  } else if (kind == FailureKind.Abort && message !== null && message == "stack overflow") {
    kind = FailureKind.ShadowStackOverflow;
  }
  pendingMisuse = false;
  if (kind == FailureKind.ScratchOverflow) Scratch.armGuards();
  if (kind == FailureKind.ShadowStackOverflow) ShadowStack.armGuard();
  let f = current;
  current = 0;
  if (f == 0) return false;
  if (kind == FailureKind.ShadowStackOverflow || kind == FailureKind.CallStackOverflow) {
    message = overflowMessage(kind);
    file = null;
  }
  failFiber(f, kind, message !== null ? message : "unknown failure", file, line, column);
  return true;
}

/** Ends fiber `f` as failed, wherever it was: running, queued or on a wait list. */
function failFiber(f: usize, kind: FailureKind, message: string, file: string | null, line: u32, column: u32): void {
  let fiber = changetype<Fiber>(f);
  let failure = new Failure(fiber.id, fiber._name, kind, message, file !== null ? file : "", line, column);
  if (traceOn) traceFail(f, kind, message);
  fiber._failure = failure;
  unreported.push(failure);
  // a fiber that failed while suspending may already be queued or waiting
  if (<FiberState>fiber._state == FiberState.Ready) unqueue(f);
  detachWaiting(fiber);
  ++failedCount;
  current = 0;
  finish(f, FiberState.Failed);
}

// ─── the main fiber, introspection ──────────────────────────────────────────────────────

/** Spawns the program's `main` as fiber #1. */
export function startMain(fn: () => void): void {
  assert(!started, "the program was already started");
  started = true;
  Scratch.armGuards();
  ShadowStack.armGuard();
  mainFiber = spawn(fn, "main");
}

/** The main fiber's failure, or null. */
export function mainFailure(): Failure | null {
  let main = mainFiber;
  return main !== null ? main._failure : null;
}

/** The newest live fiber's record (then `_liveNext`), or 0: for trace.ts, which names the fibers alive when it starts. */
export function liveFirst(): usize {
  return changetype<usize>(liveHead);
}

/** Id of the running fiber, or 0. */
export function currentId(): u32 {
  return current != 0 ? changetype<Fiber>(current).id : 0;
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
  let now = <u32>switchCount;
  let p = changetype<usize>(liveHead);
  if (minAge < 0) {
    // unfiltered: skip the newest beyond the limit without building their lines
    while (aliveCount - skipped > limit && p != 0) {
      p = load<usize>(p, offsetof<Fiber>("_liveNext"));
      skipped++;
    }
  }
  while (p != 0) {
    let fiber = changetype<Fiber>(p);
    p = fiber._liveNext;
    let blocked = <FiberState>fiber._state == FiberState.Blocked && fiber._saved != 0;
    let age: u32 = blocked ? now - Saved.since(fiber._saved) : 0;
    if (minAge >= 0 && (!blocked || <f64>age < minAge)) continue;
    if (<u32>lines.length >= limit) {
      // the list is newest first: keep the oldest `limit`
      lines.shift();
      skipped++;
    }
    let line = fiber.toString() + " " + stateName(<FiberState>fiber._state);
    if (fiber._joining != 0) line += " (join " + changetype<Fiber>(fiber._joining).toString() + ")";
    else if (fiber._waitList != 0) line += " (" + describeWait(fiber._waitList) + ")";
    if (fiber._flags & PREEMPTED) line += " (preempted in function #" + (<u32>fiber._slot).toString() + ")";
    if (fiber._flags & CANCELLED) line += " cancelled";
    if (fiber._timer != 0 && fiber._waitList != SLEEPING) line += " with deadline";
    let scope = fiber._scope;
    if (scope !== null) line += " in scope #" + scope.id.toString();
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
  let p = changetype<usize>(liveHead);
  while (p != 0) {
    if (Rec.state(p) == FiberState.Blocked) n++;
    p = load<usize>(p, offsetof<Fiber>("_liveNext"));
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
  return new SchedulerStats(spawnedCount, aliveCount, blockedFibers(), switchCount, peakAlive, failedCount, TimerHeap.size(), <u32>hostCallsPending());
}

/** Switches so far. */
export function switchTotal(): u64 {
  return switchCount;
}

/** Fibers that have not ended. */
export function aliveFibers(): u32 {
  return aliveCount;
}

/**
 * Hands the oldest failure the host has not seen to it: writes its fields at the returned
 * address (layout in host/abi.ts `readFailure`), or returns 0 if there is none.
 */
export function takeFailure(): usize {
  if (unreportedHead >= unreported.length) {
    if (unreportedHead > 0) {
      unreported = new Array<Failure>();
      unreportedHead = 0;
    }
    return 0;
  }
  let failure = unreported[unreportedHead++];
  store<u32>(FAILURE_INFO, failure.fiberId, 0);
  store<u32>(FAILURE_INFO, <u32>failure.kind, 4);
  store<usize>(FAILURE_INFO, changetype<usize>(failure.reason), 8);
  store<usize>(FAILURE_INFO, changetype<usize>(failure.file), 12);
  store<u32>(FAILURE_INFO, failure.line, 16);
  store<u32>(FAILURE_INFO, failure.column, 20);
  store<usize>(FAILURE_INFO, changetype<usize>(failure.fiberName), 24);
  // keep the strings alive until the host has read them
  lastTaken = failure;
  return FAILURE_INFO;
}
// @ts-ignore: decorator
@lazy const FAILURE_INFO: usize = memory.data(28, 4);
let lastTaken: Failure | null = null;

/** Fibers on the run queue (walks it; read with the counters, never on the switch path). */
function readyFibers(): u32 {
  let n: u32 = 0;
  for (let p = runHead; p != 0; p = Rec.next(p)) n++;
  return n;
}

/** Counters, in the order of `Stats` in host/abi.ts. */
// @ts-ignore: decorator
@lazy const STATS: usize = memory.data(72, 8);

export function statsAddress(): usize {
  store<u64>(STATS, spawnedCount, 0);
  store<u64>(STATS, switchCount, 8);
  store<u32>(STATS, aliveCount, 16);
  store<u32>(STATS, peakAlive, 20);
  store<u32>(STATS, failedCount, 24);
  store<u32>(STATS, <u32>savedBytes, 28);
  store<u32>(STATS, <u32>SCRATCH_SIZE, 32);
  store<u32>(STATS, <u32>GUARD_SIZE, 36);
  store<u32>(STATS, <u32>ShadowStack.size(), 40);
  store<u32>(STATS, blockedFibers(), 44);
  store<u32>(STATS, TimerHeap.size(), 48);
  store<u32>(STATS, <u32>hostCallsPending(), 52);
  store<u64>(STATS, blockCount, 56);
  store<u32>(STATS, readyFibers(), 64);
  return STATS;
}
