// threads.ts: one threads-built module (the threads build (BuildOptions.threads)) on N threads sharing one
// memory: the part of the loader every environment shares (standard web APIs only; Node's
// worker threads are host/node/threads.ts). Internal for now: the M:N scheduler (step 2
// of docs/THREADS.md) wires it to `weft run --threads N` and the `threads` option.
//
// Model: the host creates one `WebAssembly.Memory({ shared: true })` sized from the
// module's `weft.threads` custom section (initial and maximum pages, build/threads.ts),
// and instantiates the module once per thread, every instance importing that memory.
// Thread 0 is the calling thread. Each instance calls `_start` (the once-only memory
// initialisation: the first one copies the data segments and runs the top-level code,
// the others wait for it), then thread 0 prepares each other thread's region
// (`__weft_thread_prepare`) and each thread claims its own (`__weft_thread_start`).
// Every call into a thread's instance is bracketed by `__weft_world_enter`/`leave`: outside
// them the collector counts the thread as stopped (assembly/rt/itcms.ts).
//
// Invariants: a module without the section is refused for more than one thread, with the
// flag that builds it named; an `env.abort` from any thread throws a ThreadAbort carrying
// the message read from the shared memory.

import { readString } from "./abi.js";
import { LoadError } from "./runtime.js";

/** The custom section that marks a threads build (build/threads.ts THREADS_SECTION). */
export const THREADS_SECTION = "weft.threads";

/** What the section says: the shared memory's initial and maximum pages. */
export interface ThreadsLayout {
  initial: number;
  maximum: number;
}

/** The module's threads layout, or null for a module built without `--threads`. */
export function threadsLayout(module: WebAssembly.Module): ThreadsLayout | null {
  const sections = WebAssembly.Module.customSections(module, THREADS_SECTION);
  if (!sections.length) return null;
  const parsed = JSON.parse(new TextDecoder().decode(sections[0])) as { version: number; initial: number; maximum: number };
  if (parsed.version !== 1) throw new LoadError(`this module's threads layout is version ${parsed.version}; this host reads version 1`);
  return { initial: parsed.initial, maximum: parsed.maximum };
}

/** The layout of a module that is to run on `threads` threads; a clear error if it cannot. */
export function requireThreads(module: WebAssembly.Module, threads: number): ThreadsLayout {
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new LoadError(`threads must be an integer from 1 to 64, got ${threads}`);
  const layout = threadsLayout(module);
  if (!layout) {
    throw new LoadError(
      `this module was built without threads and cannot run on ${threads} threads: rebuild it with the threads build (BuildOptions.threads: true)`,
    );
  }
  return layout;
}

/**
 * The shared memory every instance of a threads module imports, created at its maximum
 * size: the pages are only address space until touched (the OS commits them on first
 * write), and nothing ever grows it. Growing a shared memory while other threads run is
 * not safe here: V8 tells the other threads' instances about a grow asynchronously, and a
 * thread that touched the new pages first trapped with "memory access out of bounds".
 */
export function createSharedMemory(layout: ThreadsLayout): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: layout.maximum, maximum: layout.maximum, shared: true });
}

/** An `abort()` (or a failed assertion) in a thread's instance. */
export class ThreadAbort extends Error {
  constructor(message: string, readonly thread: number) {
    super(message);
    this.name = "ThreadAbort";
  }
}

/** What a thread's instance exports beyond the program's own functions. */
export interface ThreadExports {
  memory: WebAssembly.Memory;
  _start(): void;
  __weft_thread_prepare(index: number): number;
  __weft_thread_start(index: number): number;
  __weft_world_enter(): void;
  __weft_world_leave(): void;
  __weft_gc_collections(): number;
  __weft_collect_world(): void;
  __weft_thread_index(): number;
  [name: string]: unknown;
}

/**
 * The imports of one thread's instance: the shared memory, `abort`, the clocks, the
 * console. A program that imports anything else (ports, fetch, weft/io, its own
 * `@external` functions) cannot run on threads yet: the instance fails to link with the
 * name of what is missing.
 */
export function threadImports(memory: WebAssembly.Memory, thread: number, print: (text: string) => void = console.log): WebAssembly.Imports {
  const text = (ptr: number) => readString(memory, ptr) ?? "";
  return {
    env: {
      memory,
      abort: (message: number, file: number, line: number, column: number) => {
        throw new ThreadAbort(`${text(message) || "abort"}${file ? ` at ${text(file)}:${line}:${column}` : ""}`, thread);
      },
      trace: (message: number, n: number, ...args: number[]) => print(`trace: ${text(message)}${n ? " " + args.slice(0, n).join(", ") : ""}`),
      seed: () => Date.now() * Math.random(),
      "Date.now": () => Date.now(),
      "console.log": (ptr: number) => print(text(ptr)),
      "console.info": (ptr: number) => print(text(ptr)),
      "console.warn": (ptr: number) => print(text(ptr)),
      "console.error": (ptr: number) => print(text(ptr)),
      "console.debug": (ptr: number) => print(text(ptr)),
    },
    weft: { now: performance.now.bind(performance) },
  };
}

/** Names of the module's imports that `threadImports` does not provide. */
export function missingThreadImports(module: WebAssembly.Module, imports: WebAssembly.Imports): string[] {
  return WebAssembly.Module.imports(module)
    .filter((i) => !(i.module in imports) || !(i.name in (imports as Record<string, Record<string, unknown>>)[i.module]))
    .map((i) => `${i.module}.${i.name}`);
}

/** One thread's instance of a threads module, on the thread that created it. */
export class ThreadInstance {
  private constructor(
    readonly index: number,
    readonly exports: ThreadExports,
  ) {}

  /**
   * Instantiates the module for thread `index` on the calling thread and runs the
   * once-only memory initialisation. Thread 0 starts at once; a thread i > 0 starts when
   * `start` is called, after thread 0 prepared its region (`prepare`).
   */
  static async create(module: WebAssembly.Module, memory: WebAssembly.Memory, index: number, print?: (text: string) => void): Promise<ThreadInstance> {
    const imports = threadImports(memory, index, print);
    const missing = missingThreadImports(module, imports);
    if (missing.length) throw new LoadError(`this program cannot run on threads yet: it imports ${missing.join(", ")}`);
    const instance = await WebAssembly.instantiate(module, imports);
    const thread = new ThreadInstance(index, instance.exports as unknown as ThreadExports);
    thread.exports._start();
    return thread;
  }

  /** Claims this thread's stacks and records (`__weft_thread_start`). */
  start(): void {
    if (this.exports.__weft_thread_start(this.index) !== 0) {
      throw new LoadError(`thread ${this.index} could not start (out of range, not prepared, or started twice)`);
    }
  }

  /** Thread 0 (or any started thread): allocates thread `index`'s region. */
  prepare(index: number): void {
    if (this.call("__weft_thread_prepare", index) !== 0) throw new LoadError(`thread ${index} could not be prepared (out of range or prepared twice)`);
  }

  /** Calls an export of the program on this thread, as a running thread of the heap. */
  call(name: string, ...args: number[]): number {
    const fn = this.exports[name];
    if (typeof fn !== "function") throw new LoadError(`the program exports no function named ${name}`);
    this.exports.__weft_world_enter();
    try {
      return Number((fn as (...a: number[]) => unknown)(...args) ?? 0);
    } finally {
      this.exports.__weft_world_leave();
    }
  }

  /** Collections made so far by any thread. */
  collections(): number {
    return this.exports.__weft_gc_collections();
  }
}
