// stackrefs.ts: the check that no wasm local holds a shadow-stack address across a suspend.
//
// Why. A suspended fiber's frames are its saved locals (asyncify) plus its slice of the
// shadow stack, which every resume copies back below the running thread's fiber base
// (sched/run.ts). On one thread that base never moves, so an absolute shadow-stack
// address survives a switch. Under threads a fiber may resume on another thread, whose
// shadow stack is elsewhere in the shared memory: a local that held an address into the
// old slice would point into another thread's stack (docs/THREADS.md, "Fibers move for
// free"). AssemblyScript re-reads `__stack_pointer` for every access to a frame, but it
// evaluates a store's address before its value: `i32.store (global.get $__stack_pointer)
// (call ...)` holds a frame slot's address on the value stack across the call, and
// asyncify keeps it in a local there. M:1 builds have that shape (the HTTP example, the
// sync test suite); the threads build rewrites such stores before asc optimizes, and this
// check is what shows that nothing of the kind is left.
//
// Model: a forward walk of every function that can suspend (the instrumentation plan's
// set, instrument.ts) in evaluation order, over a three-valued state per local:
//
//   clean  ── local.set of a value derived from __stack_pointer ──►  fresh
//   fresh  ── a call that can suspend ──────────────────────────────►  stale
//   any    ── local.set of anything else ───────────────────────────►  clean
//
// and a `local.get` of a stale local is a finding; so is an operand that is derived and
// waits on the value stack while a later operand of the same instruction suspends
// (local -1). "Derived" means computed from
// `global.get $__stack_pointer`, a derived local, a parameter given a derived argument,
// or a call that returns a derived value, through arithmetic, `select` or a block's value;
// a comparison or a load yields a plain value. Control flow joins take the worse state
// (stale > fresh > clean): at the end of a block from every branch to it, after an `if`,
// and at a loop's top from every branch back to it (iterated until nothing changes).
//
// What it does not see: an address stored into memory and loaded back (memory is not
// tracked; AssemblyScript keeps no pointers to its own frames in memory), and calls that
// cannot suspend (they are not part of a suspension, so their locals are never saved).
//
// Used by the threads build (docs/THREADS.md), where a finding is a build error; not by
// M:1 builds, where addresses never move and the shape above is harmless.

import binaryen from "binaryen";
import { BuildError } from "./build.js";
import type { InstrumentationPlan } from "./instrument.js";

/** AssemblyScript's shadow-stack pointer. */
export const STACK_POINTER = "~lib/memory/__stack_pointer";

/** A stack address held across a suspend that may have moved the fiber, and used after it. */
export interface StackRefFinding {
  /** The function, by its name in the module. */
  fn: string;
  /** The local's index (parameters first), or -1 for an operand that waited on the value stack. */
  local: number;
}

const CLEAN = 0;
const FRESH = 1;
const STALE = 2;
/** Per local: CLEAN, FRESH or STALE; null where control cannot reach (after a br or return). */
type State = Uint8Array | null;

const join = (a: State, b: State): State => {
  if (a === null) return b && b.slice();
  if (b === null) return a.slice();
  const out = a.slice();
  for (let i = 0; i < out.length; i++) if (b[i] > out[i]) out[i] = b[i];
  return out;
};
const same = (a: State, b: State): boolean => (a === null || b === null ? a === b : a.every((v, i) => v === b[i]));

/** Where a plain operator's operands are, in evaluation order (binaryen.js expression infos). */
const OPERAND_FIELDS = ["vec", "ptr", "left", "right", "a", "b", "c", "value", "index", "operands", "size"];

/** Binary operators whose result is a plain value whatever their operands: comparisons. */
function comparisons(): Set<number> {
  const b = binaryen as unknown as Record<string, number>;
  const names = ["Eq", "Ne", "LtS", "LtU", "GtS", "GtU", "LeS", "LeU", "GeS", "GeU"].flatMap((op) => [`${op}Int32`, `${op}Int64`]);
  names.push(...["Eq", "Ne", "Lt", "Gt", "Le", "Ge"].flatMap((op) => [`${op}Float32`, `${op}Float64`]));
  return new Set(names.map((n) => b[n]).filter((v) => typeof v === "number"));
}

/**
 * Every read, in a function that can suspend, of a local that may hold a shadow-stack
 * address saved before a suspend. `plan` says which functions can suspend and which make
 * indirect calls that may (instrument.ts).
 */
export function findStackRefs(module: binaryen.Module, plan: InstrumentationPlan): StackRefFinding[] {
  const suspending = plan.suspending;
  const indirectSuspends = new Set(plan.indirectCallers);
  const compares = comparisons();
  const leaves = new Set([binaryen.ConstId, binaryen.NopId, binaryen.UnreachableId, binaryen.MemorySizeId, binaryen.DataDropId, binaryen.AtomicFenceId]);
  /** Functions whose result may be derived from the stack pointer (memo; in progress = false). */
  const returnsRef = new Map<string, boolean>();
  /** Parameters known to receive a derived argument, per function. */
  const refParams = new Map<string, Set<number>>();
  const findings = new Map<string, StackRefFinding>();

  /**
   * Walks function `name`. With `report`, records findings (only functions that can
   * suspend are reported); returns whether its result may be derived.
   */
  function walkFunction(name: string, report: boolean): boolean {
    const info = binaryen.getFunctionInfo(module.getFunction(name));
    const nParams = binaryen.expandType(info.params).length;
    const nLocals = nParams + info.vars.length;
    let state: State = new Uint8Array(nLocals);
    for (const p of refParams.get(name) ?? []) state[p] = FRESH;
    /** Label → the joined state of every branch to it (blocks: their end; loops: their top). */
    const targets = new Map<string, State>();
    let returned = false;
    /** Block label → whether a branch carries a derived value to it. */
    const blockValues = new Map<string, boolean>();
    const branchTo = (label: string, s: State) => targets.set(label, join(targets.get(label) ?? null, s));
    /** Calls that can suspend passed so far in this walk. */
    let suspends = 0;
    const suspend = () => {
      suspends++;
      if (state) for (let i = 0; i < state.length; i++) if (state[i] === FRESH) state[i] = STALE;
    };
    const found = (local: number) => {
      if (report && suspending.has(name)) findings.set(`${name}#${local}`, { fn: name, local });
    };
    /**
     * Evaluates an instruction's operands in order. A derived operand waits on the value
     * stack while the later ones are evaluated: if one of those suspends, asyncify keeps
     * the waiting value in a local across the suspend (a finding, local -1).
     */
    const operands = (refs: (number | undefined | null)[]): boolean[] => {
      let heldAt = -1;
      const derived = refs.map((r) => {
        const d = r ? visit(r) : false;
        if (d && heldAt < 0) heldAt = suspends;
        return d;
      });
      if (heldAt >= 0 && suspends > heldAt) found(-1);
      return derived;
    };

    /** Evaluates `expr` from `state` (updated in place); true if its value may be derived. */
    const visit = (expr: binaryen.ExpressionRef): boolean => {
      if (expr === 0) return false;
      const id = binaryen.getExpressionId(expr);
      if (leaves.has(id)) {
        if (id === binaryen.UnreachableId) state = null;
        return false;
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const e = binaryen.getExpressionInfo(expr) as any;
      switch (id) {
        case binaryen.GlobalGetId:
          return e.name === STACK_POINTER;
        case binaryen.LocalGetId: {
          if (state === null) return false;
          if (state[e.index] === STALE) found(e.index);
          return state[e.index] !== CLEAN;
        }
        case binaryen.LocalSetId: {
          const derived = visit(e.value);
          if (state) state[e.index] = derived ? FRESH : CLEAN;
          return e.isTee && derived;
        }
        case binaryen.GlobalSetId:
        case binaryen.DropId:
          visit(e.value);
          return false;
        case binaryen.UnaryId: {
          // conversions keep an address derived (widened or wrapped); eqz makes a flag
          const derived = visit(e.value);
          return derived && e.op !== binaryen.EqZInt32 && e.op !== binaryen.EqZInt64;
        }
        case binaryen.BinaryId: {
          const [l, r] = operands([e.left, e.right]);
          return (l || r) && !compares.has(e.op);
        }
        case binaryen.SelectId: {
          const [a, b] = operands([e.ifTrue, e.ifFalse, e.condition]);
          return a || b;
        }
        case binaryen.LoadId:
          visit(e.ptr);
          return false;
        case binaryen.StoreId:
          // `i32.store (global.get $__stack_pointer) (call ...)`: the address waits
          operands([e.ptr, e.value]);
          return false;
        case binaryen.AtomicRMWId:
          operands([e.ptr, e.value]);
          return false;
        case binaryen.AtomicCmpxchgId:
          operands([e.ptr, e.expected, e.replacement]);
          return false;
        case binaryen.AtomicWaitId:
          operands([e.ptr, e.expected, e.timeout]);
          return false;
        case binaryen.AtomicNotifyId:
          operands([e.ptr, e.notifyCount]);
          return false;
        case binaryen.MemoryGrowId:
          visit(e.delta);
          return false;
        case binaryen.MemoryCopyId:
          operands([e.dest, e.source, e.size]);
          return false;
        case binaryen.MemoryFillId:
          operands([e.dest, e.value, e.size]);
          return false;
        case binaryen.MemoryInitId:
          operands([e.dest, e.offset, e.size]);
          return false;
        case binaryen.CallId: {
          // an argument is the callee's from the call on (its parameters are tracked)
          const args = operands(e.operands as number[]);
          if (args.some(Boolean)) noteParams(e.target as string, args);
          if (suspending.has(e.target)) suspend();
          return calleeReturnsRef(e.target as string);
        }
        case binaryen.CallIndirectId: {
          operands([...(e.operands as number[]), e.target]);
          if (indirectSuspends.has(name)) suspend();
          return false; // a table entry returning a stack address: not tracked
        }
        case binaryen.ReturnId: {
          if (visit(e.value)) returned = true;
          state = null;
          return false;
        }
        case binaryen.BlockId: {
          let last = false;
          for (const child of e.children as number[]) last = visit(child);
          if (e.name) {
            state = join(state, targets.get(e.name) ?? null);
            targets.delete(e.name);
            last ||= blockValues.get(e.name) ?? false;
            blockValues.delete(e.name);
          }
          return last;
        }
        case binaryen.IfId: {
          visit(e.condition);
          const before = state && state.slice();
          const a = visit(e.ifTrue);
          const afterTrue = state;
          state = before;
          const b = e.ifFalse ? visit(e.ifFalse) : false;
          state = join(afterTrue, state);
          return a || b;
        }
        case binaryen.LoopId: {
          // iterate the body from the join of the entry and every branch back to the top
          let entry: State = state && state.slice();
          let value = false;
          for (let round = 0; round < 8; round++) {
            state = entry && entry.slice();
            if (e.name) targets.delete(e.name);
            value = visit(e.body);
            const back = e.name ? (targets.get(e.name) ?? null) : null;
            const next = join(entry, back);
            if (same(next, entry)) break;
            entry = next;
          }
          if (e.name) targets.delete(e.name);
          return value;
        }
        case binaryen.BreakId: {
          const [v] = operands([e.value, e.condition]);
          if (v) blockValues.set(e.name, true);
          branchTo(e.name, state);
          if (!e.condition) state = null;
          return v;
        }
        case binaryen.SwitchId: {
          const [v] = operands([e.value, e.condition]);
          for (const label of [...(e.names as string[]), e.defaultName as string]) {
            if (v) blockValues.set(label, true);
            branchTo(label, state);
          }
          state = null;
          return false;
        }
        case binaryen.TryId: {
          const before = state && state.slice();
          visit(e.body);
          let after = state;
          for (const handler of e.catchBodies as number[]) {
            state = before && before.slice();
            visit(handler);
            after = join(after, state);
          }
          state = after;
          return false;
        }
        case binaryen.ThrowId:
        case binaryen.RethrowId:
          ((e.operands as number[] | undefined) ?? []).forEach(visit);
          state = null;
          return false;
        default: {
          // plain operators (SIMD and others): children in order, derived if one is
          const refs: number[] = [];
          for (const field of OPERAND_FIELDS) {
            const ref = e[field];
            if (typeof ref === "number" && ref !== 0) refs.push(ref);
            else if (Array.isArray(ref)) refs.push(...(ref as number[]));
          }
          return operands(refs).some(Boolean);
        }
      }
    };
    const tail = visit(info.body);
    return returned || tail;
  }

  function noteParams(callee: string, args: boolean[]): void {
    if (!suspending.has(callee)) return; // a callee that cannot suspend keeps nothing across one
    const set = refParams.get(callee) ?? new Set<number>();
    let grew = false;
    args.forEach((derived, i) => {
      if (derived && !set.has(i)) {
        set.add(i);
        grew = true;
      }
    });
    refParams.set(callee, set);
    if (grew) dirty.add(callee);
  }

  function calleeReturnsRef(callee: string): boolean {
    const known = returnsRef.get(callee);
    if (known !== undefined) return known;
    const fn = module.getFunction(callee);
    if (!fn || binaryen.getFunctionInfo(fn).module) return false; // an import: no access to the stack
    returnsRef.set(callee, false); // recursion: assume not while walking
    const derived = walkFunction(callee, false);
    returnsRef.set(callee, derived);
    return derived;
  }

  const dirty = new Set<string>();
  for (const name of suspending.keys()) dirty.add(name);
  // until no function gains a parameter that receives a derived argument
  for (let rounds = 0; dirty.size > 0 && rounds < 20; rounds++) {
    const now = [...dirty];
    dirty.clear();
    for (const name of now) if (module.getFunction(name)) walkFunction(name, true);
  }
  return [...findings.values()];
}

/** The findings as a build error's text, one line per local. */
export function describeStackRefs(findings: StackRefFinding[]): string {
  return (
    "a local keeps a shadow-stack address across a suspend (the fiber may resume on another thread, where that address is another thread's stack):\n" +
    findings.map((f) => `  ${f.fn}: ${f.local >= 0 ? `local ${f.local}` : "an operand evaluated before a call that suspends"}`).join("\n")
  );
}
