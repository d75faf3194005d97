// passes.ts: weft's own Binaryen steps, run around the asyncify pass.
//
//   linkMain  (before asyncify) gives the ABI's `weft.main` import the program's `main`.
//   bindGcMarking gives the switch a read of the GC's phase (its barrier runs only in MARK).
//   linkInit  (WASI, before asyncify) gives the runner's `weft.init` import the program's
//             top-level code (asc's start function).
//   bindExceptions (WASI, after asyncify) turns the runner's `weft.throw_abort` and
//             `weft.try_call` imports into wasm exception handling (assembly/wasi/abort.ts),
//             and `weft.fatal_abort` into a call of the runner's fatal handler;
//             after the pass, because asyncify cannot instrument try/catch.
//   linkExports (before asyncify) makes the program's numeric exports spawnable from the
//             host: `weft.call_export` becomes a dispatcher over them (interop.ts).
//   analyze   (after asyncify, before optimization, while every function still has its
//             own body) reports which functions were instrumented and checks the rules
//             the switch depends on (assembly/switch.ts):
//               - only the suspend primitives call `asyncify_start_unwind`: a primitive
//                 inlined into a caller makes that caller call it, and the caller is then
//                 silently left uninstrumented;
//               - every function that calls a primitive was instrumented;
//               - the runtime's own switch and exit paths were not (an indirect call
//                 there once instrumented `finish`, slowing every fiber's exit);
//             It also measures the largest frame an unwind can write (reported by
//             `weft build --verbose`: what each level of recursion costs in scratch).
//
// The analysis reads the module's text form. Binaryen's JS API has no expression walker,
// and the text names exactly what we look for: calls and global accesses by name.

import binaryen from "binaryen";
import { BuildError } from "./build.js";
import { CORE } from "./core.js";

const ABI_MAIN_ENTRY = CORE.mainEntry;

const START_UNWIND = "asyncify_start_unwind";
const ASYNCIFY_DATA = "__asyncify_data";
const ASYNCIFY_STATE = "__asyncify_state";

/** Links the program's exported `main` into the ABI and unexports it. */
export function linkMain(module: binaryen.Module, entryName: string): void {
  const exportRef = module.getExport("main");
  if (!exportRef) {
    throw new BuildError(
      `${entryName} does not export a \`main\` function; a weft program starts there:\n` +
        `  export function main(): void { ... }`,
    );
  }
  const exported = binaryen.getExportInfo(exportRef);
  if (exported.kind !== binaryen.ExternalFunction) {
    throw new BuildError(`${entryName} exports \`main\`, but it is not a function`);
  }
  const mainInfo = binaryen.getFunctionInfo(module.getFunction(exported.value));
  if (mainInfo.params !== binaryen.none || mainInfo.results !== binaryen.none) {
    throw new BuildError(`${entryName}: \`main\` must take no parameters and return void`);
  }
  const mainImport = findImport(module, "weft", "main");
  if (!module.getFunction(ABI_MAIN_ENTRY) || mainImport === null) {
    throw new BuildError("internal: the weft ABI entry is missing from the compiled module");
  }
  module.removeFunction(ABI_MAIN_ENTRY);
  module.addFunction(ABI_MAIN_ENTRY, binaryen.none, binaryen.none, [], module.call(exported.value, [], binaryen.none));
  module.removeFunction(mainImport);
  module.removeExport("main");
}

/** Prefix of the exported global that gives a spawnable export its number (assembly/layout.ts). */
export { SPAWNABLE_PREFIX } from "../assembly/layout.js";
import { SPAWNABLE_PREFIX } from "../assembly/layout.js";

/**
 * Gives `weft.call_export(index, arg: f64): f64` (assembly/interop.ts) a body that calls
 * export number `index`, converting the argument to its parameter's type and its result
 * to f64, and exports each number as a global `__weft_export$<name>`. Spawnable: every
 * function the program exports itself (not `main`, not the runtime's `__` exports) with
 * at most one parameter, all of numeric types. Returns the names made spawnable.
 */
export function linkExports(module: binaryen.Module): string[] {
  const importName = findImport(module, "weft", "call_export");
  if (importName === null) return [];
  const spawnable: { name: string; fn: string; param: number; result: number }[] = [];
  const numeric = [binaryen.i32, binaryen.i64, binaryen.f32, binaryen.f64];
  for (let i = 0, n = module.getNumExports(); i < n; i++) {
    const info = binaryen.getExportInfo(module.getExportByIndex(i));
    if (info.kind !== binaryen.ExternalFunction || info.name.startsWith("__") || info.name === "_start") continue;
    const fn = binaryen.getFunctionInfo(module.getFunction(info.value));
    const params = binaryen.expandType(fn.params);
    const results = binaryen.expandType(fn.results);
    if (params.length > 1 || results.length > 1) continue;
    if (!params.every((t) => numeric.includes(t)) || !results.every((t) => numeric.includes(t))) continue;
    spawnable.push({ name: info.name, fn: info.value, param: params[0] ?? binaryen.none, result: results[0] ?? binaryen.none });
  }
  const m = module;
  const arg = () => m.local.get(1, binaryen.f64);
  const convertArg = (type: number) => {
    switch (type) {
      case binaryen.i32: // via i64: both signed and unsigned 32-bit values survive
        return m.i32.wrap(m.i64.trunc_s_sat.f64(arg()));
      case binaryen.i64:
        return m.i64.trunc_s_sat.f64(arg());
      case binaryen.f32:
        return m.f32.demote(arg());
      default:
        return arg();
    }
  };
  const cases = spawnable.map((e, index) => {
    const call = m.call(e.fn, e.param === binaryen.none ? [] : [convertArg(e.param)], e.result);
    let value: binaryen.ExpressionRef;
    switch (e.result) {
      case binaryen.none:
        value = m.block(null, [call, m.f64.const(0)], binaryen.f64);
        break;
      case binaryen.i32:
        value = m.f64.convert_s.i32(call);
        break;
      case binaryen.i64:
        value = m.f64.convert_s.i64(call);
        break;
      case binaryen.f32:
        value = m.f64.promote(call);
        break;
      default:
        value = call;
    }
    return m.if(m.i32.eq(m.local.get(0, binaryen.i32), m.i32.const(index)), m.return(value));
  });
  module.removeFunction(importName);
  module.addFunction(
    importName,
    binaryen.createType([binaryen.i32, binaryen.f64]),
    binaryen.f64,
    [],
    m.block(null, [...cases, m.unreachable()], binaryen.unreachable),
  );
  spawnable.forEach((e, index) => {
    const global = SPAWNABLE_PREFIX + e.name;
    module.addGlobal(global, binaryen.i32, false, m.i32.const(index));
    module.addGlobalExport(global, global);
  });
  return spawnable.map((e) => e.name);
}

/** The incremental GC's phase variable and its MARK value (std/assembly/rt/itcms.ts). */
const GC_STATE_GLOBAL = "~lib/rt/itcms/state";
const GC_STATE_MARK = 1;

/**
 * Binds the core's `weft.gc_marking` import (assembly/sched/run.ts `save`) to a read of
 * the collector's phase, which AssemblyScript does not export: the switch then skips its
 * write barrier outside the mark phase, where the barrier provably does nothing. Binds
 * `weft.gc_state` (assembly/trace.ts) to the phase itself, for traces of collections.
 */
export function bindGcMarking(module: binaryen.Module, threads = false): void {
  const name = findImport(module, "weft", "gc_marking");
  if (name === null) return;
  if (threads) {
    // the threads heap collects with the world stopped (assembly/rt/itcms.ts): no
    // mutator ever runs in a mark phase, so the switch's barrier is never needed
    module.removeFunction(name);
    module.addFunction(name, binaryen.none, binaryen.i32, [], module.i32.const(0));
    const stateName = findImport(module, "weft", "gc_state");
    if (stateName !== null) {
      module.removeFunction(stateName);
      module.addFunction(stateName, binaryen.none, binaryen.i32, [], module.i32.const(0));
    }
    return;
  }
  if (!module.getGlobal(GC_STATE_GLOBAL)) {
    throw new BuildError(`internal: the collector's ${GC_STATE_GLOBAL} global is missing (is the runtime "incremental"?)`);
  }
  module.removeFunction(name);
  module.addFunction(
    name,
    binaryen.none,
    binaryen.i32,
    [],
    module.i32.eq(module.global.get(GC_STATE_GLOBAL, binaryen.i32), module.i32.const(GC_STATE_MARK)),
  );
  // the tracer's view of the phase (assembly/trace.ts): the same global, read whole
  const stateName = findImport(module, "weft", "gc_state");
  if (stateName === null) return;
  module.removeFunction(stateName);
  module.addFunction(stateName, binaryen.none, binaryen.i32, [], module.global.get(GC_STATE_GLOBAL, binaryen.i32));
}

/** The collector's profiling imports (asc `ASC_PROFILE`) and the ABI exports that take them. */
const GC_PROFILE_LINKS: [string, string][] = [
  ["oninterrupt", "__weft_gc_interrupt"],
  ["onyield", "__weft_gc_yield"],
  ["oncollect", "__weft_gc_collect"],
];

/**
 * Links the collector's profiling imports (`rtrace.oninterrupt(total)` when an
 * incremental step begins, `onyield(total)` when it ends, `oncollect(total)` after a full
 * collection; compiled in by asc's ASC_PROFILE) to the tracer's exports in assembly/abi.ts,
 * which record them when tracing is on, and unexports those. A step is far more work than
 * the call.
 */
export function bindGcProfile(module: binaryen.Module): void {
  for (const [hook, exportName] of GC_PROFILE_LINKS) {
    const importName = findImport(module, "rtrace", hook);
    const exportRef = module.getExport(exportName);
    if (importName === null) continue;
    if (!exportRef) throw new BuildError(`internal: the collector's ${hook} hook has no ${exportName} to link to`);
    const target = binaryen.getExportInfo(exportRef).value;
    module.removeFunction(importName);
    module.addFunction(importName, binaryen.i32, binaryen.none, [], module.call(target, [module.local.get(0, binaryen.i32)], binaryen.none));
    module.removeExport(exportName);
  }
}

/**
 * Links the runner's `weft.init` import to the program's top-level code, which asc
 * exported under `exportName` (`--exportStart`), and unexports it: a WASI command exports
 * `_start` only, and the runner calls the top-level code itself, guarded.
 */
export function linkInit(module: binaryen.Module, exportName: string): void {
  const initImport = findImport(module, "weft", "init");
  if (initImport === null) throw new BuildError("internal: the WASI runner is missing from the compiled module");
  const exportRef = module.getExport(exportName);
  const body = exportRef
    ? module.call(binaryen.getExportInfo(exportRef).value, [], binaryen.none)
    : module.nop(); // no top-level code at all
  module.removeFunction(initImport);
  module.addFunction(initImport, binaryen.none, binaryen.none, [], body);
  if (exportRef) module.removeExport(exportName);
}

/** The tag of the WASI runner's abort exception. */
const ABORT_TAG = "weft.abort";

/** The WASI runner's abort handler for builds without exception handling. */
const FATAL_ABORT_EXPORT = "__weft_fatal_abort";

/**
 * Binds the WASI runner's exception imports (assembly/wasi/abort.ts). With `legacy`:
 *   throw_abort()  → throw $weft.abort
 *   try_call(fn)   → try (result i32) (call_indirect fn) (i32.const 1)
 *                    catch $weft.abort (i32.const 0) end
 * With `none` there is no exception: throw_abort calls the runner's fatal handler (which
 * reports the failure and exits with status 3), try_call calls and returns 1. In both,
 * fatal_abort (an abort with no guarded call around it) calls the fatal handler. The
 * handler's export is removed either way. Returns whether the module now uses exception
 * handling. Runs after asyncify, which cannot instrument try/catch; the functions stay
 * uninstrumented since nothing they call can suspend.
 */
export function bindExceptions(module: binaryen.Module, mode: "legacy" | "none"): boolean {
  const throwImport = findImport(module, "weft", "throw_abort");
  const tryImport = findImport(module, "weft", "try_call");
  const fatalImport = findImport(module, "weft", "fatal_abort");
  const fatalRef = module.getExport(FATAL_ABORT_EXPORT);
  if (throwImport === null || tryImport === null || fatalImport === null || !fatalRef) {
    throw new BuildError("internal: the WASI runner's abort handling is missing from the compiled module");
  }
  const fatal = binaryen.getExportInfo(fatalRef).value;
  module.removeExport(FATAL_ABORT_EXPORT);
  const legacy = mode === "legacy";
  if (legacy) module.addTag(ABORT_TAG, binaryen.none, binaryen.none);
  module.removeFunction(throwImport);
  module.addFunction(throwImport, binaryen.none, binaryen.none, [], legacy ? module.throw(ABORT_TAG, []) : module.call(fatal, [], binaryen.none));
  module.removeFunction(fatalImport);
  module.addFunction(fatalImport, binaryen.none, binaryen.none, [], module.call(fatal, [], binaryen.none));
  if (module.getNumTables() === 0) throw new BuildError("internal: the WASI runner's guarded call needs a function table");
  const table = binaryen.getTableInfo(module.getTableByIndex(0)).name;
  const call = module.call_indirect(table, module.local.get(0, binaryen.i32), [], binaryen.none, binaryen.none);
  const called = module.block(null, [call, module.i32.const(1)], binaryen.i32);
  const body = legacy ? module.try("weft.guard", called, [ABORT_TAG], [module.i32.const(0)]) : called;
  module.removeFunction(tryImport);
  module.addFunction(tryImport, binaryen.i32, binaryen.i32, [], body);
  // asc exported the table only so that it kept the entries reached through try_call
  if (module.getExport("table")) module.removeExport("table");
  return legacy;
}

/**
 * Asyncify knows only four intrinsics (start/stop unwind/rewind) and rejects a call to
 * `asyncify.get_state`, yet the primitives and the trampoline must read the state. Before
 * the pass, the import is renamed out of the `asyncify` module (and, since imports are
 * ignored, treated as one that cannot suspend); after it, the import becomes a function
 * that reads the pass's `__asyncify_state` global, which the optimizer then inlines.
 * Returns the function's internal name, or null if the program never reads the state.
 */
export function hideStateIntrinsic(module: binaryen.Module): string | null {
  const name = findImport(module, "asyncify", "get_state");
  if (name === null) return null;
  module.removeFunction(name);
  module.addFunctionImport(name, "weft", "asyncify_state", binaryen.none, binaryen.i32);
  return name;
}

/** Second half of `hideStateIntrinsic`, after the asyncify pass. */
export function bindStateIntrinsic(module: binaryen.Module, name: string | null): void {
  if (name === null) return;
  module.removeFunction(name);
  module.addFunction(name, binaryen.none, binaryen.i32, [], module.global.get(ASYNCIFY_STATE, binaryen.i32));
}

/**
 * The pass exports its control functions for JS-driven use; weft drives asyncify from
 * inside the module only, and a host calling them would corrupt a switch. Unexported,
 * they are inlined or removed by the optimizer.
 */
export function removeAsyncifyExports(module: binaryen.Module): void {
  for (const name of ["asyncify_start_unwind", "asyncify_stop_unwind", "asyncify_start_rewind", "asyncify_stop_rewind", "asyncify_get_state"]) {
    if (module.getExport(name)) module.removeExport(name);
  }
}

/**
 * Asyncify's four control functions each end with a bound check of the data header
 * (`current` must not be past `end`, else `unreachable`), made for hosts that drive
 * asyncify from outside. In weft the four run on every switch and the checks can never
 * fire, so this step rebuilds them without:
 *   - start_unwind: the primitive has just reset the scratch header (current at the frame
 *     area, end at its limit);
 *   - stop_unwind: the trampoline first compares the bytes the unwind wrote with the
 *     scratch size and fails the fiber instead (stack.ts, the guard zone);
 *   - start_rewind: a saved block is filled with current == end, and its canary is
 *     checked before the rewind starts;
 *   - stop_rewind: a rewind only moves `current` down from `end`.
 */
export function simplifyAsyncifyControl(module: binaryen.Module): void {
  const controls: [string, number, boolean][] = [
    ["asyncify_start_unwind", 1, true],
    ["asyncify_stop_unwind", 0, false],
    ["asyncify_start_rewind", 2, true],
    ["asyncify_stop_rewind", 0, false],
  ];
  for (const [name, state, setsData] of controls) {
    if (!module.getFunction(name)) continue;
    module.removeFunction(name);
    const setState = module.global.set(ASYNCIFY_STATE, module.i32.const(state));
    if (setsData) {
      const body = module.block(null, [setState, module.global.set(ASYNCIFY_DATA, module.local.get(0, binaryen.i32))]);
      module.addFunction(name, binaryen.i32, binaryen.none, [], body);
    } else {
      module.addFunction(name, binaryen.none, binaryen.none, [], setState);
    }
  }
}

/** Internal name of the imported function `moduleName.base`, or null. */
function findImport(module: binaryen.Module, moduleName: string, base: string): string | null {
  for (let i = 0, n = module.getNumFunctions(); i < n; i++) {
    const info = binaryen.getFunctionInfo(module.getFunctionByIndex(i));
    if (info.module === moduleName && info.base === base) return info.name;
  }
  return null;
}

/** What `analyze` found. */
export interface ModuleReport {
  instrumented: string[];
  uninstrumented: string[];
  largestFrame: number;
}

interface FunctionText {
  name: string;
  header: string;
  body: string;
}

const LOCAL_BYTES: Record<string, number> = { i32: 4, i64: 8, f32: 4, f64: 8, v128: 16 };

/** Splits the module's text into functions. */
function functionsOf(module: binaryen.Module): FunctionText[] {
  const text = module.emitText();
  const out: FunctionText[] = [];
  const re = /^ \(func \$("(?:[^"\\]|\\.)*"|\S+)(.*)$/gm;
  const starts: { name: string; index: number }[] = [];
  for (let m; (m = re.exec(text)); ) {
    const raw = m[1];
    starts.push({ name: raw.startsWith('"') ? JSON.parse(raw) : raw, index: m.index });
  }
  for (let i = 0; i < starts.length; i++) {
    const chunk = text.slice(starts[i].index, i + 1 < starts.length ? starts[i + 1].index : text.length);
    const firstBody = chunk.search(/\n {2}\((?!local )/);
    out.push({ name: starts[i].name, header: firstBody < 0 ? chunk : chunk.slice(0, firstBody), body: chunk });
  }
  return out;
}

function calls(body: string, target: string): boolean {
  return body.includes(`call $${target})`) || body.includes(`call $${target}\n`) || body.includes(`call $"${target}"`);
}

/** Upper bound of the bytes one unwind of `fn` saves: every local plus the call index. */
function frameBytes(header: string): number {
  let bytes = 4;
  for (const m of header.matchAll(/\((?:param|local) \$\S+ (i32|i64|f32|f64|v128)\)/g)) bytes += LOCAL_BYTES[m[1]];
  for (const m of header.matchAll(/\((?:param|local) ((?:(?:i32|i64|f32|f64|v128) ?)+)\)/g)) {
    for (const t of m[1].trim().split(" ")) bytes += LOCAL_BYTES[t];
  }
  return bytes;
}

/** A function's name without its file: `chanSend<~lib/string/String>`, `yieldNow`. */
function shortName(name: string): string {
  const args = name.indexOf("<");
  const head = args < 0 ? name : name.slice(0, args);
  return head.slice(head.lastIndexOf("/") + 1) + (args < 0 ? "" : name.slice(args));
}

/**
 * A test for function names against `patterns`, in which `*` matches any text: a generic
 * primitive appears once per instantiation (`chanSend<i32>`, `chanSend<~lib/string/String>`).
 */
export function nameMatcher(patterns: string[]): (name: string) => boolean {
  const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const res = patterns.map((p) => new RegExp(`^${p.split("*").map(escape).join(".*")}$`));
  return (name) => res.some((re) => re.test(name));
}

/**
 * Inlines the suspend primitives into their callers, after the asyncify pass: one call
 * fewer per suspend and per resume, and the caller's code around the call site is the
 * instrumentation asyncify already wrote, which this leaves as it is (thread ring 43.1 →
 * 37.1 ns per hop, ping-pong 43.0 → 37.8 ns, measured side by side; modules grow by 0 to
 * 14% depending on how many call sites they have).
 *
 * Sound because the instrumentation is done: the inlined body starts the unwind and
 * falls through to the call site's "unwinding? save and return" check, exactly as the
 * call returned there; on a rewind the caller reaches the call site as before, the body
 * sees REWINDING and stops the rewind. The body's own locals never need saving (a
 * primitive keeps nothing across its suspension), and its arguments are recomputed from
 * the caller's restored locals at the call site, as they were for the call.
 *
 * Binaryen's inliner takes no list of functions, so every other function is marked
 * no-inline first, one pass run per function (about 0.3 s of the HTTP example's 5 s
 * build). The marks last only for this module object; this runs after the usual
 * optimization, whose inlining they would otherwise prevent.
 */
export function inlinePrimitives(module: binaryen.Module, primitives: string[]): void {
  const isPrimitive = nameMatcher(primitives);
  for (let i = 0, n = module.getNumFunctions(); i < n; i++) {
    const name = binaryen.getFunctionInfo(module.getFunctionByIndex(i)).name;
    if (isPrimitive(name)) continue;
    // the pass takes one wildcard pattern per run; `*` and `?` in a name must not act as one
    binaryen.setPassArgument("no-inline", name.replace(/[*?]/g, "?"));
    module.runPasses(["no-inline"]);
  }
  binaryen.clearPassArguments();
  const always = binaryen.getAlwaysInlineMaxSize();
  binaryen.setAlwaysInlineMaxSize(0xffffffff);
  try {
    module.runPasses(["inlining-optimizing"]);
  } finally {
    binaryen.setAlwaysInlineMaxSize(always);
  }
}

/** Reports instrumentation and enforces the switch's rules; throws BuildError on a violation. */
export function analyze(module: binaryen.Module, primitives: string[], trampolines: string[], mustStayPlain: string[] = []): ModuleReport {
  const fns = functionsOf(module);
  const isAsyncifyRuntime = (name: string) => name.startsWith("asyncify_");
  const isPrimitive = nameMatcher(primitives);
  primitives = fns.map((f) => f.name).filter(isPrimitive);
  const instrumented = new Set<string>();
  let largestFrame = 0;
  for (const fn of fns) {
    if (isAsyncifyRuntime(fn.name) || primitives.includes(fn.name) || trampolines.includes(fn.name)) continue;
    if (fn.body.includes(`$${ASYNCIFY_DATA}`)) {
      instrumented.add(fn.name);
      largestFrame = Math.max(largestFrame, frameBytes(fn.header));
    }
  }
  const problems: string[] = [];
  for (const fn of fns) {
    if (isAsyncifyRuntime(fn.name)) continue;
    if (calls(fn.body, START_UNWIND) && !primitives.includes(fn.name)) {
      problems.push(
        `${fn.name} starts an unwind itself: a suspend primitive was inlined into it, so it would not be saved on a switch`,
      );
    }
    for (const primitive of primitives) {
      if (calls(fn.body, primitive) && !instrumented.has(fn.name) && !primitives.includes(fn.name)) {
        problems.push(`${fn.name} calls ${shortName(primitive)} but was not instrumented by asyncify`);
      }
    }
  }
  for (const name of mustStayPlain) {
    if (instrumented.has(name)) {
      problems.push(`${name} was instrumented: the runtime's switch and exit paths must not reach a suspend primitive or an indirect call`);
    }
  }
  if (problems.length) {
    throw new BuildError(`the module breaks weft's switching rules:\n  ${problems.join("\n  ")}`);
  }
  const uninstrumented = fns
    .map((f) => f.name)
    .filter((n) => !instrumented.has(n) && !isAsyncifyRuntime(n) && !/^(~|export:|fimport\$)/.test(n))
    .sort();
  return { instrumented: [...instrumented].sort(), uninstrumented, largestFrame };
}
