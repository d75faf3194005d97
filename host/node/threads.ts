// threads.ts (Node): a threads-built module on N threads: the calling thread as thread 0
// and N-1 `worker_threads`, all instances on one shared memory (host/threads.ts has the
// model). Internal for now (no `weft run --threads` yet: step 3 of docs/THREADS.md): tests and the
// benchmark call exported functions of the program on each thread, concurrently
// (`call`, `callAll`), or run its `main` under the M:N scheduler on N workers (`run`).
//
// The worker's code is a self-contained script (WORKER_SOURCE, run with `eval`), not a
// module file: the same loader then works from the compiled package and from the
// TypeScript sources the tests run, and a worker needs little: instantiate, initialise,
// claim its thread, then run calls as they come, each between world enter and leave.
//
// A worker running the scheduler (`run`) loops on `__weft_run` in slices, each between
// world enter and leave: on Budget it calls again; on Parked it sleeps on its wake word
// (`Atomics.wait` while the word holds 1: a waker stores 2 and notifies); on Waiting (one
// thread with a timer) it sleeps until the deadline; after a trap it fails the running
// fiber (`__weft_reset`, `__weft_fail`: an abort's message and place, a trap's kind) and
// goes on; on MainEnded or Idle (the program is over for every thread) it stops. Thread 0
// only hosts (see `run`).
//
// Invariants: every worker has started (its `__weft_thread_start` returned) before
// `NodeThreads.start` resolves; a call's failure (a trap, an abort) rejects that call
// with the message; a fault outside any fiber ends `run` with exit status 3 and stops the
// other workers; `close` terminates the workers.

import { Worker } from "node:worker_threads";
import { LoadError } from "../runtime.js";
import { ThreadInstance, requireThreads, createSharedMemory, threadImports, missingThreadImports, type ThreadExports } from "../threads.js";
import { takeFailure, readString, type WeftExports } from "../abi.js";

/** What `NodeThreads.run` resolves with. */
export interface ThreadsRun {
  /** 0 main returned, 1 main failed, 2 deadlock, 3 fault outside any fiber (sched/end.ts). */
  exitCode: number;
  /** The lines the program printed, in the order they reached the calling thread. */
  stdout: string[];
  /** The text of every fiber failure, in the order they were taken. */
  failures: string[];
  /** The deadlock report, the report of fibers left alive, or the fault: headline, then the dump. */
  report: string[];
}

/** The threads build's scheduler exports (assembly/threads.ts). */
interface SchedulerExports {
  __weft_sched_threads(threads: number, scan: number): void;
  __weft_wake_word(index: number): number;
}

// RunStatus and exit statuses (assembly/layout.ts)
const RUN_MAIN_ENDED = 0;
const RUN_IDLE = 1;
const EXIT_DEADLOCK = 2;
const EXIT_FAULT = 3;
/** Lines of a report's fiber dump at most. */
const DUMP_LIMIT = 50;

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { module, memory, index } = workerData;
const text = (ptr) => {
  if (!ptr) return "";
  const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, bytes >>> 1));
};
const print = (s) => parentPort.postMessage({ print: s });
let lastAbort = null;
const imports = {
  env: {
    memory,
    abort: (m, f, l, c) => { lastAbort = [m, f, l, c]; throw new Error((text(m) || "abort") + (f ? " at " + text(f) + ":" + l + ":" + c : "")); },
    trace: (m, n, ...a) => print("trace: " + text(m) + (n ? " " + a.slice(0, n).join(", ") : "")),
    seed: () => Date.now() * Math.random(),
    "Date.now": () => Date.now(),
    "console.log": (p) => print(text(p)), "console.info": (p) => print(text(p)),
    "console.warn": (p) => print(text(p)), "console.error": (p) => print(text(p)), "console.debug": (p) => print(text(p)),
  },
  weft: { now: performance.now.bind(performance) },
};
// the scheduler loop (NodeThreads.run): run, park on the wake word, fail a fiber after a
// trap, until the program is over for every thread
const SLICE_MS = 10, BUDGET = 10000;
const runScheduler = (x) => {
  const words = new Int32Array(memory.buffer);
  const wake = x.__weft_wake_word(index) >>> 2;
  for (;;) {
    let status;
    x.__weft_world_enter();
    try {
      status = x.__weft_run(BUDGET, performance.now() + SLICE_MS);
    } catch (error) {
      const abort = lastAbort;
      lastAbort = null;
      const message = String(error && error.message || error);
      const kind = abort ? 0 : /unreachable/.test(message) ? 1 : /out of bounds/.test(message) ? 2 : /call stack/i.test(message) ? 3 : 7;
      x.__weft_reset();
      const failed = abort ? x.__weft_fail(0, abort[0], abort[1], abort[2], abort[3]) : x.__weft_fail(kind, 0, 0, 0, 0);
      if (!failed) return { fatal: (abort ? text(abort[0]) : message) || "abort" };
      continue;
    } finally {
      x.__weft_world_leave();
    }
    if (status === 2) continue; // budget or slice spent
    if (status === 4) Atomics.wait(words, wake, 1); // parked: until a waker stores 2 and notifies
    else if (status === 3) Atomics.wait(words, wake, 0, Math.max(0, Math.min(x.__weft_next_deadline() - performance.now(), 1000)));
    else return { status }; // 0: main ended, 1: every thread idle
  }
};
WebAssembly.instantiate(module, imports).then((instance) => {
  const x = instance.exports;
  x._start();
  const status = x.__weft_thread_start(index);
  parentPort.postMessage({ started: status });
  parentPort.on("message", ({ id, name, args }) => {
    if (name === "__run_scheduler") {
      parentPort.postMessage({ id, ran: runScheduler(x) });
      return;
    }
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

/** How a worker's scheduler loop ended: its last RunStatus (0 main ended, 1 every thread idle), or a fault outside any fiber. */
interface SchedulerEnd {
  status?: number;
  fatal?: string;
}

interface Pending {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  resolve: (value: any) => void;
  reject: (error: Error) => void;
}

/** A worker thread running one instance, and the calls waiting for its answers. */
class WorkerThread {
  private next = 0;
  private pending = new Map<number, Pending>();

  private constructor(
    readonly index: number,
    private worker: Worker,
    print: (text: string) => void,
  ) {
    worker.on("message", (message: { id?: number; result?: number; ran?: SchedulerEnd; error?: string; print?: string }) => {
      if (message.print !== undefined) {
        print(message.print);
        return;
      }
      const call = this.pending.get(message.id!);
      if (!call) return;
      this.pending.delete(message.id!);
      if (message.error !== undefined) call.reject(new Error(`thread ${index}: ${message.error}`));
      else if (message.ran !== undefined) call.resolve(message.ran);
      else call.resolve(message.result!);
    });
    worker.on("error", (error) => {
      for (const call of this.pending.values()) call.reject(error);
      this.pending.clear();
    });
  }

  static start(module: WebAssembly.Module, memory: WebAssembly.Memory, index: number, print: (text: string) => void): Promise<WorkerThread> {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, index } });
    return new Promise((resolve, reject) => {
      worker.once("error", reject);
      worker.once("message", (message: { started: number; error?: string }) => {
        worker.off("error", reject);
        if (message.started === 0) resolve(new WorkerThread(index, worker, print));
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

  /** Runs the scheduler loop on this worker until the program is over for every thread. */
  runScheduler(): Promise<SchedulerEnd> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, name: "__run_scheduler", args: [] });
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
    private print: (text: string) => void = console.log,
  ) {}

  /**
   * Instantiates `module` on `threads` threads. A module built without `--threads` is
   * refused for more than one thread, with the flag named.
   */
  static async start(module: WebAssembly.Module, threads: number, print: (text: string) => void = console.log): Promise<NodeThreads> {
    const layout = requireThreads(module, threads);
    const memory = createSharedMemory(layout);
    const missing = missingThreadImports(module, threadImports(memory, 0));
    if (missing.length) throw new LoadError(`this program cannot run on threads yet: it imports ${missing.join(", ")}`);
    const main = await ThreadInstance.create(module, memory, 0, print);
    main.start();
    const group = new NodeThreads(module, memory, main, [], print);
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
    this.workers.push(await WorkerThread.start(this.module, this.memory, index, this.print));
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

  /**
   * Runs the program's `main` on `threads` scheduler threads, all of them workers, and
   * resolves once the program is over for every thread, with what it printed and its
   * end (the end-of-run policy of assembly/sched/end.ts, as every host applies it).
   *
   * The calling thread (thread 0) only hosts: it starts `main`, then waits, and at the
   * end takes the failures and the reports. It runs no fibers so that it never blocks:
   * Node's main thread must keep its event loop (the workers' output arrives through it,
   * and a test's timeout too); a browser page's main thread cannot block at all. Each
   * worker runs the scheduler loop (`__weft_run`) in slices, sleeps on its wake word
   * (`Atomics.wait`) when the scheduler says Parked, fails a fiber after a trap, and stops
   * when the scheduler says the program is over. Timers and host calls do not run on
   * more than one thread yet (docs/THREADS.md).
   *
   * `timeoutMs`: if the program has not ended by then, the workers are stopped and the
   * promise rejects (for tests; a program is otherwise free to run forever).
   */
  static async run(module: WebAssembly.Module, threads: number, options: { timeoutMs?: number; print?: (text: string) => void } = {}): Promise<ThreadsRun> {
    if (!Number.isInteger(threads) || threads < 1 || threads > 63) throw new LoadError(`threads must be an integer from 1 to 63, got ${threads}`);
    const stdout: string[] = [];
    const print = options.print ?? ((text: string) => stdout.push(text));
    const group = await NodeThreads.start(module, threads + 1, print);
    const x = group.main.exports as unknown as WeftExports & ThreadExports & SchedulerExports;
    const inWorld = <T>(f: () => T): T => {
      x.__weft_world_enter();
      try {
        return f();
      } finally {
        x.__weft_world_leave();
      }
    };
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      inWorld(() => {
        x.__weft_sched_threads(threads, threads + 1);
        x.__weft_start();
      });
      // every worker's end, or the first fault outside a fiber: that ends the program, and
      // the other workers (perhaps parked for good) are stopped by `close`
      const ends = await new Promise<SchedulerEnd[]>((resolve, reject) => {
        const done: SchedulerEnd[] = [];
        let left = group.workers.length;
        group.workers.forEach((worker, i) =>
          worker.runScheduler().then((end) => {
            done[i] = end;
            if (end.fatal !== undefined) resolve([end]);
            else if (--left === 0) resolve(done);
          }, reject),
        );
        if (options.timeoutMs !== undefined) {
          timer = setTimeout(() => reject(new Error(`the program did not end within ${options.timeoutMs} ms on ${threads} threads`)), options.timeoutMs);
        }
      });
      return inWorld(() => {
        const failures: string[] = [];
        for (let record; (record = takeFailure(x)); ) failures.push(record.text);
        const fatal = ends.find((end) => end.fatal !== undefined);
        if (fatal) return { exitCode: EXIT_FAULT, stdout, failures, report: [`weft: fatal: fault outside any fiber: ${fatal.fatal}`] };
        const mainEnded = ends.every((end) => end.status === RUN_MAIN_ENDED);
        const deadlock = !mainEnded && x.__weft_is_deadlock(RUN_IDLE, 0, 0) === 1;
        const exitCode = x.__weft_exit_status(deadlock ? EXIT_DEADLOCK : 0);
        const dump = () => (readString(x.memory, x.__weft_dump(DUMP_LIMIT, -1)) ?? "").split("\n").filter((line) => line !== "");
        let report: string[] = [];
        if (deadlock) report = [readString(x.memory, x.__weft_deadlock_headline()) ?? "", ...dump()];
        else {
          const headline = readString(x.memory, x.__weft_leftover_headline(exitCode, 0));
          if (headline !== null) report = [headline, ...dump()];
        }
        return { exitCode, stdout, failures, report };
      });
    } finally {
      clearTimeout(timer);
      await group.close();
    }
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
