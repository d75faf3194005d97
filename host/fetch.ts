// fetch.ts: the host side of fetch from a fiber (assembly/fetch.ts): the `weft_fetch`
// imports every program gets.
//
// A request is a host call: `request` starts the environment's `fetch` and returns at
// once; when the head arrives the Response is kept under a handle and the call completes
// with it. `read` is a host call per chunk: the body's reader gives chunks, each copied into
// the fiber's pinned buffer (what does not fit waits for the next read). Completions always
// come from promise callbacks, never from inside the import: the core is not re-entered
// while a fiber runs.
//
// Handles live until the body ends, the program closes the response, or the fiber stops
// waiting (`abandon`, before the head arrived: the response is cancelled on arrival).
//
// Where the I/O runs (`IoContexts`): by default every operation starts at once, inside the
// import or the callback that asks for it. A host whose I/O objects belong to one context
// (workerd: the request whose code made them) passes contexts: a request starts in the
// context `claim` names, and every later operation on its response (reads, cancel) runs
// in that same context, through `run`, never in whichever context happened to run the
// fiber that asked for it.
//
// Only standard web APIs: fetch, Headers, ReadableStream, TextDecoder-free string reads.

import { readString, writeString } from "./abi.js";
import type { WeftProgram } from "./runtime.js";

/**
 * Contexts in which a host runs I/O (RuntimeOptions.ioContexts): for environments whose
 * I/O objects belong to the context that made them, like workerd's requests.
 */
export interface IoContexts<Context = unknown> {
  /** The context a request the running fiber starts now belongs to (called inside the import). */
  claim(): Context;
  /**
   * Runs `operation` in `context`: at once if the caller is in it, else on that context's
   * next turn. An operation only starts I/O (fetch, a body read or cancel) and never
   * re-enters the program: its results come from Promise callbacks.
   */
  run(context: Context, operation: () => void): void;
}

/** No contexts: every operation starts at once. */
const anywhere: IoContexts<null> = { claim: () => null, run: (_context, operation) => operation() };

interface Open {
  response: Response;
  /** The context the request started in: its body is read and cancelled there. */
  context: unknown;
  reader: ReadableStreamDefaultReader<Uint8Array> | null;
  /** Bytes of the last chunk that did not fit the fiber's buffer. */
  rest: Uint8Array | null;
}

/** The `weft_fetch` import module for one program. */
export function fetchImports(program: () => WeftProgram, contexts: IoContexts = anywhere): Record<string, unknown> {
  const open = new Map<number, Open>();
  const abandoned = new Set<number>();
  let nextHandle = 1;
  const memory = () => program().exports.memory;
  const text = (ptr: number) => readString(memory(), ptr) ?? "";

  return {
    request: (token: number, urlPtr: number, methodPtr: number, headersPtr: number, body: number, length: number, bodyIsText: number): void => {
      const url = text(urlPtr);
      const init: RequestInit = { method: text(methodPtr) };
      try {
        init.headers = parseHeaders(text(headersPtr));
        if (body) {
          // copied now: the memory may grow (and move) before fetch reads it
          init.body = bodyIsText ? text(body) : new Uint8Array(memory().buffer, body, length).slice();
        }
      } catch (e) {
        queueMicrotask(() => program().completeError(token, "EINVAL", `bad request for ${url}: ${(e as Error).message}`));
        return;
      }
      const context = contexts.claim();
      contexts.run(context, () => {
        let started: Promise<Response>;
        try {
          started = fetch(url, init);
        } catch (e) {
          started = Promise.reject(e);
        }
        started.then(
          (response) => {
            if (abandoned.delete(token)) {
              void response.body?.cancel().catch(() => {});
              return;
            }
            const handle = nextHandle++;
            open.set(handle, { response, context, reader: null, rest: null });
            program().complete(token, handle);
          },
          (error) => {
            if (abandoned.delete(token)) return;
            const { code, message } = describeError(error);
            program().completeError(token, code, `fetch ${url} failed: ${message}`);
          },
        );
      });
    },

    abandon: (token: number): void => void abandoned.add(token),

    status: (handle: number): number => open.get(handle)?.response.status ?? 0,
    statusText: (handle: number): number => writeString(program().exports, open.get(handle)?.response.statusText ?? ""),
    url: (handle: number): number => writeString(program().exports, open.get(handle)?.response.url ?? ""),
    header: (handle: number, namePtr: number): number => {
      const value = open.get(handle)?.response.headers.get(text(namePtr)) ?? null;
      return value === null ? 0 : writeString(program().exports, value);
    },

    read: (token: number, handle: number, into: number, length: number): void => {
      const entry = open.get(handle);
      if (!entry) {
        queueMicrotask(() => program().completeError(token, "EBADF", "the response is closed"));
        return;
      }
      contexts.run(entry.context, () =>
        nextChunk(entry).then(
          (chunk) => {
            if (chunk === null) {
              open.delete(handle);
              program().complete(token, 0);
              return;
            }
            const n = Math.min(length, chunk.length);
            // a fresh view: the memory may have grown since the read began
            new Uint8Array(memory().buffer, into, n).set(chunk.subarray(0, n));
            entry.rest = n < chunk.length ? chunk.subarray(n) : null;
            program().complete(token, n);
          },
          (error) => {
            open.delete(handle);
            const { message } = describeError(error);
            program().completeError(token, "EREAD", `reading ${entry.response.url || "the body"} failed: ${message}`);
          },
        ),
      );
    },

    close: (handle: number): void => {
      const entry = open.get(handle);
      open.delete(handle);
      if (!entry) return;
      contexts.run(entry.context, () => {
        const done = entry.reader ? entry.reader.cancel() : entry.response.body?.cancel();
        void done?.catch(() => {});
      });
    },
  };
}

/** The next chunk of a body (the rest of the previous one first), or null at its end. */
async function nextChunk(entry: Open): Promise<Uint8Array | null> {
  if (entry.rest) return entry.rest;
  if (!entry.response.body) return null;
  entry.reader ??= entry.response.body.getReader();
  for (;;) {
    const { done, value } = await entry.reader.read();
    if (done) return null;
    if (value && value.length) return value;
  }
}

/** `Name: value` lines to a header list. */
function parseHeaders(lines: string): [string, string][] {
  const headers: [string, string][] = [];
  for (const line of lines.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new Error(`a header line must be "Name: value", got ${JSON.stringify(line)}`);
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  return headers;
}

/**
 * The codes a failed fetch gets, the same on every host. Each environment reports the same
 * failure differently: Node puts the system error's code in `cause.code`, Bun in `code`,
 * Deno only in the message ("Connection refused (os error 111)"), workerd in neither. The
 * code is read from whichever carries it; the host's own message is kept in `error`.
 */
const FETCH_CODES: { code: string; codes: string[]; pattern: RegExp }[] = [
  // workerd says "Network connection lost." for a refused connection (and for one lost
  // before the response head): before the head, that is the refused case
  { code: "ECONNREFUSED", codes: ["ECONNREFUSED", "ConnectionRefused"], pattern: /ECONNREFUSED|connection refused|os error 111|^Network connection lost/i },
  {
    code: "ENOTFOUND",
    codes: ["ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "ENODATA"],
    pattern: /ENOTFOUND|dns error|getaddrinfo|name or service not known|no such host|failed to lookup address/i,
  },
  { code: "ECONNRESET", codes: ["ECONNRESET", "UND_ERR_SOCKET", "ConnectionClosed"], pattern: /ECONNRESET|connection reset|os error 104/i },
  { code: "ETIMEDOUT", codes: ["ETIMEDOUT", "UND_ERR_CONNECT_TIMEOUT"], pattern: /ETIMEDOUT|timed out/i },
  { code: "EHOSTUNREACH", codes: ["EHOSTUNREACH"], pattern: /EHOSTUNREACH|no route to host|host is unreachable|os error 113/i },
  { code: "ENETUNREACH", codes: ["ENETUNREACH"], pattern: /ENETUNREACH|network is unreachable|os error 101/i },
  // not a network failure: the program gave a URL that does not parse
  { code: "EINVAL", codes: ["ERR_INVALID_URL"], pattern: /invalid url|url is invalid|failed to parse url/i },
];

/** A code from FETCH_CODES (EFETCH for any other failure) and a message for a fetch failure. */
export function describeError(error: unknown): { code: string; message: string } {
  const e = error as { message?: unknown; code?: unknown; cause?: { code?: unknown; message?: unknown } };
  const cause = e?.cause;
  const message = String(e?.message ?? error) + (cause?.message ? ` (${String(cause.message)})` : "");
  const given = [cause?.code, e?.code].filter((c): c is string => typeof c === "string");
  const known = FETCH_CODES.find((k) => given.some((c) => k.codes.includes(c))) ?? FETCH_CODES.find((k) => k.pattern.test(message));
  return { code: known?.code ?? "EFETCH", message };
}
