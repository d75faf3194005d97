// instrument.ts: which functions asyncify must instrument, decided by weft rather than by
// asyncify's default rule that any indirect call may suspend.
//
// Model. A function can suspend if it is a suspend primitive, calls one that can, or makes
// an indirect call that may land on one that can. An indirect call can only land on an
// entry of the function table whose signature is the call's own (wasm checks it), so the
// question is per signature: "can any table entry of type T suspend?". The answer is a
// fixed point over the call graph, computed here from the module before the asyncify pass:
//
//   suspending := primitives
//   repeat: f joins when it calls a suspending function directly, or makes a call_indirect
//           of type T while some table entry of type T is suspending
//
// Asyncify is then told exactly that: indirect calls are ignored by default
// (`asyncify-ignore-indirect`), and the functions whose indirect calls may suspend are on
// its add-list, propagated to their callers (`asyncify-propagate-addlist`); asyncify's own
// direct-call analysis does the rest and must arrive at the same set, which `checkPlan`
// verifies after the pass. A compute kernel full of closures and virtual calls that never
// suspends is then left as plain code (docs/PERFORMANCE.md, "compute_slowdown").
//
// Invariant (checked): the instrumented set after the pass equals `plan.suspending` minus
// the primitives (which call asyncify's intrinsics and are never instrumented); the
// trampolines are never in it. Unsound either way would be silent: an uninstrumented function on a
// suspending path loses its frame on a switch; an extra one only costs speed, but means
// this analysis and asyncify disagree about the module.
//
// Rejected: asyncify's only-list. It must name every instrumented function, and asyncify
// splits its lists at commas outside brackets, which AssemblyScript's names of function
// types (`(i32,i32)=>i32`) unbalance. The add-list names only the few functions that make
// suspending indirect calls.

import binaryen from "binaryen";

/** Why a function was instrumented: what it calls that can suspend. */
export interface InstrumentationPlan {
  /** Every function that can suspend (primitives included), with the reason. */
  suspending: Map<string, string>;
  /** Functions with an indirect call that may suspend: asyncify's add-list. */
  indirectCallers: string[];
}

interface FunctionCalls {
  name: string;
  signature: string;
  direct: Set<string>;
  indirect: Set<string>;
}

const TYPE_NAMES = new Map<number, string>([
  [binaryen.i32, "i32"],
  [binaryen.i64, "i64"],
  [binaryen.f32, "f32"],
  [binaryen.f64, "f64"],
  [binaryen.v128, "v128"],
]);

/** ` (param i32 i32) (result i32)`: a signature as the text format prints a func type. */
function signatureOf(params: number, results: number): string {
  const names = (type: number) => binaryen.expandType(type).map((t) => TYPE_NAMES.get(t) ?? `t${t}`);
  const p = names(params);
  const r = names(results);
  return (p.length ? ` (param ${p.join(" ")})` : "") + (r.length ? ` (result ${r.join(" ")})` : "");
}

const NAME = String.raw`\$("(?:[^"\\]|\\.)*"|[^\s()]+)`;
const unquote = (raw: string) => (raw.startsWith('"') ? (JSON.parse(raw) as string) : raw);

/** Reads the call graph from the module's text form (binaryen.js has no expression walker). */
function callGraph(module: binaryen.Module): { fns: FunctionCalls[]; table: Map<string, string[]> } {
  const text = module.emitText();
  // type $N → signature
  const types = new Map<string, string>();
  for (const m of text.matchAll(/^ \(type \$(\S+) \(func(.*)\)\)$/gm)) types.set(m[1], m[2]);
  const fns: FunctionCalls[] = [];
  const starts = [...text.matchAll(new RegExp(String.raw`^ \(func ${NAME}`, "gm"))];
  for (let i = 0; i < starts.length; i++) {
    const name = unquote(starts[i][1]);
    const ref = module.getFunction(name);
    if (!ref) continue;
    const info = binaryen.getFunctionInfo(ref);
    if (info.module) continue; // an import
    const body = text.slice(starts[i].index!, i + 1 < starts.length ? starts[i + 1].index : text.length);
    const direct = new Set<string>();
    for (const m of body.matchAll(new RegExp(String.raw`\(call ${NAME}`, "g"))) direct.add(unquote(m[1]));
    const indirect = new Set<string>();
    for (const m of body.matchAll(/\(call_indirect(?: \$\S+)? \(type \$([^\s)]+)\)/g)) {
      const signature = types.get(m[1]);
      if (signature === undefined) throw new Error(`internal: call_indirect of unknown type $${m[1]} in ${name}`);
      indirect.add(signature);
    }
    fns.push({ name, signature: signatureOf(info.params, info.results), direct, indirect });
  }
  // signature → the table entries of that signature
  const bySignature = new Map(fns.map((f) => [f.name, f.signature]));
  const table = new Map<string, string[]>();
  for (let i = 0, n = module.getNumElementSegments(); i < n; i++) {
    for (const entry of binaryen.getElementSegmentInfo(module.getElementSegmentByIndex(i)).data) {
      const signature = bySignature.get(entry);
      if (signature === undefined) continue; // an imported function: imports never suspend
      const list = table.get(signature) ?? [];
      list.push(entry);
      table.set(signature, list);
    }
  }
  return { fns, table };
}

/**
 * Computes which functions can suspend (see the model above). `isPrimitive` names the
 * suspend primitives; `trampolines` the functions that call fiber entries and stop unwinds
 * (the bottom of every suspension, never part of one); with `ignoreIndirect`, indirect calls
 * are taken never to suspend (the user's `--ignore-indirect`: wrong if a callback does).
 */
export function planInstrumentation(
  module: binaryen.Module,
  isPrimitive: (name: string) => boolean,
  trampolines: string[],
  ignoreIndirect: boolean,
): InstrumentationPlan {
  const { fns, table } = callGraph(module);
  const suspending = new Map<string, string>();
  for (const f of fns) if (isPrimitive(f.name)) suspending.set(f.name, "a suspend primitive");
  const reachable = (signature: string) => (table.get(signature) ?? []).find((entry) => suspending.has(entry));
  for (let changed = true; changed; ) {
    changed = false;
    for (const f of fns) {
      if (suspending.has(f.name) || trampolines.includes(f.name)) continue;
      let reason: string | undefined;
      for (const callee of f.direct) {
        if (suspending.has(callee)) {
          reason = `calls ${callee}`;
          break;
        }
      }
      if (reason === undefined && !ignoreIndirect) {
        for (const signature of f.indirect) {
          const target = reachable(signature);
          if (target !== undefined) {
            reason = `calls a function reference of type (func${signature}), which may be ${target}`;
            break;
          }
        }
      }
      if (reason !== undefined) {
        suspending.set(f.name, reason);
        changed = true;
      }
    }
  }
  const indirectCallers = ignoreIndirect
    ? []
    : fns.filter((f) => suspending.has(f.name) && !isPrimitive(f.name) && [...f.indirect].some((s) => reachable(s) !== undefined)).map((f) => f.name);
  return { suspending, indirectCallers };
}

/**
 * Asyncify's lists are split at commas (or newlines) and rejoined while brackets are
 * unbalanced; `=>` in a function type's name unbalances them. `*` is asyncify's wildcard:
 * writing `=*` for `=>` keeps the name one entry and still matches it.
 */
export function asyncifyListEntry(name: string): string {
  return name.replace(/=>/g, "=*");
}

/**
 * After the pass: the functions asyncify instrumented must be exactly the planned ones
 * (less the primitives, which asyncify never instruments). Returns the
 * differences, described; empty when they agree.
 */
export function checkPlan(plan: InstrumentationPlan, instrumented: string[], isPrimitive: (name: string) => boolean): string[] {
  const problems: string[] = [];
  const done = new Set(instrumented);
  for (const [name, reason] of plan.suspending) {
    if (isPrimitive(name)) continue;
    if (!done.has(name)) problems.push(`${name} can suspend (${reason}) but asyncify did not instrument it`);
  }
  for (const name of instrumented) {
    if (!plan.suspending.has(name)) problems.push(`${name} was instrumented, but no path from it reaches a suspend primitive`);
  }
  return problems;
}
