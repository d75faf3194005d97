// preempt.ts: safepoints, so that a fiber that never yields cannot stall the others.
//
// Model. Every loop of the program's own code (not the standard library's, not weft's)
// starts each iteration with a safepoint:
//
//   workLeft = workLeft - 1
//   if (workLeft < 0) safepoint(site)
//
// `workLeft` is the scheduler's work counter (assembly/scheduler.ts, "Time slices and
// preemption" in its opening essay): the
// trampoline also takes from it on every switch. When it runs out, `safepoint` reads the
// clock; if the slice is over or a timer is due, it preempts the fiber (a suspend
// primitive: the fiber goes to the back of the run queue and unwinds like a yield),
// otherwise it refills the counter and returns. On the fast path a loop iteration pays a
// global decrement and a branch.
//
// Invariants:
//   - safepoints only in the program's own functions: an operation of the runtime (the
//     allocator, the collector, a channel operation) or of the standard library (a sort, a
//     map rehash) is never split; what a program may rely on is in docs/API.md, "Time slices
//     and preemption";
//   - the slow path allocates no managed object: it runs where AssemblyScript did not
//     expect a call, with managed temporaries in plain locals that a collection would miss;
//   - each site has an index into the `weft.safepoints` custom section (the names of the
//     functions, one per line), so that a dump can say in which function a fiber was
//     preempted.
//
// Fewer where it is sound: a loop that cannot go round without calling a checkpoint
// (`yieldNow` and `park` always switch, and the trampoline counts every switch; a channel
// send counts work itself when it completes at once) gets none; nor does a loop that
// cannot go round without entering an inner loop that has a safepoint (the inner check
// runs on every entry, so it counts the outer iterations too): a nest of loops costs one
// site, and one asyncify call site, less per level.
//
// Rejected: safepoints at function entries as well (Go's stack-check preemption). They
// would make every function of the program "can suspend", and asyncify instrument all of
// it: deep recursion without loops stays cooperative instead. Rejected: a second thread
// setting a flag on a timer (Go's sysmon): it needs shared memory and a worker for every
// program (browsers without cross-origin isolation have neither), where a counter that
// reads the clock now and then needs nothing but the clock.

import binaryen from "binaryen";
import { BuildError } from "./build.js";
import { SAFEPOINT_SECTION } from "../host/abi.js";
import { CORE } from "./core.js";
import { nameMatcher } from "./passes.js";

/** binaryen.js's Loop accessors (present in 132, missing from its typings). */
const Loop = (binaryen as unknown as { Loop: { getBody(e: number): number; setBody(e: number, body: number): void; setName(e: number, name: string): void } }).Loop;

/** The work counter's global (assembly/scheduler.ts). */
export const WORK_LEFT_GLOBAL = CORE.workLeft;
/** The slow path: a suspend primitive taking the site's index. */
export const SAFEPOINT = CORE.safepoint;
/** The export that keeps the slow path in the module until safepoints call it. */
export const SAFEPOINT_EXPORT = "__weft_safepoint";

/** A function of the program itself: not the standard library, not weft, not top-level code. */
export function isProgramFunction(name: string): boolean {
  return !name.startsWith("~") && !name.startsWith("start:") && !name.startsWith("export:");
}

/** Expressions without children. */
const LEAVES = new Set([
  binaryen.LocalGetId,
  binaryen.GlobalGetId,
  binaryen.ConstId,
  binaryen.NopId,
  binaryen.UnreachableId,
  binaryen.MemorySizeId,
  binaryen.DataDropId,
  binaryen.AtomicFenceId,
]);

/** Child expressions of `expr`, by kind; throws on a kind the walker does not know. */
function childrenOf(expr: binaryen.ExpressionRef): binaryen.ExpressionRef[] {
  const id = binaryen.getExpressionId(expr);
  if (LEAVES.has(id)) return [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const info = binaryen.getExpressionInfo(expr) as any;
  const some = (...refs: (number | undefined)[]) => refs.filter((r): r is number => typeof r === "number" && r !== 0);
  switch (id) {
    case binaryen.BlockId:
      return info.children;
    case binaryen.IfId:
      return some(info.condition, info.ifTrue, info.ifFalse);
    case binaryen.LoopId:
      return some(info.body);
    case binaryen.BreakId:
    case binaryen.SwitchId:
      return some(info.condition, info.value);
    case binaryen.CallId:
      return info.operands;
    case binaryen.CallIndirectId:
      return [...info.operands, info.target];
    case binaryen.LocalSetId:
    case binaryen.GlobalSetId:
    case binaryen.UnaryId:
    case binaryen.DropId:
      return some(info.value);
    case binaryen.ReturnId:
      return some(info.value);
    case binaryen.LoadId:
      return some(info.ptr);
    case binaryen.StoreId:
      return some(info.ptr, info.value);
    case binaryen.BinaryId:
      return some(info.left, info.right);
    case binaryen.SelectId:
      return some(info.ifTrue, info.ifFalse, info.condition);
    case binaryen.MemoryGrowId:
      return some(info.delta);
    case binaryen.MemoryCopyId:
      return some(info.dest, info.source, info.size);
    case binaryen.MemoryFillId:
      return some(info.dest, info.value, info.size);
    case binaryen.MemoryInitId:
      return some(info.dest, info.offset, info.size);
    case binaryen.AtomicRMWId:
      return some(info.ptr, info.value);
    case binaryen.AtomicCmpxchgId:
      return some(info.ptr, info.expected, info.replacement);
    case binaryen.AtomicWaitId:
      return some(info.ptr, info.expected, info.timeout);
    case binaryen.AtomicNotifyId:
      return some(info.ptr, info.notifyCount);
    default:
      throw new BuildError(`internal: the safepoint pass met an expression it cannot walk (id ${id})`);
  }
}

/**
 * Checkpoints: primitives that always either switch (the trampoline counts work and reads
 * the clock at every switch) or count work and may preempt themselves (a channel send that
 * completes at once: `checkpoint` in scheduler.ts). A loop whose every iteration calls one
 * needs no safepoint of its own. A receive is not one: its fast path is inline code.
 */
const isCheckpoint = nameMatcher([CORE.yieldNow, CORE.park, CORE.chanSend]);

/**
 * `expr` is a statement that always counts work and may preempt: a call of a checkpoint
 * (perhaps under a drop or a local.set), or a loop already given a safepoint (its check
 * runs on every entry, the first iteration's included).
 */
function countsWork(expr: binaryen.ExpressionRef): boolean {
  let id = binaryen.getExpressionId(expr);
  if (id === binaryen.DropId || id === binaryen.LocalSetId) {
    expr = (binaryen.getExpressionInfo(expr) as binaryen.DropInfo).value;
    id = binaryen.getExpressionId(expr);
  }
  if (id === binaryen.LoopId) return ((binaryen.getExpressionInfo(expr) as binaryen.LoopInfo).name ?? "").startsWith(OUTER_PREFIX);
  return id === binaryen.CallId && isCheckpoint((binaryen.getExpressionInfo(expr) as binaryen.CallInfo).target);
}

/** Does `expr` branch to `label` anywhere inside it? */
function branchesTo(expr: binaryen.ExpressionRef, label: string): boolean {
  const id = binaryen.getExpressionId(expr);
  if (id === binaryen.BreakId && (binaryen.getExpressionInfo(expr) as binaryen.BreakInfo).name === label) return true;
  if (id === binaryen.SwitchId) {
    const info = binaryen.getExpressionInfo(expr) as binaryen.SwitchInfo;
    if (info.defaultName === label || info.names.includes(label)) return true;
  }
  return childrenOf(expr).some((child) => branchesTo(child, label));
}

/** Does `expr` branch anywhere outside itself (to a label it does not define)? */
function branchesOut(expr: binaryen.ExpressionRef, inside: Set<string> = new Set()): boolean {
  const id = binaryen.getExpressionId(expr);
  if (id === binaryen.BreakId) return !inside.has((binaryen.getExpressionInfo(expr) as binaryen.BreakInfo).name);
  if (id === binaryen.SwitchId) {
    const info = binaryen.getExpressionInfo(expr) as binaryen.SwitchInfo;
    if ([info.defaultName, ...info.names].some((name) => !inside.has(name ?? ""))) return true;
  }
  let labels = inside;
  if (id === binaryen.BlockId || id === binaryen.LoopId) {
    const name = (binaryen.getExpressionInfo(expr) as binaryen.BlockInfo).name;
    if (name) labels = new Set([...inside, name]);
  }
  return childrenOf(expr).some((child) => branchesOut(child, labels));
}

/**
 * Does control count work whenever it leaves `expr` by its end? A counting statement
 * does; so does a block that reaches one without a way around it (nothing before it
 * branches anywhere), such as the block AssemblyScript makes of `j = 0; while (...)`.
 */
function alwaysCounts(expr: binaryen.ExpressionRef): boolean {
  if (countsWork(expr)) return true;
  if (binaryen.getExpressionId(expr) !== binaryen.BlockId) return false;
  for (const child of (binaryen.getExpressionInfo(expr) as binaryen.BlockInfo).children) {
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
  const id = binaryen.getExpressionId(expr);
  if (id === binaryen.BlockId) {
    for (const child of (binaryen.getExpressionInfo(expr) as binaryen.BlockInfo).children) {
      if (alwaysCounts(child)) return true; // every later branch back is covered
      if (!switchesBeforeBranchingTo(child, label)) return false;
    }
    return true;
  }
  if (id === binaryen.IfId) {
    const info = binaryen.getExpressionInfo(expr) as binaryen.IfInfo;
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
  const type = binaryen.getExpressionType(body);
  const outer = freshLabel("outer");
  const slow = freshLabel("slow");
  const done = freshLabel("done");
  const work = () => module.global.get(WORK_LEFT_GLOBAL, binaryen.i32);
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
  const slowPath = [module.call(SAFEPOINT, [module.i32.const(site)], binaryen.none), module.br(outer)];
  let replacement: binaryen.ExpressionRef;
  if (type === binaryen.unreachable) {
    // the loop never falls through (it leaves by branches to enclosing labels): nothing to pass on
    replacement = module.block(null, [module.block(slow, [inner], binaryen.none), ...slowPath], binaryen.unreachable);
  } else if (type === binaryen.none) {
    replacement = module.block(done, [module.block(slow, [inner, module.br(done)], binaryen.none), ...slowPath], binaryen.none);
  } else {
    replacement = module.block(done, [module.block(slow, [module.br(done, 0, inner)], binaryen.none), ...slowPath], type);
  }
  Loop.setName(loop, outer);
  Loop.setBody(loop, replacement);
}

/**
 * Inserts a safepoint at the top of every loop of the program's own functions (before the
 * asyncify pass, which then instruments them) and records the sites' function names in
 * the `weft.safepoints` section. Returns the functions given safepoints. Without
 * `preempt`, only drops the slow path's export (nothing calls it then).
 */
export function insertSafepoints(module: binaryen.Module, preempt: boolean): string[] {
  if (module.getExport(SAFEPOINT_EXPORT)) module.removeExport(SAFEPOINT_EXPORT);
  if (!preempt) return [];
  if (!module.getFunction(SAFEPOINT) || !module.getGlobal(WORK_LEFT_GLOBAL)) {
    throw new BuildError("internal: the scheduler's safepoint is missing from the compiled module");
  }
  // the slow path stays one call, off the loops' fast path (the optimizer would inline it)
  binaryen.setPassArgument("no-inline", SAFEPOINT);
  module.runPasses(["no-inline"]);
  binaryen.clearPassArguments();
  const names: string[] = [];
  for (let i = 0, n = module.getNumFunctions(); i < n; i++) {
    const fn = module.getFunctionByIndex(i);
    const info = binaryen.getFunctionInfo(fn);
    if (info.module || !isProgramFunction(info.name) || info.body === 0) continue;
    const site = names.length;
    let loops = 0;
    const visit = (expr: binaryen.ExpressionRef): void => {
      for (const child of childrenOf(expr)) visit(child);
      if (binaryen.getExpressionId(expr) === binaryen.LoopId) {
        const body = Loop.getBody(expr);
        const label = (binaryen.getExpressionInfo(expr) as binaryen.LoopInfo).name;
        // an unnamed loop cannot go round; a named one maybe not without switching
        if (!label || switchesBeforeBranchingTo(body, label)) return;
        addSafepoint(module, expr, label, body, site);
        loops++;
      }
    };
    visit(info.body);
    if (loops > 0) names.push(info.name);
  }
  module.addCustomSection(SAFEPOINT_SECTION, new TextEncoder().encode(names.join("\n")));
  return names;
}
