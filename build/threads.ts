// threads.ts: the threads build (BuildOptions.threads): one program, N instances of it,
// one shared `WebAssembly.Memory`.
//
// Model. A threads program is one module instantiated once per thread (the calling thread
// and N-1 workers), every instance importing the same shared memory. Whatever lives in
// linear memory is therefore shared; whatever lives in a wasm global is per instance, that
// is per thread. AssemblyScript keeps module variables and its runtime's state in globals,
// so the build moves state across that line explicitly:
//   - every mutable global becomes a word of shared memory in the reserved low region
//     [GLOBALS_START, LOW_RESERVED) (asc `--memoryBase` keeps static data above it), except
//     the per-thread set, the table PER_THREAD_GLOBALS below. Module variables are then
//     one variable for all threads, as in Go, and so are the collector's and the
//     allocator's roots;
//   - every active data segment becomes passive, and the exported `_start` becomes a
//     routine that initialises memory once: a compare-and-swap on the control word at
//     INIT_WORD (0 → 1); the winner copies the segments (`memory.init`), runs
//     AssemblyScript's top-level code, stores 2 and wakes the others, who wait for 2.
//     Without it a second instance re-applies its segments (static data reset), and its
//     top-level code re-initialises the heap (THREADS.md);
//   - AssemblyScript's stack check (`sp < __data_end`, inlined into every prologue) reads
//     the per-thread global `tStackLimit` instead of `__data_end`: each thread has its own
//     shadow-stack region (assembly/threads.ts sets it up).
//
// Invariants:
//   - a per-thread global never holds an object reference (a collector sees only its own
//     instance's globals): the table lists raw addresses, counters and flags only;
//   - a global named like a per-thread one (`~lib/weft/state/t*`, `~lib/weft/stack/t*`,
//     `~lib/weft/rt/*/t*`) but missing from the table fails the build, so that a new
//     per-thread field cannot silently become shared;
//   - the moved globals' initial values are stored by the top-level code (once, by the
//     winner), before anything reads them.
//
// Rejected: rewriting the module's text with regular expressions (fragile, THREADS.md);
// one instance per thread with its own memory and message passing (no shared heap, no
// fibers moving between threads); keeping globals per instance and copying them at
// switches (every thread would see its own module variables: not Go's semantics).
//
// Cost of a threads build (docs/API.md): module variables are loads and stores instead of
// globals, the allocator takes a lock on its slow paths, the memory is imported and its
// maximum fixed (MAX_MEMORY_PAGES).

import binaryen from "binaryen";
import { BuildError } from "./build.js";

/** Pages of the shared memory's maximum: 1 GiB. A shared memory reserves its maximum up front. */
export const MAX_MEMORY_PAGES = 16384;
/** Bytes below static data reserved for the control word and the moved globals (`--memoryBase`). */
export const LOW_RESERVED = 16384;
/** The control word of the once-only memory initialisation: 0 untouched, 1 running, 2 done. */
export const INIT_WORD = 0;
/** First byte of the moved globals. */
export const GLOBALS_START = 16;
/** The custom section that marks a threads module (host/threads.ts reads it). */
export const THREADS_SECTION = "weft.threads";

/**
 * Globals that stay per instance, that is per thread. Everything else that is mutable
 * becomes shared. Asyncify's own globals (`__asyncify_state`, `__asyncify_data`) are
 * created after this step by the pass and so stay globals: they are per thread too.
 */
export const PER_THREAD_GLOBALS = [
  // AssemblyScript's shadow-stack pointer: each thread has its own stack region
  "~lib/memory/__stack_pointer",
  // the thread's stack region and scratch area (assembly/stack.ts)
  "~lib/weft/stack/tStackLimit",
  "~lib/weft/stack/tStackTop",
  "~lib/weft/stack/tScratch",
  // the T record and its hottest fields (assembly/state.ts)
  "~lib/weft/state/tBase",
  "~lib/weft/state/tIndex",
  "~lib/weft/state/tCurrent",
  "~lib/weft/state/tFiberBase",
  "~lib/weft/state/tPublish",
  "~lib/weft/state/tSwitches",
  "~lib/weft/state/tWorkLeft",
  // the thread's heap cache (assembly/rt/heap.ts)
  "~lib/weft/rt/heap/tHeap",
];
/**
 * Functions of the threads heap that the optimizer must keep out of line: the futex wait
 * (assembly/rt/lock.ts `futexWait`). On Node 20.20, V8's baseline code can read 0 from a
 * wasm local that was live across a blocking `memory.atomic.wait32` (docs/THREADS.md), so
 * every wait is the only thing its function does and the callers' values cross a call.
 */
export const THREADS_OUT_OF_LINE = ["~lib/weft/rt/lock/futexWait"];
/** Globals the pass creates, per thread like the table above (checked after the pass). */
export const ASYNCIFY_GLOBALS = ["__asyncify_state", "__asyncify_data"];

/** Names that look per-thread: they must be in the table. */
const LOOKS_PER_THREAD = /^~lib\/weft\/(state|stack|rt\/[a-z]+)\/t[A-Z]/;
const DATA_END = "~lib/memory/__data_end";
const STACK_LIMIT = "~lib/weft/stack/tStackLimit";

/** asc options of a threads build. */
export function threadsAscArgs(): string[] {
  return [
    "--enable", "threads",
    "--sharedMemory",
    "--importMemory",
    "--maximumMemory", String(MAX_MEMORY_PAGES),
    "--memoryBase", String(LOW_RESERVED),
    // the host creates the memory, zeroed: zero-filled static data need not be in the binary
    "--zeroFilledMemory",
  ];
}

type Api = typeof binaryen;
/** binaryen.js's per-kind setter classes (`Block.setChildAt`, ...), which its typings omit. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const setters = (api: Api): Record<string, any> => api as unknown as Record<string, any>;

/**
 * Runs on the module asc compiled, before asc optimizes it (global names and the stack
 * check's `__data_end` reads are still there): moves the shared globals into memory and
 * points the stack check at the thread's own limit. Returns the moved globals.
 */
export function moveGlobalsToMemory(module: binaryen.Module, api: Api, startExport: string): string[] {
  const perThread = new Set(PER_THREAD_GLOBALS);
  const moved = new Map<string, { addr: number; type: number; init: binaryen.ExpressionRef }>();
  let next = GLOBALS_START;
  for (let i = 0; i < module.getNumGlobals(); i++) {
    const info = api.getGlobalInfo(module.getGlobalByIndex(i));
    if (!info.mutable || info.module) continue;
    if (perThread.has(info.name)) continue;
    if (LOOKS_PER_THREAD.test(info.name)) {
      throw new BuildError(`internal: ${info.name} looks per-thread but is not in build/threads.ts PER_THREAD_GLOBALS`);
    }
    const size = info.type === api.i64 || info.type === api.f64 ? 8 : info.type === api.i32 || info.type === api.f32 ? 4 : 0;
    if (!size) throw new BuildError(`the threads build cannot share the global ${info.name} (its type is not a number)`);
    next = (next + size - 1) & -size;
    moved.set(info.name, { addr: next, type: info.type, init: info.init });
    next += size;
  }
  if (next > LOW_RESERVED) {
    throw new BuildError(`the program has ${next - GLOBALS_START} bytes of module variables; a threads build holds at most ${LOW_RESERVED - GLOBALS_START}`);
  }
  if (!module.getGlobal(STACK_LIMIT)) throw new BuildError(`internal: ${STACK_LIMIT} is missing from the threads build`);

  const load = (addr: number, type: number): binaryen.ExpressionRef => {
    const ptr = module.i32.const(0);
    if (type === api.i64) return module.i64.load(addr, 8, ptr);
    if (type === api.f64) return module.f64.load(addr, 8, ptr);
    if (type === api.f32) return module.f32.load(addr, 4, ptr);
    return module.i32.load(addr, 4, ptr);
  };
  const store = (addr: number, type: number, value: binaryen.ExpressionRef): binaryen.ExpressionRef => {
    const ptr = module.i32.const(0);
    if (type === api.i64) return module.i64.store(addr, 8, ptr, value);
    if (type === api.f64) return module.f64.store(addr, 8, ptr, value);
    if (type === api.f32) return module.f32.store(addr, 4, ptr, value);
    return module.i32.store(addr, 4, ptr, value);
  };
  const replace = (expr: binaryen.ExpressionRef): binaryen.ExpressionRef => {
    const id = api.getExpressionId(expr);
    if (id === api.GlobalGetId) {
      const name = (api.getExpressionInfo(expr) as binaryen.GlobalGetInfo).name;
      if (name === DATA_END) return module.global.get(STACK_LIMIT, api.i32);
      const g = moved.get(name);
      return g ? load(g.addr, g.type) : expr;
    }
    if (id === api.GlobalSetId) {
      const info = api.getExpressionInfo(expr) as binaryen.GlobalSetInfo;
      const g = moved.get(info.name);
      return g ? store(g.addr, g.type, info.value) : expr;
    }
    return expr;
  };
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const fn = module.getFunctionByIndex(i);
    const info = api.getFunctionInfo(fn);
    if (info.module || !info.body) continue;
    setters(api).Function.setBody(fn, rewrite(api, info.body, replace));
  }
  // the initial values, stored once by the winner's top-level code before it runs
  const startRef = module.getExport(startExport);
  if (!startRef) throw new BuildError(`internal: the threads build found no ${startExport} export`);
  const start = module.getFunction(api.getExportInfo(startRef).value);
  const startInfo = api.getFunctionInfo(start);
  const inits = [...moved.values()].map((g) => store(g.addr, g.type, module.copyExpression(g.init)));
  setters(api).Function.setBody(start, module.block(null, [...inits, startInfo.body], api.none));
  for (const name of moved.keys()) module.removeGlobal(name);
  return [...moved.keys()];
}

/**
 * Rewrites `expr` bottom-up: every child is rewritten first and set back through the
 * expression's own setter; then `f` may replace the expression itself.
 */
function rewrite(api: Api, expr: binaryen.ExpressionRef, f: (e: binaryen.ExpressionRef) => binaryen.ExpressionRef): binaryen.ExpressionRef {
  const id = api.getExpressionId(expr);
  if (id === api.LocalGetId || id === api.GlobalGetId || id === api.ConstId || id === api.NopId || id === api.UnreachableId || id === api.MemorySizeId || id === api.DataDropId || id === api.AtomicFenceId) {
    return f(expr);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const info = api.getExpressionInfo(expr) as any;
  const r = (child: number | undefined | null, set: (c: number) => void) => {
    if (!child) return;
    const out = rewrite(api, child, f);
    if (out !== child) set(out);
  };
  switch (id) {
    case api.BlockId:
      (info.children as number[]).forEach((c, i) => r(c, (n) => setters(api).Block.setChildAt(expr, i, n)));
      break;
    case api.IfId:
      r(info.condition, (n) => setters(api).If.setCondition(expr, n));
      r(info.ifTrue, (n) => setters(api).If.setIfTrue(expr, n));
      r(info.ifFalse, (n) => setters(api).If.setIfFalse(expr, n));
      break;
    case api.LoopId:
      r(info.body, (n) => setters(api).Loop.setBody(expr, n));
      break;
    case api.BreakId:
      r(info.condition, (n) => setters(api).Break.setCondition(expr, n));
      r(info.value, (n) => setters(api).Break.setValue(expr, n));
      break;
    case api.SwitchId:
      r(info.condition, (n) => setters(api).Switch.setCondition(expr, n));
      r(info.value, (n) => setters(api).Switch.setValue(expr, n));
      break;
    case api.CallId:
      (info.operands as number[]).forEach((c, i) => r(c, (n) => setters(api).Call.setOperandAt(expr, i, n)));
      break;
    case api.CallIndirectId:
      (info.operands as number[]).forEach((c, i) => r(c, (n) => setters(api).CallIndirect.setOperandAt(expr, i, n)));
      r(info.target, (n) => setters(api).CallIndirect.setTarget(expr, n));
      break;
    case api.LocalSetId:
      r(info.value, (n) => setters(api).LocalSet.setValue(expr, n));
      break;
    case api.GlobalSetId:
      r(info.value, (n) => setters(api).GlobalSet.setValue(expr, n));
      break;
    case api.UnaryId:
      r(info.value, (n) => setters(api).Unary.setValue(expr, n));
      break;
    case api.DropId:
      r(info.value, (n) => setters(api).Drop.setValue(expr, n));
      break;
    case api.ReturnId:
      r(info.value, (n) => setters(api).Return.setValue(expr, n));
      break;
    case api.LoadId:
      r(info.ptr, (n) => setters(api).Load.setPtr(expr, n));
      break;
    case api.StoreId:
      r(info.ptr, (n) => setters(api).Store.setPtr(expr, n));
      r(info.value, (n) => setters(api).Store.setValue(expr, n));
      break;
    case api.BinaryId:
      r(info.left, (n) => setters(api).Binary.setLeft(expr, n));
      r(info.right, (n) => setters(api).Binary.setRight(expr, n));
      break;
    case api.SelectId:
      r(info.ifTrue, (n) => setters(api).Select.setIfTrue(expr, n));
      r(info.ifFalse, (n) => setters(api).Select.setIfFalse(expr, n));
      r(info.condition, (n) => setters(api).Select.setCondition(expr, n));
      break;
    case api.MemoryGrowId:
      r(info.delta, (n) => setters(api).MemoryGrow.setDelta(expr, n));
      break;
    case api.MemoryCopyId:
      r(info.dest, (n) => setters(api).MemoryCopy.setDest(expr, n));
      r(info.source, (n) => setters(api).MemoryCopy.setSource(expr, n));
      r(info.size, (n) => setters(api).MemoryCopy.setSize(expr, n));
      break;
    case api.MemoryFillId:
      r(info.dest, (n) => setters(api).MemoryFill.setDest(expr, n));
      r(info.value, (n) => setters(api).MemoryFill.setValue(expr, n));
      r(info.size, (n) => setters(api).MemoryFill.setSize(expr, n));
      break;
    case api.MemoryInitId:
      r(info.dest, (n) => setters(api).MemoryInit.setDest(expr, n));
      r(info.offset, (n) => setters(api).MemoryInit.setOffset(expr, n));
      r(info.size, (n) => setters(api).MemoryInit.setSize(expr, n));
      break;
    case api.AtomicRMWId:
      r(info.ptr, (n) => setters(api).AtomicRMW.setPtr(expr, n));
      r(info.value, (n) => setters(api).AtomicRMW.setValue(expr, n));
      break;
    case api.AtomicCmpxchgId:
      r(info.ptr, (n) => setters(api).AtomicCmpxchg.setPtr(expr, n));
      r(info.expected, (n) => setters(api).AtomicCmpxchg.setExpected(expr, n));
      r(info.replacement, (n) => setters(api).AtomicCmpxchg.setReplacement(expr, n));
      break;
    case api.AtomicWaitId:
      r(info.ptr, (n) => setters(api).AtomicWait.setPtr(expr, n));
      r(info.expected, (n) => setters(api).AtomicWait.setExpected(expr, n));
      r(info.timeout, (n) => setters(api).AtomicWait.setTimeout(expr, n));
      break;
    case api.AtomicNotifyId:
      r(info.ptr, (n) => setters(api).AtomicNotify.setPtr(expr, n));
      r(info.notifyCount, (n) => setters(api).AtomicNotify.setNotifyCount(expr, n));
      break;
    case api.LocalGetId:
    case api.GlobalGetId:
    case api.ConstId:
    case api.NopId:
    case api.UnreachableId:
    case api.MemorySizeId:
    case api.DataDropId:
    case api.AtomicFenceId:
      break;
    default:
      throw new BuildError(`internal: the threads build met an expression it cannot walk (id ${id})`);
  }
  return f(expr);
}

/** After the asyncify pass: its globals exist and are per instance (the table above). */
export function checkAsyncifyGlobals(module: binaryen.Module): void {
  for (const name of ASYNCIFY_GLOBALS) {
    if (!module.getGlobal(name)) throw new BuildError(`internal: the threads build expected asyncify's ${name} global`);
  }
}

/**
 * The last IR step of a threads build: the exported `startExport` becomes the once-only
 * initialisation described at the top of this file, and the THREADS_SECTION custom section
 * records the memory's initial and maximum pages. `memory.init` is valid on active
 * segments too; `passivateData` then makes them passive in the emitted binary (binaryen.js
 * cannot: its `setMemory` on a module with code leaves it invalid).
 */
export function initMemoryOnce(module: binaryen.Module, startExport: string): void {
  const memory = module.getMemoryInfo();
  if (!memory.shared || memory.module !== "env") throw new BuildError("internal: a threads build must import a shared env.memory");
  // the data segment accessors binaryen.js has but its typings omit
  const m = module as unknown as { getNumDataSegments(): number; getDataSegmentInfo(ref: number): { name: string; offset: number | null; data: ArrayBuffer; passive: boolean } };
  const segments: { name: string; offset: number; size: number }[] = [];
  for (let i = 0; i < m.getNumDataSegments(); i++) {
    const info = m.getDataSegmentInfo(module.getDataSegmentByIndex(i));
    if (info.passive || info.offset === null) throw new BuildError("internal: the threads build expects only active data segments from asc");
    segments.push({ name: info.name, offset: info.offset, size: info.data.byteLength });
  }
  const startRef = module.getExport(startExport);
  if (!startRef) throw new BuildError(`internal: the threads build found no ${startExport} export`);
  const topLevel = binaryen.getExportInfo(startRef).value;
  const word = () => module.i32.const(INIT_WORD);
  const winner = module.block(null, [
    ...segments.map((s) => module.memory.init(s.name, module.i32.const(s.offset), module.i32.const(0), module.i32.const(s.size))),
    ...segments.map((s) => module.data.drop(s.name)),
    module.call(topLevel, [], binaryen.none),
    module.i32.atomic.store(0, word(), module.i32.const(2)),
    module.drop(module.memory.atomic.notify(word(), module.i32.const(-1))),
  ]);
  const waitDone = module.loop(
    "wait",
    module.if(
      module.i32.ne(module.i32.atomic.load(0, word()), module.i32.const(2)),
      module.block(null, [module.drop(module.memory.atomic.wait32(word(), module.i32.const(1), module.i64.const(-1n))), module.br("wait")]),
    ),
  );
  const name = "__weft_init_memory";
  module.addFunction(
    name,
    binaryen.none,
    binaryen.none,
    [],
    module.if(module.i32.eqz(module.i32.atomic.rmw.cmpxchg(0, word(), module.i32.const(0), module.i32.const(1))), winner, waitDone),
  );
  module.removeExport(startExport);
  module.addFunctionExport(name, startExport);
  const section = JSON.stringify({ version: 1, initial: memory.initial, maximum: memory.max ?? MAX_MEMORY_PAGES });
  module.addCustomSection(THREADS_SECTION, new TextEncoder().encode(section));
}

/**
 * Rewrites the emitted binary's data section so that every segment is passive (flag 1,
 * no offset expression); the segments keep their order, so `memory.init`'s indices hold.
 * Walks the section structure of the binary format; fails on anything unexpected.
 */
export function passivateData(binary: Uint8Array): Uint8Array<ArrayBuffer> {
  const readLeb = (at: number): [number, number] => {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = binary[at++];
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return [value >>> 0, at];
  };
  const leb = (value: number): number[] => {
    const out: number[] = [];
    do {
      let byte = value & 0x7f;
      value >>>= 7;
      if (value) byte |= 0x80;
      out.push(byte);
    } while (value);
    return out;
  };
  const parts: Uint8Array[] = [binary.subarray(0, 8)];
  let at = 8;
  let sawDataCount = false;
  while (at < binary.length) {
    const id = binary[at];
    const [size, bodyAt] = readLeb(at + 1);
    const end = bodyAt + size;
    if (id === 12) sawDataCount = true;
    if (id !== 11) {
      parts.push(binary.subarray(at, end));
      at = end;
      continue;
    }
    let p = bodyAt;
    const [count, afterCount] = readLeb(p);
    p = afterCount;
    const body: number[] = [...leb(count)];
    for (let i = 0; i < count; i++) {
      const flag = binary[p++];
      if (flag !== 0) throw new BuildError(`internal: data segment ${i} has flags ${flag}; the threads build expects active segments of memory 0`);
      // the offset expression: `i32.const N` then `end`
      if (binary[p] !== 0x41) throw new BuildError(`internal: data segment ${i} has an offset that is not a constant`);
      const [, afterConst] = readLeb(p + 1);
      if (binary[afterConst] !== 0x0b) throw new BuildError(`internal: data segment ${i} has an offset expression longer than a constant`);
      p = afterConst + 1;
      const [length, dataAt] = readLeb(p);
      body.push(1, ...leb(length));
      for (let k = 0; k < length; k++) body.push(binary[dataAt + k]);
      p = dataAt + length;
    }
    if (p !== end) throw new BuildError("internal: the data section did not parse to its end");
    parts.push(new Uint8Array([11, ...leb(body.length), ...body]));
    at = end;
  }
  if (!sawDataCount) throw new BuildError("internal: the threads build expects a data count section (memory.init needs it)");
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}

const STACK_POINTER = "~lib/memory/__stack_pointer";

/**
 * Runs on the module asc compiled, before asc optimizes it: makes every store into the
 * shadow stack whose value makes a call evaluate that value first, and read the stack
 * pointer after it.
 *
 * Why: the threads build resumes a fiber on whichever thread takes it, with its
 * shadow-stack slice copied under *that* thread's fiber base (sched/run.ts), so every
 * shadow-stack address changes when a fiber moves. Asyncify saves a function's locals at
 * a suspend and restores them on the rewind; an operand evaluated before a suspending
 * call (asyncify's flattening keeps it in a local) comes back holding an address in the
 * *old* thread's stack, and a store through it corrupts whatever that thread runs now.
 * AssemblyScript emits exactly that whenever a managed result of a call goes into a
 * shadow-stack slot (`i32.store (global.get $__stack_pointer) (call ...)`: wasm evaluates
 * the address first), and asc's optimizer then caches such addresses in locals across
 * the call. Rewritten before the optimizer, the value is computed first; the optimizer
 * cannot move the stack pointer's read back above a call (the call may write it).
 * Which calls may suspend is not known yet (instrument.ts runs later), so every store
 * whose value makes any call is rewritten: the threads build only. build/stackrefs.ts
 * verifies the result before the asyncify pass. Returns how many stores it rewrote.
 */
export function hoistStackStores(module: binaryen.Module, api: Api): number {
  let hoisted = 0;
  for (let i = 0; i < module.getNumFunctions(); i++) {
    const fn = module.getFunctionByIndex(i);
    const info = api.getFunctionInfo(fn);
    if (info.module || !info.body) continue;
    const body = rewrite(api, info.body, (e) => {
      if (api.getExpressionId(e) !== api.StoreId) return e;
      const store = api.getExpressionInfo(e) as binaryen.StoreInfo;
      if (!some(api, store.ptr, (x) => isStackPointer(api, x)) || !mayCall(api, store.value, () => true) || mayCall(api, store.ptr, () => true)) return e;
      const type = api.getExpressionType(store.value);
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const local = (api as any)._BinaryenFunctionAddVar(fn, type) as number;
      setters(api).Store.setValue(e, module.local.get(local, type));
      hoisted++;
      return module.block(null, [module.local.set(local, store.value), e], api.none);
    });
    if (body !== info.body) setters(api).Function.setBody(fn, body);
  }
  return hoisted;
}

function isStackPointer(api: Api, e: binaryen.ExpressionRef): boolean {
  return api.getExpressionId(e) === api.GlobalGetId && (api.getExpressionInfo(e) as binaryen.GlobalGetInfo).name === STACK_POINTER;
}

/** Does `e` contain a call that may suspend (a call of a function `suspends` names, or any indirect call)? */
function mayCall(api: Api, e: binaryen.ExpressionRef, suspends: (name: string) => boolean): boolean {
  return some(api, e, (x) => {
    const id = api.getExpressionId(x);
    if (id === api.CallIndirectId) return true;
    return id === api.CallId && suspends((api.getExpressionInfo(x) as binaryen.CallInfo).target);
  });
}

/** Calls `f` on every expression of the tree at `e` (through the kinds `rewrite` walks). */
function visit(api: Api, e: binaryen.ExpressionRef, f: (x: binaryen.ExpressionRef) => void): void {
  rewrite(api, e, (x) => {
    f(x);
    return x;
  });
}

/** True if `f` holds for some expression of the tree at `e`. */
function some(api: Api, e: binaryen.ExpressionRef, f: (x: binaryen.ExpressionRef) => boolean): boolean {
  let found = false;
  visit(api, e, (x) => {
    if (!found && f(x)) found = true;
  });
  return found;
}
