// worker.ts: an edge handler, `export default { fetch(request) }`, serving each request
// from a fiber of one weft program (app.ts).
//
// The module uses only what edge platforms give a module worker: fetch, Request,
// Response, URL, WebAssembly, timers. `import app from "./app.wasm"` is how they hand over
// a wasm module (compiled); build.ts bundles this file the same way for local runs and
// tests, which call `fetch()` with Request objects directly.
//
// One program instance serves every request, lazily started by the first. A request gets
// an id, its parts are kept under it for the `edge` imports, and a fiber runs the
// program's `handle(id)`: concurrent requests are concurrent fibers of one scheduler.

import { loadProgram, readString, writeString, FiberError, type WeftProgram } from "weft";
import app from "./app.wasm";

interface Exchange {
  method: string;
  url: URL;
  body: string;
  answer: { status: number; type: string; body: string } | null;
}

const exchanges = new Map<number, Exchange>();
let nextId = 1;
let program: WeftProgram | null = null;
let starting: Promise<WeftProgram> | null = null;

/** The program, loaded and running on the event loop. */
function start(): Promise<WeftProgram> {
  const text = (ptr: number) => readString(program!.exports.memory, ptr) ?? "";
  const exchange = (id: number) => {
    const found = exchanges.get(id);
    if (!found) throw new Error(`no request #${id}`);
    return found;
  };
  return loadProgram(app, {
    name: "edge app",
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
  }).then((loaded) => {
    program = loaded;
    void loaded.runAsync();
    return loaded;
  });
}

export default {
  /** Serves one request from a fiber. */
  async fetch(request: Request): Promise<Response> {
    const running = await (starting ??= start());
    const id = nextId++;
    const exchange: Exchange = {
      method: request.method,
      url: new URL(request.url),
      body: request.method === "GET" || request.method === "HEAD" ? "" : await request.text(),
      answer: null,
    };
    exchanges.set(id, exchange);
    try {
      await running.spawn("handle", id, `request #${id}`);
      const answer = exchange.answer ?? { status: 500, type: "text/plain", body: "the handler gave no answer" };
      return new Response(answer.body, { status: answer.status, headers: { "content-type": answer.type } });
    } catch (e) {
      const message = e instanceof FiberError ? e.message : `the program cannot serve: ${(e as Error).message}`;
      return new Response(message, { status: 500, headers: { "content-type": "text/plain" } });
    } finally {
      exchanges.delete(id);
    }
  },
};
