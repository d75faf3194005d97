// preempt.ts: safepoints, so that a fiber that never yields cannot stall the others.
//
// Model. Every loop of the program's own functions (as written: see "Where" below) counts
// its iterations: the loop's original label is given to a new inner loop that starts each
// iteration with
//
//   workLeft = workLeft - 1
//   if (workLeft < 0) leave the inner loop for the slow path: safepoint(site), then back
//                     into the same iteration
//
// (`addSafepoint` draws the shape). `workLeft` is the scheduler's work counter
// (assembly/sched/slice.ts, "Time slices and preemption" in its opening essay): the
// trampoline also takes from it on every switch. When it runs out, `safepoint` reads the
// clock; if the slice is over or a timer is due, it preempts the fiber (a suspend
// primitive: the fiber goes to the back of the run queue and unwinds like a yield),
// otherwise it refills the counter and returns. On the fast path a loop iteration pays a
// global decrement and a branch, and nothing of asyncify's: the call that can suspend is
// outside the loop that iterates, so asyncify's state tests (which guard every statement
// of an instrumented function that a rewind may have to skip) run once per entry into
// the loop, not once per iteration. Measured on bench/programs/kernel.ts: preemption on /
// off went from 1.05 to about 1.02 with this shape (docs/PERFORMANCE.md).
//
// Invariants:
//   - safepoints only in the program's own functions: an operation of the runtime (the
//     allocator, the collector, a channel operation) or of the standard library (a sort, a
//     map rehash) is never split; what a program may rely on is in docs/API.md, "Time slices
//     and preemption";
//   - the slow path allocates no managed object: it runs where AssemblyScript did not
//     expect a call, with managed temporaries in plain locals that a collection would miss;
//   - each site has an index, and the core's `siteNameInto` (sched/slice.ts), whose body
//     this pass writes, maps it to the name of its function: a dump says in which
//     function a fiber was preempted, printed by the core itself (the same text under the
//     JavaScript host and under WASI, where no host reads the module).
//
// Where: the pass runs on the module asc compiled, before asc optimizes it (an asc
// transform in build.ts), where every loop is still in the function it was written in. asc
// then inlines small standard-library functions, loops and all, into their callers
// (bench/programs/kernel.ts: Array#map and #reduce end up in `kernel`); run after -O3, the
// pass could not tell those loops from the program's and would split the library's
// operations (one that keeps a raw pointer to an array's buffer in a local, as
// Array#indexOf does, could read a buffer that another fiber reallocated meanwhile).
// The optimizer keeps the slow path a call (`safepoint` is marked no-inline first), and
// in the kernel it kept the shape below: the iterating loop without a call (checked on
// its -O3 output with wasm-dis).
//
// Fewer where it is sound: a loop that cannot go round without calling a checkpoint
// (`yieldNow` and `park` always switch, and the trampoline counts every switch; a channel
// send counts work itself when it completes at once) gets none, nor one that always calls
// a function that always calls a checkpoint, or runs a block that does (`Channel#send`,
// which asc's compiler inlines as a block); nor does a loop that
// cannot go round without entering an inner loop that has a safepoint (the inner check
// runs on every entry, so it counts the outer iterations too): a nest of loops costs one
// site, and one asyncify call site, less per level.
//
// Rejected: the check and the call together at the top of the loop body (the first
// shape): the loop then contains a call that can suspend, and asyncify tests its state
// three or four times on every iteration (kernel: 1.05 with preemption / without, not 1.02).
// Rejected: safepoints at function entries as well (Go's stack-check preemption). They
// would make every function of the program "can suspend", and asyncify instrument all of
// it: deep recursion without loops stays cooperative instead. Rejected: a second thread
// setting a flag on a timer (Go's sysmon): it needs shared memory and a worker for every
// program (browsers without cross-origin isolation have neither), where a counter that
// reads the clock now and then needs nothing but the clock.

import binaryen from "binaryen";
import { BuildError } from "./build.js";
import { SITE_NAME_MAX } from "../assembly/layout.js";
import { CORE } from "./core.js";
import { nameMatcher } from "./passes.js";

/**
 * The binaryen.js instance that holds the module being worked on: asc has its own copy of
 * Binaryen, and a module's expressions can only be read through the instance that made
 * them (`insertSafepoints` sets it for the duration of a call).
 */
let api: typeof binaryen = binaryen;
type LoopAccessors = { getBody(e: number): number; setBody(e: number, body: number): void; setName(e: number, name: string): void };
/** binaryen.js's Loop accessors (present in 131 and 132, missing from their typings). */
const Loop = () => (api as unknown as { Loop: LoopAccessors }).Loop;

/** The work counter's global (assembly/state.ts, `T.workLeft`). */
export const WORK_LEFT_GLOBAL = CORE.workLeft;
/** The slow path: a suspend primitive taking the site's index. */
export const SAFEPOINT = CORE.safepoint;
/** The export that keeps the slow path in the module until safepoints call it. */
export const SAFEPOINT_EXPORT = "__weft_safepoint";
/** The core's function that writes a site's name (sched/slice.ts); its body is made here. */
export const SITE_NAME_INTO = CORE.siteNameInto;

/** A function of the program itself: not the standard library, not weft, not top-level code. */
export function isProgramFunction(name: string): boolean {
  return !name.startsWith("~") && !name.startsWith("start:") && !name.startsWith("export:");
}

/** Expressions without children (their ids, as `api` numbers them). */
const leafIds = new WeakMap<object, Set<number>>();
function leaves(): Set<number> {
  let ids = leafIds.get(api);
  if (!ids) {
    ids = new Set([api.LocalGetId, api.GlobalGetId, api.ConstId, api.NopId, api.UnreachableId, api.MemorySizeId, api.DataDropId, api.AtomicFenceId]);
    leafIds.set(api, ids);
  }
  return ids;
}

/** Child expressions of `expr`, by kind; throws on a kind the walker does not know. */
function childrenOf(expr: binaryen.ExpressionRef): binaryen.ExpressionRef[] {
  const id = api.getExpressionId(expr);
  if (leaves().has(id)) return [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const info = api.getExpressionInfo(expr) as any;
  const some = (...refs: (number | undefined)[]) => refs.filter((r): r is number => typeof r === "number" && r !== 0);
  switch (id) {
    case api.BlockId:
      return info.children;
    case api.IfId:
      return some(info.condition, info.ifTrue, info.ifFalse);
    case api.LoopId:
      return some(info.body);
    case api.BreakId:
    case api.SwitchId:
      return some(info.condition, info.value);
    case api.CallId:
      return info.operands;
    case api.CallIndirectId:
      return [...info.operands, info.target];
    case api.LocalSetId:
    case api.GlobalSetId:
    case api.UnaryId:
    case api.DropId:
      return some(info.value);
    case api.ReturnId:
      return some(info.value);
    case api.LoadId:
      return some(info.ptr);
    case api.StoreId:
      return some(info.ptr, info.value);
    case api.BinaryId:
      return some(info.left, info.right);
    case api.SelectId:
      return some(info.ifTrue, info.ifFalse, info.condition);
    case api.MemoryGrowId:
      return some(info.delta);
    case api.MemoryCopyId:
      return some(info.dest, info.source, info.size);
    case api.MemoryFillId:
      return some(info.dest, info.value, info.size);
    case api.MemoryInitId:
      return some(info.dest, info.offset, info.size);
    case api.AtomicRMWId:
      return some(info.ptr, info.value);
    case api.AtomicCmpxchgId:
      return some(info.ptr, info.expected, info.replacement);
    case api.AtomicWaitId:
      return some(info.ptr, info.expected, info.timeout);
    case api.AtomicNotifyId:
      return some(info.ptr, info.notifyCount);
    default:
      throw new BuildError(`internal: the safepoint pass met an expression it cannot walk (id ${id})`);
  }
}

/**
 * Checkpoints: primitives that always either switch (the trampoline counts work and reads
 * the clock at every switch) or count work and may preempt themselves (a channel send that
 * completes at once: `checkpoint` in sched/slice.ts). A loop whose every iteration calls one
 * needs no safepoint of its own. A receive is not one: its fast path is inline code.
 */
const isCheckpoint = nameMatcher([CORE.yieldNow, CORE.park, CORE.chanSend]);

/**
 * Functions of the module that pass a checkpoint before every normal return (a wrapper
 * such as `Channel#sendTimeout` around `chanSend`): a call of one counts like a call of the
 * checkpoint itself. Computed by `insertSafepoints` for the module at hand.
 */
let counting = new Set<string>();

/** Does `expr` branch to `label` anywhere inside it? */
function branchesTo(expr: binaryen.ExpressionRef, label: string): boolean {
  const id = api.getExpressionId(expr);
  if (id === api.BreakId && (api.getExpressionInfo(expr) as binaryen.BreakInfo).name === label) return true;
  if (id === api.SwitchId) {
    const info = api.getExpressionInfo(expr) as binaryen.SwitchInfo;
    if (info.defaultName === label || info.names.includes(label)) return true;
  }
  return childrenOf(expr).some((child) => branchesTo(child, label));
}

/** Does `expr` branch anywhere outside itself (to a label it does not define, or a return)? */
function branchesOut(expr: binaryen.ExpressionRef, inside: Set<string> = new Set()): boolean {
  const id = api.getExpressionId(expr);
  if (id === api.ReturnId) return true;
  if (id === api.BreakId) return !inside.has((api.getExpressionInfo(expr) as binaryen.BreakInfo).name);
  if (id === api.SwitchId) {
    const info = api.getExpressionInfo(expr) as binaryen.SwitchInfo;
    if ([info.defaultName, ...info.names].some((name) => !inside.has(name ?? ""))) return true;
  }
  let labels = inside;
  if (id === api.BlockId || id === api.LoopId) {
    const name = (api.getExpressionInfo(expr) as binaryen.BlockInfo).name;
    if (name) labels = new Set([...inside, name]);
  }
  return childrenOf(expr).some((child) => branchesOut(child, labels));
}

/**
 * Does control count work whenever it leaves `expr` by its end (or by the branch or the
 * return it is)? A call of a checkpoint or of a function in `counting` does, and so does a
 * loop already given a safepoint (its check runs on every entry, the first iteration's
 * included); a drop, a set, a branch or a return does if computing its value does; a block
 * does if it reaches such a statement without a way around it (nothing before it branches
 * anywhere), such as the block AssemblyScript makes of `j = 0; while (...)`, or of an
 * inlined `Channel#send`.
 */
function alwaysCounts(expr: binaryen.ExpressionRef): boolean {
  const id = api.getExpressionId(expr);
  if (id === api.DropId || id === api.LocalSetId || id === api.GlobalSetId || id === api.ReturnId || id === api.BreakId) {
    const value = (api.getExpressionInfo(expr) as binaryen.DropInfo).value;
    return !!value && alwaysCounts(value);
  }
  if (id === api.LoopId) return ((api.getExpressionInfo(expr) as binaryen.LoopInfo).name ?? "").startsWith(OUTER_PREFIX);
  if (id === api.CallId) {
    const target = (api.getExpressionInfo(expr) as binaryen.CallInfo).target;
    return isCheckpoint(target) || counting.has(target);
  }
  if (id !== api.BlockId) return false;
  for (const child of (api.getExpressionInfo(expr) as binaryen.BlockInfo).children) {
    if (alwaysCounts(child)) return true;
    if (branchesOut(child)) return false;
  }
  return false;
}

/**
 * True when every way back to the top of loop `label` inside `expr` first passes a
 * statement that counts work (`alwaysCounts`); `expr` runs in order (a block's children
 * one after another, an if's arms as alternatives). Conservative: anything else that
 * branches back is false.
 */
function switchesBeforeBranchingTo(expr: binaryen.ExpressionRef, label: string): boolean {
  const id = api.getExpressionId(expr);
  if (id === api.BlockId) {
    for (const child of (api.getExpressionInfo(expr) as binaryen.BlockInfo).children) {
      if (alwaysCounts(child)) return true; // every later branch back is covered
      if (!switchesBeforeBranchingTo(child, label)) return false;
    }
    return true;
  }
  if (id === api.IfId) {
    const info = api.getExpressionInfo(expr) as binaryen.IfInfo;
    if (branchesTo(info.condition, label)) return false;
    return switchesBeforeBranchingTo(info.ifTrue, label) && (!info.ifFalse || switchesBeforeBranchingTo(info.ifFalse, label));
  }
  return !branchesTo(expr, label);
}

/** Labels no AssemblyScript function uses (asc's are `name|N`; ours carry a `weft.` prefix). */
let labels = 0;
const freshLabel = (what: string) => `weft.safepoint.${what}.${labels++}`;
/** The prefix of the label of a loop that was given a safepoint (`addSafepoint`). */
const OUTER_PREFIX = "weft.safepoint.outer.";

/**
 * Gives loop `loop` (label `label`, body `body`) its safepoint, with the slow path's call
 * outside the loop that iterates:
 *
 *   loop $outer                        ;; the original loop expression, renamed
 *     block $done                      ;; (its value, if any, leaves through here)
 *       block $slow
 *         br $done (loop $label         ;; the original label: every `br $label` lands here
 *           workLeft = workLeft - 1
 *           br_if $slow (workLeft < 0)
 *           body))
 *       call safepoint(site)            ;; may preempt: the fiber unwinds from here
 *       br $outer                       ;; and redoes the check, then the same iteration
 *
 * An iteration that finds the counter run out leaves the loop before its body, takes the
 * slow path, and comes back to the same iteration. Why not the check and call at the top
 * of the body: asyncify guards every statement of an instrumented function that can be
 * skipped on a rewind with a test of its state, and with the call inside the loop that
 * meant three or four tests of a global on every iteration; here the inner loop contains
 * no call that can suspend (unless its body makes one), so asyncify treats it as one
 * statement and tests its state once per entry into the loop, and an iteration pays only
 * the decrement and the branch (docs/PERFORMANCE.md, "preempt_slowdown").
 */
function addSafepoint(module: binaryen.Module, loop: binaryen.ExpressionRef, label: string, body: binaryen.ExpressionRef, site: number): void {
  const type = api.getExpressionType(body);
  const outer = freshLabel("outer");
  const slow = freshLabel("slow");
  const done = freshLabel("done");
  const work = () => module.global.get(WORK_LEFT_GLOBAL, api.i32);
  const inner = module.loop(
    label,
    module.block(
      null,
      [
        module.global.set(WORK_LEFT_GLOBAL, module.i32.sub(work(), module.i32.const(1))),
        module.br(slow, module.i32.lt_s(work(), module.i32.const(0))),
        body,
      ],
      type,
    ),
  );
  const slowPath = [module.call(SAFEPOINT, [module.i32.const(site)], api.none), module.br(outer)];
  let replacement: binaryen.ExpressionRef;
  if (type === api.unreachable) {
    // the loop never falls through (it leaves by branches to enclosing labels): nothing to pass on
    replacement = module.block(null, [module.block(slow, [inner], api.none), ...slowPath], api.unreachable);
  } else if (type === api.none) {
    replacement = module.block(done, [module.block(slow, [inner, module.br(done)], api.none), ...slowPath], api.none);
  } else {
    replacement = module.block(done, [module.block(slow, [module.br(done, 0, inner)], api.none), ...slowPath], type);
  }
  Loop().setName(loop, outer);
  Loop().setBody(loop, replacement);
}

/**
 * Inserts a safepoint at the top of every loop of the program's own functions (before asc
 * optimizes the module, and so before the asyncify pass, which then instruments them) and
 * writes the sites' function names into the core's `siteNameInto`. Returns the
 * functions given safepoints. Without `preempt`, only drops the slow path's export
 * (nothing calls it then). `with_` is the binaryen.js instance that holds `module` (asc's
 * own, in its transform).
 */
export function insertSafepoints(module: binaryen.Module, preempt: boolean, with_: typeof binaryen = binaryen): string[] {
  const before = api;
  api = with_;
  try {
    return insertAll(module, preempt);
  } finally {
    api = before;
  }
}

function insertAll(module: binaryen.Module, preempt: boolean): string[] {
  if (module.getExport(SAFEPOINT_EXPORT)) module.removeExport(SAFEPOINT_EXPORT);
  if (!preempt) return [];
  if (!module.getFunction(SAFEPOINT) || !module.getGlobal(WORK_LEFT_GLOBAL) || !module.getFunction(SITE_NAME_INTO)) {
    throw new BuildError("internal: the scheduler's safepoint is missing from the compiled module");
  }
  // the slow path stays one call, off the loops' fast path (the optimizer would inline it)
  api.setPassArgument("no-inline", SAFEPOINT);
  module.runPasses(["no-inline"]);
  api.clearPassArguments();
  // wrappers of checkpoints: only the program's and weft's own functions can be one
  counting = new Set();
  const candidates: binaryen.FunctionInfo[] = [];
  for (let i = 0, n = module.getNumFunctions(); i < n; i++) {
    const info = api.getFunctionInfo(module.getFunctionByIndex(i));
    if (!info.module && info.body !== 0 && !isCheckpoint(info.name) && (!info.name.startsWith("~lib/") || info.name.startsWith("~lib/weft/"))) candidates.push(info);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const info of candidates) {
      if (!counting.has(info.name) && alwaysCounts(info.body)) {
        counting.add(info.name);
        changed = true;
      }
    }
  }
  const names: string[] = [];
  for (let i = 0, n = module.getNumFunctions(); i < n; i++) {
    const fn = module.getFunctionByIndex(i);
    const info = api.getFunctionInfo(fn);
    if (info.module || !isProgramFunction(info.name) || info.body === 0) continue;
    const site = names.length;
    let loops = 0;
    const visit = (expr: binaryen.ExpressionRef): void => {
      for (const child of childrenOf(expr)) visit(child);
      if (api.getExpressionId(expr) === api.LoopId) {
        const body = Loop().getBody(expr);
        const label = (api.getExpressionInfo(expr) as binaryen.LoopInfo).name;
        // an unnamed loop cannot go round; a named one maybe not without switching
        if (!label || switchesBeforeBranchingTo(body, label)) return;
        addSafepoint(module, expr, label, body, site);
        loops++;
      }
    };
    visit(info.body);
    if (loops > 0) names.push(info.name);
  }
  writeSiteNames(module, names);
  return names;
}

/**
 * Replaces the body of the core's `siteNameInto(site, buf): len` with one that stores the
 * UTF-8 name of site `site`'s function at `buf` in 8-byte constants and returns its
 * length (0 for an unknown site). Code rather than a data segment: the module's memory
 * layout is already fixed when this runs (asc placed its static data and the heap).
 */
function writeSiteNames(module: binaryen.Module, names: string[]): void {
  const info = api.getFunctionInfo(module.getFunction(SITE_NAME_INTO));
  const site = () => module.local.get(0, api.i32);
  const buf = () => module.local.get(1, api.i32);
  const cases = names.map((name, i) => {
    const bytes = utf8Prefix(name, SITE_NAME_MAX);
    const padded = new Uint8Array(Math.ceil(bytes.length / 8) * 8);
    padded.set(bytes);
    const words = new DataView(padded.buffer);
    const stores: binaryen.ExpressionRef[] = [];
    for (let at = 0; at < padded.length; at += 8) {
      const value = module.i64.const(words.getBigInt64(at, true));
      stores.push(module.i64.store(at, 1, buf(), value));
    }
    return module.if(module.i32.eq(site(), module.i32.const(i)), module.block(null, [...stores, module.return(module.i32.const(bytes.length))]));
  });
  module.removeFunction(SITE_NAME_INTO);
  module.addFunction(SITE_NAME_INTO, info.params, info.results, [], module.block(null, [...cases, module.i32.const(0)], api.i32));
}

/** The UTF-8 bytes of `text`, cut to at most `max` bytes at a character boundary. */
function utf8Prefix(text: string, max: number): Uint8Array {
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= max) return bytes;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // a continuation byte: back to its start
  return bytes.subarray(0, end);
}
