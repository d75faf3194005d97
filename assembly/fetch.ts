// fetch.ts: HTTP from a fiber. The fiber parks until the response's head arrives and
// again for each chunk of the body; every other fiber runs meanwhile.
//
//   const response = fetch("https://example.com/data.json");
//   if (!response.ok) { console.log(response.error ?? response.status.toString()); return; }
//   const buffer = new Uint8Array(16384);
//   for (let n = response.read(buffer); n > 0; n = response.read(buffer)) consume(buffer, n);
//   // or: response.text(), response.bytes()
//
// The host does the request with the environment's own `fetch` (host/fetch.ts: pages,
// workers, edge handlers and Node alike), keeps the Response, and hands the fiber a handle.
// Each wait is a HostCall (hostcall.ts), so a program waiting for a response is waiting,
// never deadlocked; cancellation and deadlines (`setDeadline`, `timeoutMs`) end the wait.
//
// Body chunks go straight into the caller's buffer, which the call pins until the host has
// written it: the body is never held whole in wasm unless the program asks for it
// (`bytes()`, `text()`), and a chunk larger than the buffer is handed over in parts.
//
// A fiber whose wait ends early (cancelled, timed out) tells the host to drop the response
// when it comes (`abandon`): nothing is left open on the host side.
//
// Rejected: a blocking `fetch` built on the host's synchronous XHR (pages' main threads
// forbid it, edge platforms lack it, and it would stop every fiber); a body read whole by
// the host before the fiber sees the status (large or endless bodies).

import { Outcome } from "./record";
import { HostCall } from "./hostcall";
import { beginTimeout, endTimeout } from "./time";

// @ts-ignore: decorator
@external("weft_fetch", "request")
declare function hostRequest(token: u32, url: string, method: string, headers: string, body: usize, bodyLength: i32, bodyIsText: bool): void;
// @ts-ignore: decorator
@external("weft_fetch", "abandon")
declare function hostAbandon(token: u32): void;
// @ts-ignore: decorator
@external("weft_fetch", "status")
declare function hostStatus(handle: i32): i32;
// @ts-ignore: decorator
@external("weft_fetch", "statusText")
declare function hostStatusText(handle: i32): string;
// @ts-ignore: decorator
@external("weft_fetch", "url")
declare function hostUrl(handle: i32): string;
// @ts-ignore: decorator
@external("weft_fetch", "header")
declare function hostHeader(handle: i32, name: string): string | null;
// @ts-ignore: decorator
@external("weft_fetch", "read")
declare function hostRead(token: u32, handle: i32, into: usize, length: i32): void;
// @ts-ignore: decorator
@external("weft_fetch", "close")
declare function hostClose(handle: i32): void;

/** How to make a request: method, headers, body, time limit. */
export class FetchOptions {
  /** GET, POST, PUT, ... */
  method: string = "GET";
  /** Request headers, one `Name: value` per line. */
  headers: string = "";
  /** A text body (sent as UTF-8), or null. */
  body: string | null = null;
  /** A binary body, or null (used when `body` is null). */
  bodyBytes: Uint8Array | null = null;
  /** Give up waiting for the head after this many ms (the request is dropped); -1: no limit. */
  timeoutMs: f64 = -1;
}

/** A response, as `fetch` returns it. `status` 0 means no response: `error` says why. */
export class FetchResponse {
  /** The HTTP status, or 0 if the request failed. */
  readonly status: i32;
  /** The status text (may be empty, as in HTTP/2). */
  readonly statusText: string;
  /** The final URL, after redirects. */
  readonly url: string;
  /** Why there is no response or the body could not be read; null otherwise. */
  error: string | null;
  /** A short error code: EFETCH (network), ETIMEDOUT, ECANCELED, EREAD, ...; null otherwise. */
  code: string | null;
  /** @internal the host's handle, 0 once closed. */
  _handle: i32;

  /** @internal made by `fetch`. */
  constructor(handle: i32, status: i32, statusText: string, url: string, code: string | null, error: string | null) {
    this._handle = handle;
    this.status = status;
    this.statusText = statusText;
    this.url = url;
    this.code = code;
    this.error = error;
  }

  /** True for a 2xx status. */
  get ok(): bool {
    return this.status >= 200 && this.status < 300;
  }

  /** A response header (names are case-insensitive; several values are joined with ", "), or null. */
  header(name: string): string | null {
    return this._handle != 0 ? hostHeader(this._handle, name) : null;
  }

  /**
   * Reads the next part of the body into `into`, parking the fiber until bytes arrive.
   * Returns the bytes read; 0 at the end of the body (the response is then closed);
   * -1 if reading failed or the wait ended early (`error`, `code` say why).
   */
  read(into: Uint8Array): i32 {
    if (this._handle == 0) return this.error !== null ? -1 : 0;
    if (into.byteLength == 0) return 0;
    let call = new HostCall("fetch read", into);
    hostRead(call.token, this._handle, into.dataStart, into.byteLength);
    let how = call.wait();
    if (how != Outcome.Ok) {
      // the host still writes into `into` (pinned until it has), then the data is dropped
      this.fail(how == Outcome.TimedOut ? "ETIMEDOUT" : "ECANCELED", how == Outcome.TimedOut ? "timed out reading the body" : "cancelled while reading the body");
      return -1;
    }
    if (call.failed) {
      this.fail(call.code !== null ? call.code! : "EREAD", call.error !== null ? call.error! : "the body could not be read");
      return -1;
    }
    let n = <i32>call.result;
    if (n == 0) this.close();
    return n;
  }

  /** The rest of the body. Empty if it failed (`error` says why). */
  bytes(): Uint8Array {
    let size = 0;
    let data = new Uint8Array(16384);
    while (true) {
      if (size == data.length) {
        let bigger = new Uint8Array(data.length << 1);
        bigger.set(data);
        data = bigger;
      }
      let n = this.read(data.subarray(size));
      if (n < 0) return new Uint8Array(0);
      if (n == 0) break;
      size += n;
    }
    return data.slice(0, size);
  }

  /** The rest of the body, decoded as UTF-8. Empty if it failed. */
  text(): string {
    let body = this.bytes();
    return String.UTF8.decodeUnsafe(body.dataStart, body.byteLength);
  }

  /** Drops the rest of the body (the host cancels it). Reading afterwards returns 0. */
  close(): void {
    if (this._handle != 0) hostClose(this._handle);
    this._handle = 0;
  }

  private fail(code: string, message: string): void {
    this.close();
    this.code = code;
    this.error = message;
  }
}

/**
 * Requests `url` with the host's fetch, parking the calling fiber until the response's
 * head arrives. Never fails the fiber: a request that cannot be made or answered gives a
 * response with status 0 and `error` set.
 */
export function fetch(url: string, options: FetchOptions | null = null): FetchResponse {
  let o = options !== null ? options : new FetchOptions();
  let text = o.body;
  let bytes = o.bodyBytes;
  let pinned: Object | null = text !== null ? changetype<Object>(text) : changetype<Object | null>(bytes);
  let call = new HostCall("fetch " + url, pinned);
  if (text !== null) hostRequest(call.token, url, o.method, o.headers, changetype<usize>(text), text.length, true);
  else if (bytes !== null) hostRequest(call.token, url, o.method, o.headers, bytes.dataStart, bytes.byteLength, false);
  else hostRequest(call.token, url, o.method, o.headers, 0, 0, false);
  let how = o.timeoutMs >= 0 ? call.waitTimeout(o.timeoutMs) : call.wait();
  if (how != Outcome.Ok) {
    hostAbandon(call.token);
    let timedOut = how == Outcome.TimedOut;
    return new FetchResponse(0, 0, "", url, timedOut ? "ETIMEDOUT" : "ECANCELED", timedOut ? "timed out waiting for " + url : "cancelled while waiting for " + url);
  }
  if (call.failed) {
    return new FetchResponse(0, 0, "", url, call.code !== null ? call.code! : "EFETCH", call.error !== null ? call.error! : "the request failed");
  }
  let handle = <i32>call.result;
  return new FetchResponse(handle, hostStatus(handle), hostStatusText(handle), hostUrl(handle), null, null);
}
