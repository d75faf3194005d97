// threads.ts (Node): a threads-built module on N threads: the calling thread as thread 0
// and N-1 `worker_threads`, all instances on one shared memory (host/threads.ts has the
// model). Internal for now: tests and the benchmark call exported functions of the
// program on each thread, concurrently; step 2 of docs/THREADS.md puts the scheduler on it.
//
// The worker's code is a self-contained script (WORKER_SOURCE, run with `eval`), not a
// module file: the same loader then works from the compiled package and from the
// TypeScript sources the tests run, and a worker needs little: instantiate, initialise,
// claim its thread, then run calls as they come, each between world enter and leave.
//
// Invariants: every worker has started (its `__weft_thread_start` returned) before
// `NodeThreads.start` resolves; a call's failure (a trap, an abort) rejects that call
// with the message; `close` terminates the workers.

import { Worker } from "node:worker_threads";
import { LoadError } from "../runtime.js";
import { ThreadInstance, requireThreads, createSharedMemory, threadImports, missingThreadImports } from "../threads.js";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { module, memory, index } = workerData;
const text = (ptr) => {
  if (!ptr) return "";
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
};
const print = (s) => parentPort.postMessage({ print: s });
const imports = {
  env: {
    memory,
    abort: (m, f, l, c) => { throw new Error((text(m) || "abort") + (f ? " at " + text(f) + ":" + l + ":" + c : "")); },
    trace: (m, n, ...a) => print("trace: " + text(m) + (n ? " " + a.slice(0, n).join(", ") : "")),
    seed: () => Date.now() * Math.random(),
    "Date.now": () => Date.now(),
    "console.log": (p) => print(text(p)), "console.info": (p) => print(text(p)),
    "console.warn": (p) => print(text(p)), "console.error": (p) => print(text(p)), "console.debug": (p) => print(text(p)),
  },
  weft: { now: performance.now.bind(performance) },
};
WebAssembly.instantiate(module, imports).then((instance) => {
  const x = instance.exports;
  x._start();
  const status = x.__weft_thread_start(index);
  parentPort.postMessage({ started: status });
  parentPort.on("message", ({ id, name, args }) => {
    x.__weft_world_enter();
    try {
      const result = x[name](...args);
      parentPort.postMessage({ id, result: Number(result ?? 0) });
    } catch (error) {
      parentPort.postMessage({ id, error: String(error && error.message || error) });
    } finally {
      x.__weft_world_leave();
    }
  });
}, (error) => parentPort.postMessage({ started: -1, error: String(error && error.message || error) }));
`;

interface Pending {
  resolve: (value: number) => void;
  reject: (error: Error) => void;
}

/** A worker thread running one instance, and the calls waiting for its answers. */
class WorkerThread {
  private next = 0;
  private pending = new Map<number, Pending>();

  private constructor(
    readonly index: number,
    private worker: Worker,
  ) {
    worker.on("message", (message: { id?: number; result?: number; error?: string; print?: string }) => {
      if (message.print !== undefined) {
        console.log(message.print);
        return;
      }
      const call = this.pending.get(message.id!);
      if (!call) return;
      this.pending.delete(message.id!);
      if (message.error !== undefined) call.reject(new Error(`thread ${index}: ${message.error}`));
      else call.resolve(message.result!);
    });
    worker.on("error", (error) => {
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    });
  }

  static start(module: WebAssembly.Module, memory: WebAssembly.Memory, index: number): Promise<WorkerThread> {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, index } });
    return new Promise((resolve, reject) => {
      worker.once("error", reject);
      worker.once("message", (message: { started: number; error?: string }) => {
        worker.off("error", reject);
        if (message.started === 0) resolve(new WorkerThread(index, worker));
        else {
          void worker.terminate();
          reject(new LoadError(`thread ${index} could not start${message.error ? `: ${message.error}` : ""}`));
        }
      });
    });
  }

  call(name: string, args: number[]): Promise<number> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, name, args });
    });
  }

  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

/** A threads module running on the calling thread (thread 0) and worker threads. */
export class NodeThreads {
  private constructor(
    private module: WebAssembly.Module,
    readonly memory: WebAssembly.Memory,
    readonly main: ThreadInstance,
    private workers: WorkerThread[],
  ) {}

  /**
   * Instantiates `module` on `threads` threads. A module built without `--threads` is
   * refused for more than one thread, with the flag named.
   */
  static async start(module: WebAssembly.Module, threads: number): Promise<NodeThreads> {
    const layout = requireThreads(module, threads);
    const memory = createSharedMemory(layout);
    const missing = missingThreadImports(module, threadImports(memory, 0));
    if (missing.length) throw new LoadError(`this program cannot run on threads yet: it imports ${missing.join(", ")}`);
    const main = await ThreadInstance.create(module, memory, 0);
    main.start();
    const group = new NodeThreads(module, memory, main, []);
    for (let i = 1; i < threads; i++) await group.addThread();
    return group;
  }

  /** Threads running, thread 0 included. */
  get size(): number {
    return this.workers.length + 1;
  }

  /** Starts one more worker thread: a new instance of the module on the same memory. */
  async addThread(): Promise<number> {
    const index = this.size;
    this.main.prepare(index);
    this.workers.push(await WorkerThread.start(this.module, this.memory, index));
    return index;
  }

  /** Calls an export on thread `thread` (0: synchronously, on this thread). */
  call(thread: number, name: string, ...args: number[]): Promise<number> {
    if (thread === 0) {
      try {
        return Promise.resolve(this.main.call(name, ...args));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    const worker = this.workers[thread - 1];
    if (!worker) throw new LoadError(`no thread ${thread}: ${this.size} thread(s) run`);
    return worker.call(name, args);
  }

  /**
   * Calls an export on every thread at once, with the arguments `args(i)` for thread i;
   * the workers start first, then thread 0 runs its call here while they run theirs.
   */
  async callAll(name: string, args: (thread: number) => number[]): Promise<number[]> {
    const others = this.workers.map((worker) => worker.call(name, args(worker.index)));
    let own: number;
    try {
      own = this.main.call(name, ...args(0));
    } catch (error) {
      // the workers' outcomes no longer matter, but none may go unhandled
      await Promise.allSettled(others);
      throw error;
    }
    const results = await Promise.allSettled(others);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    return [own, ...results.map((r) => (r as PromiseFulfilledResult<number>).value)];
  }

  /** Collections made so far by any thread. */
  collections(): number {
    return this.main.collections();
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers = [];
  }
}
