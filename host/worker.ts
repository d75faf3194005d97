// worker.ts: a weft program in a dedicated Worker, driven from the page by postMessage.
//
// Fibers run in long slices of the scheduler; in a page that competes with rendering and
// input, so a page often wants its program in a Worker. The two ends of this bridge:
//
//   page                                       worker (module worker)
//   ────                                       ──────────────────────
//   WorkerProgram.start(worker, source, …) ──► serveProgram({ imports, sample })
//                         "start" {source, name, sliceMs, data}
//                                                loadProgram(source) → runAsync(sliceMs)
//   stdout / stderr / onFailure callbacks ◄──  "line", "failure"       (as they happen)
//   .stats, .sample, onSample             ◄──  "sample" {stats, sample} (every sampleMs)
//   onMessage                             ◄──  "message"  (the program's imports post these)
//   .post(message)                        ──►  "message"  (the imports' onMessage handler)
//   .send(port, text), .close(port)       ──►  "port-send", "port-close" → program.ports
//   .on(port, handler)                    ◄──  "port" {name, text}  (assembly/port.ts toHost)
//   .done resolves / rejects              ◄──  "exit" {result} / "error" {message}
//
// Host imports are functions and cannot cross postMessage, so the worker script supplies
// them (`serveProgram({ imports })`); the context it gets carries the page's start data and
// a two-way message channel. Samples are taken between scheduler slices, never per switch:
// the counters the core keeps (`Stats`) and whatever the worker's `sample` reads from the
// program's memory.
//
// Only standard web APIs: postMessage, MessageEvent, setInterval.

import { WeftProgram, LoadError, type RunResult, type FiberFailure, type Stats } from "./runtime.js";
import { loadProgram } from "./load.js";

/** A program source that can be posted to a worker. */
export type PostableSource = string | URL | ArrayBuffer | ArrayBufferView | WebAssembly.Module;

/** What both ends of the bridge need of each other: a Worker, or a worker's global scope. */
export interface Endpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

// Every message carries the id of the run it belongs to, so that several page-side
// objects may share one endpoint (and a refused second start reaches only its sender).
type ToWorker =
  | { weft: "start"; id: string; source: string | ArrayBuffer | ArrayBufferView | WebAssembly.Module; name?: string; sliceMs: number; data: unknown }
  | { weft: "message"; id: string; message: unknown }
  | { weft: "port-send"; id: string; name: string; text: string }
  | { weft: "port-close"; id: string; name: string };

type ToPage = { id: string } & (
  | { weft: "line"; stream: "out" | "err"; line: string }
  | { weft: "failure"; failure: FiberFailure }
  | { weft: "sample"; stats: Stats; sample: unknown }
  | { weft: "message"; message: unknown }
  | { weft: "port"; name: string; text: string | null }
  | { weft: "exit"; result: RunResult }
  | { weft: "error"; message: string; load: boolean }
);
type Reply = ToPage extends infer T ? (T extends unknown ? Omit<T, "id"> : never) : never;

// ─── worker end ─────────────────────────────────────────────────────────────────────────

/** What the worker's import factory gets. */
export interface WorkerContext {
  /** The `data` the page passed to `WorkerProgram.start`. */
  readonly data: unknown;
  /** Sends a message to the page (`onMessage` there). */
  post(message: unknown, transfer?: Transferable[]): void;
  /** Receives the page's messages (`WorkerProgram.post`). */
  onMessage(handler: (message: unknown) => void): void;
}

/** How a worker serves its program. */
export interface ServeOptions {
  /** The program's own imports, made once the page's start data is known. */
  imports?: (context: WorkerContext) => Record<string, Record<string, unknown>>;
  /** Reads extra data from the program with each sample (for example a snapshot export). */
  sample?: (program: WeftProgram) => unknown;
  /** Milliseconds between samples while the program runs (default 16, about one a frame). */
  sampleMs?: number;
}

/**
 * Serves one weft program in this worker: waits for the page's `WorkerProgram.start`,
 * loads and runs the program, and reports its output, samples and end to the page.
 */
export function serveProgram(options: ServeOptions = {}, scope: Endpoint = globalThis as unknown as Endpoint): void {
  const handlers: ((message: unknown) => void)[] = [];
  let running: string | null = null;
  // port messages wait here until the program is loaded
  const portQueue: ToWorker[] = [];
  let program: WeftProgram | null = null;
  const toPort = (message: ToWorker) => {
    if (!program) return void portQueue.push(message);
    if (message.weft === "port-send") program.ports.send(message.name, message.text);
    else if (message.weft === "port-close") program.ports.close(message.name);
  };
  scope.addEventListener("message", (event: MessageEvent) => {
    const message = event.data as ToWorker;
    if (message?.weft === "message" && message.id === running) {
      for (const handler of handlers) handler(message.message);
    } else if ((message?.weft === "port-send" || message?.weft === "port-close") && message.id === running) {
      toPort(message);
    } else if (message?.weft === "start") {
      const send = (reply: Reply, transfer?: Transferable[]) => scope.postMessage({ ...reply, id: message.id }, transfer);
      if (running !== null) {
        send({ weft: "error", message: "this worker already runs a program; start another worker", load: false });
        return;
      }
      running = message.id;
      void serve(message, options, handlers, send, (loaded) => {
        program = loaded;
        for (const queued of portQueue.splice(0)) toPort(queued);
      });
    }
  });
  startPort(scope);
}

/** A MessagePort delivers to `addEventListener` listeners only once started (Workers need not). */
function startPort(endpoint: Endpoint): void {
  (endpoint as { start?: () => void }).start?.();
}

async function serve(
  start: Extract<ToWorker, { weft: "start" }>,
  options: ServeOptions,
  handlers: ((message: unknown) => void)[],
  send: (message: Reply, transfer?: Transferable[]) => void,
  loaded: (program: WeftProgram) => void,
): Promise<void> {
  const context: WorkerContext = {
    data: start.data,
    post: (message, transfer) => send({ weft: "message", message }, transfer),
    onMessage: (handler) => void handlers.push(handler),
  };
  let program: WeftProgram;
  try {
    program = await loadProgram(start.source, {
      name: start.name,
      stdout: (line) => send({ weft: "line", stream: "out", line }),
      stderr: (line) => send({ weft: "line", stream: "err", line }),
      onFailure: (failure) => send({ weft: "failure", failure }),
      imports: options.imports?.(context),
    });
  } catch (e) {
    send({ weft: "error", message: (e as Error).message, load: e instanceof LoadError });
    return;
  }
  program.ports.onAny((name, text) => send({ weft: "port", name, text }));
  loaded(program);
  const sample = () => send({ weft: "sample", stats: program.stats(), sample: options.sample?.(program) });
  const timer = setInterval(sample, options.sampleMs ?? 16);
  try {
    const result = await program.runAsync(start.sliceMs);
    sample();
    send({ weft: "exit", result });
  } catch (e) {
    send({ weft: "error", message: (e as Error).message, load: false });
  } finally {
    clearInterval(timer);
  }
}

// ─── page end ───────────────────────────────────────────────────────────────────────────

/** How the page runs a program in a worker. */
export interface WorkerProgramOptions {
  /** Name of the program in messages. */
  name?: string;
  /** Milliseconds of scheduler time between returns to the worker's event loop (default 10). */
  sliceMs?: number;
  /** Passed to the worker's import factory (`WorkerContext.data`); must be cloneable. */
  data?: unknown;
  /** One line of the program's standard output. Default: console.log. */
  stdout?: (line: string) => void;
  /** One line of its standard error. Default: console.error. */
  stderr?: (line: string) => void;
  /** A fiber failed (the program goes on). Default: a line on `stderr`, as `WeftProgram` writes it. */
  onFailure?: (failure: FiberFailure) => void;
  /** A message the worker's imports posted. */
  onMessage?: (message: unknown) => void;
  /** A new sample of the counters (and the worker's extra data) arrived. */
  onSample?: (stats: Stats, sample: unknown) => void;
}

/** A weft program running in a dedicated Worker, seen from the page. */
export class WorkerProgram {
  /** The latest counters the worker sent, or null before the first sample. */
  stats: Stats | null = null;
  /** The latest extra data the worker's `sample` read, or undefined. */
  sample: unknown = undefined;
  /** Resolves with the program's result when it ends; rejects with LoadError if it cannot load. */
  readonly done: Promise<RunResult>;
  private ended = false;
  private readonly name: string;
  private readonly portHandlers = new Map<string, ((text: string | null) => void)[]>();
  /** Port messages that arrived before a handler for their port. */
  private readonly unheard = new Map<string, (string | null)[]>();
  private readonly id = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  private rejectDone: (error: Error) => void = () => {};

  private constructor(
    private readonly worker: Endpoint & { terminate?(): void },
    source: PostableSource,
    options: WorkerProgramOptions,
  ) {
    this.name = options.name ?? "the program";
    const stdout = options.stdout ?? ((line) => console.log(line));
    const stderr = options.stderr ?? ((line) => console.error(line));
    this.done = new Promise<RunResult>((resolve, reject) => {
      this.rejectDone = reject;
      const listener = (event: MessageEvent) => {
        const message = event.data as ToPage;
        if (message?.id !== this.id) return;
        switch (message.weft) {
          case "line":
            (message.stream === "out" ? stdout : stderr)(message.line);
            break;
          case "failure":
            (options.onFailure ?? ((f) => stderr(failureLine(f))))(message.failure);
            break;
          case "sample":
            this.stats = message.stats;
            this.sample = message.sample;
            options.onSample?.(message.stats, message.sample);
            break;
          case "message":
            options.onMessage?.(message.message);
            break;
          case "port":
            this.deliver(message.name, message.text);
            break;
          case "exit":
            this.finish(listener);
            resolve(message.result);
            break;
          case "error":
            this.finish(listener);
            reject(message.load ? new LoadError(message.message) : new Error(message.message));
            break;
        }
      };
      worker.addEventListener("message", listener);
      startPort(worker);
    });
    const start: ToWorker = { weft: "start", id: this.id, source: postable(source), name: options.name, sliceMs: options.sliceMs ?? 10, data: options.data };
    worker.postMessage(start);
  }

  /** Starts `source` (a URL, relative to this page; bytes; or a compiled module) in `worker`. */
  static start(worker: Endpoint & { terminate?(): void }, source: PostableSource, options: WorkerProgramOptions = {}): WorkerProgram {
    return new WorkerProgram(worker, source, options);
  }

  /** Sends a message to the worker's import context (`WorkerContext.onMessage`). */
  post(message: unknown, transfer?: Transferable[]): void {
    const envelope: ToWorker = { weft: "message", id: this.id, message };
    this.worker.postMessage(envelope, transfer);
  }

  /** Sends `text` to the program's `fromHost(name)` channel (assembly/port.ts). */
  send(name: string, text: string): void {
    if (typeof text !== "string") throw new TypeError(`port "${name}" carries strings, got ${typeof text}`);
    const envelope: ToWorker = { weft: "port-send", id: this.id, name, text };
    this.worker.postMessage(envelope);
  }

  /** Closes port `name`: after the messages sent before, the program's channel closes. */
  close(name: string): void {
    const envelope: ToWorker = { weft: "port-close", id: this.id, name };
    this.worker.postMessage(envelope);
  }

  /** Calls `handler` with each message the program sends to port `name` (null: it closed it). */
  on(name: string, handler: (text: string | null) => void): void {
    const list = this.portHandlers.get(name) ?? [];
    list.push(handler);
    this.portHandlers.set(name, list);
    for (const text of this.unheard.get(name)?.splice(0) ?? []) handler(text);
  }

  private deliver(name: string, text: string | null): void {
    const list = this.portHandlers.get(name);
    if (list) for (const handler of list) handler(text);
    else this.unheard.set(name, [...(this.unheard.get(name) ?? []), text]);
  }

  /** Stops the worker at once (the program does not get to finish); `done` rejects. */
  terminate(): void {
    this.worker.terminate?.();
    if (!this.ended) {
      this.ended = true;
      this.rejectDone(new Error(`${this.name} was terminated`));
    }
  }

  private finish(listener: (event: MessageEvent) => void): void {
    if (this.ended) return;
    this.ended = true;
    this.worker.removeEventListener("message", listener);
  }

  /** True once the program ended or failed to load. */
  get finished(): boolean {
    return this.ended;
  }
}

/** `weft: fiber #3 "worker" failed: <message> at <file>:<line>:<column>`, the runtime's default report. */
function failureLine(f: FiberFailure): string {
  return `weft: ${f.text}`;
}

/** URLs go to the worker absolute (it would resolve a relative one against its own script). */
function postable(source: PostableSource): Extract<ToWorker, { weft: "start" }>["source"] {
  if (source instanceof URL) return source.href;
  if (typeof source === "string") {
    const base = (globalThis as { location?: { href: string } }).location?.href;
    return base ? new URL(source, base).href : source;
  }
  return source;
}
