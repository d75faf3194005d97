// worker.ts: an edge handler, `export default { fetch(request) }`, serving each request
// from a fiber of one weft program (app.ts).
//
// The module uses only what edge platforms give a module worker: fetch, Request,
// Response, URL, WebAssembly, timers. `import app from "./app.wasm"` is how they hand over
// a wasm module (compiled); build.ts bundles this file the same way for local runs and
// tests, which call `fetch()` with Request objects directly.
//
// One program instance serves every request, started by the first. A request gets an id,
// its parts are kept under it for the `edge` imports, and a fiber runs the program's
// `handle(id)`: concurrent requests are concurrent fibers of one scheduler.
//
// Who runs the scheduler: each request, while it waits for its own fiber, not a pump of
// the program's own. Edge runtimes tie every timer and Promise to the request whose code
// made it (workerd cancels a request's timers when it ends, and a Promise made by one
// request and settled by another leaves the first "hung"), so a program-wide event-loop
// pump (`runAsync`) would belong to whichever request started it. Instead:
//   - the fiber is spawned with `spawnCallback`, whose plain callback sets a flag: no
//     Promise crosses requests;
//   - the request calls `program.drive()` (ready fibers run, its own or others') and then
//     waits on a timer of its own until the program's next deadline, at most POLL_MS, and
//     looks at its flag again: under workerd a fiber another request's pass ended is seen
//     within POLL_MS; elsewhere the fiber's end wakes the request at once (see
//     wakeAcrossRequests);
//   - I/O runs on its owner's turns. A pass driven by request B may run request A's fiber,
//     and workerd refuses to let B's code touch a stream A made ("Cannot perform I/O on
//     behalf of a different request"; concurrent /proxy requests got short bodies). So the
//     program's fetch is given `ioContexts` (host/fetch.ts): an upstream request a fiber
//     starts belongs to the request whose fiber it is (a request's own fiber; a fiber it
//     spawned belongs to the request whose turn runs it), it is started on that request's
//     turn, and every read and cancel of its body runs there too: queued by whatever turn
//     asked for it, and run by the owner's next turn (within POLL_MS, or at once where a
//     request may wake another);
//   - under workerd (a `ctx` with waitUntil), a request that has answered keeps turning
//     while other requests are in flight or it has I/O queued, so that what they still
//     read from its streams is not cancelled with it. Once it stops turning, what is asked
//     of it runs at once, in whichever turn asks: under workerd such I/O fails with
//     workerd's reason (the fiber gets EREAD) rather than waiting for a turn that never
//     comes.
// The same code runs under Node, Deno and Bun, where none of this is required.

import { loadProgram, readString, writeString, type WeftProgram } from "weft";
import app from "./app.wasm";

interface Exchange {
  method: string;
  url: URL;
  body: string;
  answer: { status: number; type: string; body: string } | null;
}

/** The longest a waiting request sleeps before it looks at its fiber again (ms). */
const POLL_MS = 10;
/** How long one drive() may run fibers before the request lets other events in (ms). */
const SLICE_MS = 10;

/** A request, as a context for I/O (see above): the operations queued for its next turn. */
interface Turns {
  queue: (() => void)[];
  /** Ends this request's wait at once (where a request may wake another), or null. */
  wake: (() => void) | null;
  /**
   * The request takes no more turns: what is asked of it later runs at once, in whichever
   * turn asks (under workerd that I/O then fails, with workerd's reason, instead of
   * waiting for a turn that never comes).
   */
  done: boolean;
}

const exchanges = new Map<number, Exchange>();
/** The request whose fiber each request's own fiber is (by fiber id). */
const owners = new Map<number, Turns>();
/** The request whose turn runs now (drive() and its queued I/O), or null between turns. */
let turning: Turns | null = null;
let nextId = 1;
let program: WeftProgram | null = null;
let loadFailure: Error | null = null;
let loading = false;
/** Requests whose fiber has not ended. */
let inFlight = 0;

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The program, loaded by the first request; later ones wait for it on timers of their own. */
async function ready(): Promise<WeftProgram> {
  if (!loading) {
    loading = true;
    load().then(
      (loaded) => (program = loaded),
      (e: Error) => (loadFailure = e),
    );
  }
  for (;;) {
    if (program) return program;
    if (loadFailure) throw loadFailure;
    await pause(1);
  }
}

function load(): Promise<WeftProgram> {
  const text = (ptr: number) => readString(program!.exports.memory, ptr) ?? "";
  const exchange = (id: number) => {
    const found = exchanges.get(id);
    if (!found) throw new Error(`no request #${id}`);
    return found;
  };
  return loadProgram(app, {
    name: "edge app",
    ioContexts: {
      // inside an import: the running fiber's request if it is one's own fiber, else the
      // request whose turn runs it
      claim: () => owners.get(program!.exports.__weft_current()) ?? turning,
      run: (context, operation) => {
        const turns = context as Turns | null;
        if (turns === null || turns === turning || turns.done) return operation();
        turns.queue.push(operation);
        if (wakeAcrossRequests) turns.wake?.();
      },
    },
    imports: {
      edge: {
        method: (id: number) => writeString(program!.exports, exchange(id).method),
        path: (id: number) => writeString(program!.exports, exchange(id).url.pathname),
        param: (id: number, name: number) => {
          const value = exchange(id).url.searchParams.get(text(name));
          return value === null ? 0 : writeString(program!.exports, value);
        },
        body: (id: number) => writeString(program!.exports, exchange(id).body),
        respond: (id: number, status: number, type: number, body: number) => {
          exchange(id).answer = { status, type: text(type), body: text(body) };
        },
      },
    },
  });
}

/**
 * Whether a Promise made by one request may be settled by another: everywhere but workerd
 * (whose navigator says "Cloudflare-Workers"). Where it may, a fiber's end wakes its
 * request at once, so that requests answer in the order their fibers end; under workerd a
 * request sees it at its next look.
 */
const wakeAcrossRequests = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent !== "Cloudflare-Workers";

/**
 * One turn of request `turns`: runs the program's ready fibers, then the I/O queued for
 * this request, then waits on this request's own timer (see above), or until woken.
 */
async function turn(running: WeftProgram, turns: Turns): Promise<void> {
  let next: number;
  turning = turns;
  try {
    next = running.drive(SLICE_MS);
    for (let operation; (operation = turns.queue.shift()); ) operation();
  } finally {
    turning = null;
  }
  const ms = next === 0 ? 0 : Math.min(POLL_MS, Math.max(0, Math.ceil(next - performance.now())));
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    turns.wake = () => {
      clearTimeout(timer);
      turns.wake = null;
      resolve();
    };
  });
  turns.wake = null;
}

/** Request `turns` takes no more turns: what is queued for it runs now (see Turns.done). */
function retire(turns: Turns): void {
  turns.done = true;
  for (let operation; (operation = turns.queue.shift()); ) operation();
}

/** What an edge runtime passes as the third argument of fetch (workerd's ExecutionContext). */
interface Context {
  waitUntil(promise: Promise<unknown>): void;
}

export default {
  /** Serves one request from a fiber. */
  async fetch(request: Request, _env?: unknown, ctx?: Context): Promise<Response> {
    let running: WeftProgram;
    try {
      running = await ready();
    } catch (e) {
      return new Response(`the program cannot serve: ${(e as Error).message}`, { status: 500, headers: { "content-type": "text/plain" } });
    }
    const id = nextId++;
    const exchange: Exchange = {
      method: request.method,
      url: new URL(request.url),
      body: request.method === "GET" || request.method === "HEAD" ? "" : await request.text(),
      answer: null,
    };
    exchanges.set(id, exchange);
    let ended = false;
    let failure: Error | null = null;
    const turns: Turns = { queue: [], wake: null, done: false };
    let fiber = 0;
    try {
      fiber = running.spawnCallback("handle", id, `request #${id}`, (error) => {
        ended = true;
        failure = error;
        if (wakeAcrossRequests) turns.wake?.();
      });
      owners.set(fiber, turns);
      inFlight++;
      try {
        while (!ended) await turn(running, turns);
      } finally {
        inFlight--;
        owners.delete(fiber);
      }
      if (failure) return new Response((failure as Error).message, { status: 500, headers: { "content-type": "text/plain" } });
      const answer = exchange.answer ?? { status: 500, type: "text/plain", body: "the handler gave no answer" };
      return new Response(answer.body, { status: answer.status, headers: { "content-type": answer.type } });
    } catch (e) {
      return new Response(`the program cannot serve: ${(e as Error).message}`, { status: 500, headers: { "content-type": "text/plain" } });
    } finally {
      exchanges.delete(id);
      if (ctx && (inFlight > 0 || turns.queue.length > 0)) {
        ctx.waitUntil(
          (async () => {
            while (inFlight > 0 || turns.queue.length > 0) await turn(running, turns);
            retire(turns);
          })(),
        );
      } else {
        retire(turns);
      }
    }
  },
};
