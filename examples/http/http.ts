// http.ts: a minimal HTTP/1.1 server for fibers, in the style of Go's net/http.
//
//   function hello(w: ResponseWriter, r: Request): void {
//     w.setHeader("Content-Type", "text/plain");
//     w.write("Hello, " + r.path + "\n");
//   }
//
//   export function main(): void {
//     const server = new HttpServer();
//     server.handleFunc("/", hello);
//     server.listenAndServe("127.0.0.1", 8080);   // returns only if it cannot listen
//   }
//
// The model: one fiber per connection, as Go's server. It reads a request (request line,
// headers, a Content-Length body), runs the handler in a fiber of its own, writes the
// response in one write, and goes on with the next request on the same connection
// (keep-alive; HTTP/1.0 clients only if they ask for it). A handler may block (sleep,
// I/O, channels): only its connection waits. A handler that fails (a trap, an abort)
// fails only its connection's fiber: a watcher fiber (one per connection) answers the
// client with a 500 and closes the connection. The Request and ResponseWriter a handler
// gets are its connection's, reused for the next request: they are valid until the
// handler returns, as Go's ResponseWriter is.
//
// Bad input never takes the server down. A malformed request line or header, a missing
// Host (HTTP/1.1), a bad or conflicting Content-Length get a 400, a version other than
// 1.0 and 1.1 a 505, a head over
// `maxHeaderBytes` a 431, a body over `maxBodyBytes` a 413, a Transfer-Encoding (chunked
// bodies are not implemented) a 501; the connection then closes and the other
// connections go on. A connection idle for `idleTimeoutMs` between requests, or slower
// than that to send a request's head, is closed (the fiber's deadline, weft's time.ts).
//
// Responses are buffered: the handler's writes are collected and sent with a
// Content-Length once it returns (no streaming, no chunked encoding). Patterns route as
// Go's ServeMux: "/path" matches that path, "/dir/" everything below it, the longest
// pattern wins, "/" catches the rest; no match gives a 404.

import { spawnWith, now, setDeadline, Fiber } from "weft";
import { listen, accept, read, write, close, Errno, errorName, lastError } from "weft/io";

/** A request header as received (name as sent; compare with `header()`, which ignores case). */
export class Header {
  constructor(
    public name: string,
    public value: string,
  ) {}
}

/** What a handler receives. */
export class Request {
  /** "GET", "POST", ... */
  method: string = "";
  /** The request target's path ("/users/7"), without the query. */
  path: string = "";
  /** The query after "?", without it, or "". */
  query: string = "";
  /** "HTTP/1.1" or "HTTP/1.0". */
  version: string = "";
  headers: Header[] = [];
  /** The body (Content-Length bytes; empty without one). */
  body: Uint8Array = new Uint8Array(0);

  /** The first header named `name` (any case), or null. */
  header(name: string): string | null {
    for (let i = 0; i < this.headers.length; i++) {
      let h = unchecked(this.headers[i]);
      if (equalsIgnoreCase(h.name, name)) return h.value;
    }
    return null;
  }

  /** The body as UTF-8 text. */
  text(): string {
    return String.UTF8.decodeUnsafe(this.body.dataStart, this.body.length);
  }
}

/** What a handler writes its response into. */
export class ResponseWriter {
  /** The status code (200 unless set). */
  status: i32 = 200;
  /** @internal response headers the handler set. */
  headers: Header[] = [];
  /** @internal the body so far. */
  body: ByteBuffer = new ByteBuffer(256);

  /** Sets header `name` (replacing one of the same name). */
  setHeader(name: string, value: string): void {
    for (let i = 0; i < this.headers.length; i++) {
      if (equalsIgnoreCase(unchecked(this.headers[i]).name, name)) {
        unchecked(this.headers[i]).value = value;
        return;
      }
    }
    this.headers.push(new Header(name, value));
  }

  /** Sets the status code. */
  writeHeader(status: i32): void {
    this.status = status;
  }

  /** Appends `text` (UTF-8) to the body. */
  write(text: string): void {
    this.body.appendString(text);
  }

  /** Appends bytes to the body. */
  writeBytes(data: Uint8Array): void {
    this.body.appendBytes(data.dataStart, data.length);
  }

  /** @internal */
  reset(): void {
    this.status = 200;
    this.headers.length = 0;
    this.body.length = 0;
  }
}

/** A handler: Go's `func(w http.ResponseWriter, r *http.Request)`. */
export type Handler = (w: ResponseWriter, r: Request) => void;

class Route {
  constructor(
    public pattern: string,
    public handler: Handler,
  ) {}
}

/** A server: routes (`handleFunc`) and limits; `listenAndServe` runs it. */
export class HttpServer {
  /** Largest request head (request line and headers) accepted; larger gets 431. */
  maxHeaderBytes: i32 = 16 * 1024;
  /** Largest body accepted; larger gets 413. */
  maxBodyBytes: i32 = 1 << 20;
  /** A connection waiting this long for (the head of) its next request is closed. */
  idleTimeoutMs: f64 = 5000;
  /** Requests answered so far (handlers and errors alike). */
  requests: u64 = 0;
  /** @internal longest pattern first */
  routes: Route[] = [];

  /** Routes requests whose path matches `pattern` to `handler` (see the file comment). */
  handleFunc(pattern: string, handler: Handler): void {
    if (pattern.length == 0 || pattern.charCodeAt(0) != 0x2f) throw new Error("http: pattern must start with '/', got \"" + pattern + "\"");
    for (let i = 0; i < this.routes.length; i++) {
      if (this.routes[i].pattern == pattern) throw new Error("http: multiple registrations for " + pattern);
    }
    // keep the longest pattern first: the first match is then the most specific
    this.routes.push(new Route(pattern, handler));
    let i = this.routes.length - 1;
    while (i > 0 && this.routes[i - 1].pattern.length < pattern.length) {
      this.routes[i] = this.routes[i - 1];
      i--;
    }
    this.routes[i] = new Route(pattern, handler);
  }

  /**
   * Listens on `host`:`port` and serves until the listener fails; returns that Errno (or
   * the one `listen` gave: EADDRINUSE, ...). Blocks the calling fiber only.
   */
  listenAndServe(host: string, port: i32): i32 {
    let listener = listen(host, port);
    if (listener < 0) return listener;
    return this.serve(listener);
  }

  /** Accepts connections on `listener`, a fiber each; returns the Errno that stopped it. */
  serve(listener: i32): i32 {
    while (true) {
      let conn = accept(listener);
      if (conn < 0) {
        if (conn == Errno.EMFILE || conn == Errno.ENFILE || conn == Errno.ECONNABORTED) continue;
        return conn;
      }
      spawnWith(watchConnection, new Connection(this, conn));
    }
  }

  /** @internal the handler for `path`, or null. */
  route(path: string): Handler | null {
    for (let i = 0; i < this.routes.length; i++) {
      let route = unchecked(this.routes[i]);
      let p = route.pattern;
      if (p == path) return route.handler;
      if (p.charCodeAt(p.length - 1) == 0x2f && path.startsWith(p)) return route.handler;
    }
    return null;
  }
}

// ─── a connection ───────────────────────────────────────────────────────────────────────

/** Bytes read from the connection at a time (the buffer grows for larger heads and bodies). */
const READ_SIZE = 4096;

/** One connection's state: its buffers are reused from request to request. */
class Connection {
  input: Uint8Array = new Uint8Array(READ_SIZE);
  /** Unparsed input is input[start, end). */
  start: i32 = 0;
  end: i32 = 0;
  output: ByteBuffer = new ByteBuffer(512);
  request: Request = new Request();
  response: ResponseWriter = new ResponseWriter();
  /** True from a parsed request until its response is sent (a failure then owes a 500). */
  inRequest: bool = false;
  constructor(
    public server: HttpServer,
    public handle: i32,
  ) {}
}

/** Why a request could not be served: a status and a reason (the body of the answer). */
class Refusal {
  constructor(
    public status: i32,
    public reason: string,
  ) {}
}

/**
 * Serves the connection in a fiber of its own and outlives it: if that fiber fails (a
 * handler trapped or aborted), the client still gets its answer, a 500, and the
 * connection is closed. One watcher per connection, so requests themselves cost no
 * extra fiber.
 */
function watchConnection(c: Connection): void {
  let serving = spawnWith(serveConnection, c);
  if (serving.join() === null) return;
  if (c.inRequest) {
    let res = c.response;
    res.reset();
    res.status = 500;
    res.write("internal server error\n");
    c.server.requests++;
    send(c, c.request, res, false);
  }
  close(c.handle);
}

function serveConnection(c: Connection): void {
  let server = c.server;
  while (true) {
    // the head of the next request, within the idle timeout
    let previous = setDeadline(now() + server.idleTimeoutMs);
    let headEnd = readHead(c);
    setDeadline(previous);
    if (headEnd < 0) break; // closed, idle, failed, or refused (answered)
    let req = c.request;
    let refusal = parseHead(c, headEnd, req);
    let keepAlive = false;
    if (refusal === null) {
      keepAlive = wantsKeepAlive(req);
      refusal = readBody(c, headEnd, req);
    }
    if (refusal !== null) {
      refuse(c, refusal);
      break;
    }
    let res = c.response;
    res.reset();
    let handler = server.route(req.path);
    c.inRequest = true;
    if (handler === null) {
      res.status = 404;
      res.write("404 page not found\n");
    } else {
      handler(res, req);
    }
    server.requests++;
    let sent = send(c, req, res, keepAlive);
    c.inRequest = false;
    if (!sent || !keepAlive) break;
  }
  close(c.handle);
}

/**
 * Reads until input[start, end) holds a whole head (through CRLF CRLF); returns the index
 * after it, or -1 if the connection ended, failed, idled out or sent too large a head
 * (answered 431).
 */
function readHead(c: Connection): i32 {
  let scanFrom = c.start;
  while (true) {
    let at = findHeadEnd(c.input, scanFrom, c.end);
    if (at >= 0 && at - c.start <= c.server.maxHeaderBytes) return at;
    if ((at >= 0 ? at : c.end) - c.start > c.server.maxHeaderBytes) {
      refuse(c, new Refusal(431, "request header fields too large"));
      return -1;
    }
    scanFrom = max(c.start, c.end - 3);
    let shift = c.start;
    makeRoom(c, READ_SIZE);
    scanFrom -= shift;
    let n = read(c.handle, c.input, c.end);
    if (n <= 0) return -1; // end of stream (a client closing between requests), timeout, reset
    c.end += n;
  }
}

/** Moves unparsed input to the front and makes room for `want` more bytes. */
function makeRoom(c: Connection, want: i32): void {
  if (c.start > 0) {
    if (c.start < c.end) c.input.copyWithin(0, c.start, c.end);
    c.end -= c.start;
    c.start = 0;
  }
  if (c.input.length - c.end >= want) return;
  let size = c.input.length;
  while (size - c.end < want) size *= 2;
  let bigger = new Uint8Array(size);
  memory.copy(bigger.dataStart, c.input.dataStart, c.end);
  c.input = bigger;
}

/** Index after the first CRLF CRLF in input[from, to), or -1. */
function findHeadEnd(input: Uint8Array, from: i32, to: i32): i32 {
  let base = input.dataStart;
  for (let i = from; i + 3 < to; i++) {
    if (load<u8>(base + <usize>i) == 0x0d && load<u32>(base + <usize>i) == 0x0a0d0a0d) return i + 4;
  }
  return -1;
}

/** Parses input[start, headEnd) into `req`; returns null, or why the request is refused. */
function parseHead(c: Connection, headEnd: i32, req: Request): Refusal | null {
  let base = c.input.dataStart;
  let p = c.start;
  let lineEnd = findCrlf(base, p, headEnd);
  // request line: method SP target SP version
  let sp1 = p;
  while (sp1 < lineEnd && isTokenChar(load<u8>(base + <usize>sp1))) sp1++;
  if (sp1 == p || sp1 >= lineEnd || load<u8>(base + <usize>sp1) != 0x20) return new Refusal(400, "malformed request line");
  let sp2 = sp1 + 1;
  while (sp2 < lineEnd && load<u8>(base + <usize>sp2) > 0x20 && load<u8>(base + <usize>sp2) < 0x7f) sp2++;
  if (sp2 == sp1 + 1 || sp2 >= lineEnd || load<u8>(base + <usize>sp2) != 0x20) return new Refusal(400, "malformed request target");
  if (load<u8>(base + <usize>sp1 + 1) != 0x2f && !(sp2 == sp1 + 2 && load<u8>(base + <usize>sp1 + 1) == 0x2a)) {
    return new Refusal(400, "request target must be a path");
  }
  // HTTP-version = "HTTP/" DIGIT "." DIGIT
  let v0 = base + <usize>sp2 + 1;
  if (lineEnd - sp2 - 1 != 8 || !bytesEqual(v0, "HTTP/") || !isDigit(load<u8>(v0 + 5)) || load<u8>(v0 + 6) != 0x2e || !isDigit(load<u8>(v0 + 7))) {
    return new Refusal(400, "malformed HTTP version");
  }
  let minor = load<u8>(v0 + 7);
  if (load<u8>(v0 + 5) != 0x31 || (minor != 0x31 && minor != 0x30)) return new Refusal(505, "HTTP version not supported");
  req.version = minor == 0x31 ? "HTTP/1.1" : "HTTP/1.0";
  req.method = methodName(base + <usize>p, sp1 - p);
  let q = sp1 + 1;
  while (q < sp2 && load<u8>(base + <usize>q) != 0x3f) q++;
  req.path = String.UTF8.decodeUnsafe(base + <usize>sp1 + 1, <usize>(q - sp1 - 1));
  req.query = q < sp2 ? String.UTF8.decodeUnsafe(base + <usize>q + 1, <usize>(sp2 - q - 1)) : "";
  // header fields: name ":" OWS value OWS CRLF
  req.headers.length = 0;
  let contentLength: i64 = -1;
  let hasHost = false;
  p = lineEnd + 2;
  while (p < headEnd - 2) {
    lineEnd = findCrlf(base, p, headEnd);
    let colon = p;
    while (colon < lineEnd && isTokenChar(load<u8>(base + <usize>colon))) colon++;
    if (colon == p || colon >= lineEnd || load<u8>(base + <usize>colon) != 0x3a) return new Refusal(400, "malformed header field");
    let v = colon + 1;
    while (v < lineEnd && isBlank(load<u8>(base + <usize>v))) v++;
    let ve = lineEnd;
    while (ve > v && isBlank(load<u8>(base + <usize>ve - 1))) ve--;
    for (let i = v; i < ve; i++) {
      let b = load<u8>(base + <usize>i);
      if ((b < 0x20 && b != 0x09) || b == 0x7f) return new Refusal(400, "control character in a header value");
    }
    let nameLen = colon - p;
    let namePtr = base + <usize>p;
    if (nameLen == 14 && lowerEquals(namePtr, "content-length")) {
      let value = parseLength(base + <usize>v, ve - v);
      if (value < 0) return new Refusal(400, "malformed Content-Length");
      if (contentLength >= 0 && contentLength != value) return new Refusal(400, "conflicting Content-Length headers");
      contentLength = value;
    } else if (nameLen == 17 && lowerEquals(namePtr, "transfer-encoding")) {
      return new Refusal(501, "Transfer-Encoding is not implemented (send a Content-Length)");
    } else if (nameLen == 4 && lowerEquals(namePtr, "host")) {
      hasHost = true;
    }
    req.headers.push(new Header(String.UTF8.decodeUnsafe(namePtr, <usize>nameLen), String.UTF8.decodeUnsafe(base + <usize>v, <usize>(ve - v))));
    p = lineEnd + 2;
  }
  if (!hasHost && minor == 0x31) return new Refusal(400, "missing Host header");
  if (contentLength > <i64>c.server.maxBodyBytes) return new Refusal(413, "request body too large");
  req.body = contentLength > 0 ? new Uint8Array(<i32>contentLength) : EMPTY;
  return null;
}

const EMPTY = new Uint8Array(0);

/** Reads the body (`req.body` has its size) after the head; the next request starts after it. */
function readBody(c: Connection, headEnd: i32, req: Request): Refusal | null {
  let want = req.body.length;
  let have = min(c.end - headEnd, want);
  if (have > 0) memory.copy(req.body.dataStart, c.input.dataStart + <usize>headEnd, have);
  c.start = headEnd + have;
  while (have < want) {
    let n = read(c.handle, req.body, have);
    if (n <= 0) return new Refusal(400, "incomplete body: " + (n == 0 ? "the connection ended" : errorName(n)));
    have += n;
  }
  return null;
}

/** Answers with an error status and closes (the caller closes after this). */
function refuse(c: Connection, refusal: Refusal): void {
  let res = c.response;
  res.reset();
  res.status = refusal.status;
  res.write(refusal.reason + "\n");
  c.server.requests++;
  send(c, null, res, false);
}

/** Writes the response; false if the connection failed. */
function send(c: Connection, req: Request | null, res: ResponseWriter, keepAlive: bool): bool {
  let out = c.output;
  out.length = 0;
  out.appendString("HTTP/1.1 ");
  out.appendInt(res.status);
  out.appendByte(0x20);
  out.appendString(statusText(res.status));
  out.appendCrlf();
  let hasType = false;
  for (let i = 0; i < res.headers.length; i++) {
    let h = unchecked(res.headers[i]);
    if (equalsIgnoreCase(h.name, "Content-Length") || equalsIgnoreCase(h.name, "Connection") || equalsIgnoreCase(h.name, "Date")) continue;
    if (equalsIgnoreCase(h.name, "Content-Type")) hasType = true;
    out.appendString(h.name);
    out.appendByte(0x3a);
    out.appendByte(0x20);
    out.appendString(h.value);
    out.appendCrlf();
  }
  let bodyLen = res.body.length;
  if (!hasType && bodyLen > 0) out.appendString("Content-Type: text/plain; charset=utf-8\r\n");
  out.appendString("Content-Length: ");
  out.appendInt(bodyLen);
  out.appendCrlf();
  out.appendString("Date: ");
  out.appendString(httpDate());
  out.appendCrlf();
  if (!keepAlive) out.appendString("Connection: close\r\n");
  else if (req !== null && req.version == "HTTP/1.0") out.appendString("Connection: keep-alive\r\n");
  out.appendCrlf();
  if (req === null || req.method != "HEAD") out.appendBytes(res.body.data.dataStart, bodyLen);
  return write(c.handle, out.data, 0, out.length) >= 0;
}

// ─── small helpers ──────────────────────────────────────────────────────────────────────

let dateSecond: i64 = -1;
let dateText: string = "";

/** The Date header's value, formatted once per second. */
function httpDate(): string {
  let ms = Date.now();
  let second = ms / 1000;
  if (second != dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

function statusText(status: i32): string {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Content Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Status";
}

/** The method as a string; the common ones without an allocation. */
function methodName(ptr: usize, len: i32): string {
  if (len == 3 && bytesEqual(ptr, "GET")) return "GET";
  if (len == 4 && bytesEqual(ptr, "POST")) return "POST";
  if (len == 4 && bytesEqual(ptr, "HEAD")) return "HEAD";
  if (len == 3 && bytesEqual(ptr, "PUT")) return "PUT";
  if (len == 6 && bytesEqual(ptr, "DELETE")) return "DELETE";
  return String.UTF8.decodeUnsafe(ptr, <usize>len);
}

/** Index of the CRLF at or after `from` (there is one before `headEnd`). */
function findCrlf(base: usize, from: i32, headEnd: i32): i32 {
  let i = from;
  while (i < headEnd - 1 && !(load<u8>(base + <usize>i) == 0x0d && load<u8>(base + <usize>i + 1) == 0x0a)) i++;
  return i;
}

/** RFC 9110 tchar. */
function isTokenChar(b: u8): bool {
  if (b >= 0x61 && b <= 0x7a) return true; // a-z
  if (b >= 0x41 && b <= 0x5a) return true; // A-Z
  if (b >= 0x30 && b <= 0x39) return true; // 0-9
  switch (b) {
    case 0x21: case 0x23: case 0x24: case 0x25: case 0x26: case 0x27: case 0x2a: case 0x2b:
    case 0x2d: case 0x2e: case 0x5e: case 0x5f: case 0x60: case 0x7c: case 0x7e:
      return true;
  }
  return false;
}

function isDigit(b: u8): bool {
  return b >= 0x30 && b <= 0x39;
}

function isBlank(b: u8): bool {
  return b == 0x20 || b == 0x09;
}

/** True if the bytes at `ptr` are the ASCII `text`. */
function bytesEqual(ptr: usize, text: string): bool {
  for (let i = 0; i < text.length; i++) {
    if (<i32>load<u8>(ptr + <usize>i) != text.charCodeAt(i)) return false;
  }
  return true;
}

/** True if the bytes at `ptr`, lowercased, are the lowercase ASCII `lower`. */
function lowerEquals(ptr: usize, lower: string): bool {
  for (let i = 0; i < lower.length; i++) {
    let b = <i32>load<u8>(ptr + <usize>i);
    if (b >= 0x41 && b <= 0x5a) b += 0x20;
    if (b != lower.charCodeAt(i)) return false;
  }
  return true;
}

function equalsIgnoreCase(a: string, b: string): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x >= 0x41 && x <= 0x5a) x += 0x20;
    if (y >= 0x41 && y <= 0x5a) y += 0x20;
    if (x != y) return false;
  }
  return true;
}

/** A Content-Length value: digits only; -1 if malformed or absurdly large. */
function parseLength(ptr: usize, len: i32): i64 {
  if (len == 0 || len > 15) return -1;
  let n: i64 = 0;
  for (let i = 0; i < len; i++) {
    let b = load<u8>(ptr + <usize>i);
    if (b < 0x30 || b > 0x39) return -1;
    n = n * 10 + <i64>(b - 0x30);
  }
  return n;
}

/** True if the connection stays open after this request. */
function wantsKeepAlive(req: Request): bool {
  let connection = req.header("connection");
  if (req.version == "HTTP/1.1") return connection === null || !hasToken(connection, "close");
  return connection !== null && hasToken(connection, "keep-alive");
}

/** True if the comma-separated `list` holds `token` (any case). */
function hasToken(list: string, token: string): bool {
  let parts = list.split(",");
  for (let i = 0; i < parts.length; i++) {
    if (equalsIgnoreCase(parts[i].trim(), token)) return true;
  }
  return false;
}

/** A growable byte buffer for building responses. */
export class ByteBuffer {
  data: Uint8Array;
  length: i32 = 0;

  constructor(capacity: i32) {
    this.data = new Uint8Array(capacity);
  }

  /** Room for `extra` more bytes. */
  reserve(extra: i32): void {
    let need = this.length + extra;
    if (need <= this.data.length) return;
    let size = this.data.length * 2;
    while (size < need) size *= 2;
    let bigger = new Uint8Array(size);
    memory.copy(bigger.dataStart, this.data.dataStart, this.length);
    this.data = bigger;
  }

  appendByte(b: u8): void {
    this.reserve(1);
    store<u8>(this.data.dataStart + <usize>this.length, b);
    this.length++;
  }

  appendCrlf(): void {
    this.reserve(2);
    store<u16>(this.data.dataStart + <usize>this.length, 0x0a0d);
    this.length += 2;
  }

  appendBytes(ptr: usize, len: i32): void {
    this.reserve(len);
    memory.copy(this.data.dataStart + <usize>this.length, ptr, len);
    this.length += len;
  }

  /** Appends `text` as UTF-8 (ASCII byte by byte, anything else through the encoder). */
  appendString(text: string): void {
    let n = text.length;
    this.reserve(n);
    let dst = this.data.dataStart + <usize>this.length;
    let src = changetype<usize>(text);
    for (let i = 0; i < n; i++) {
      let unit = load<u16>(src + (<usize>i << 1));
      if (unit >= 0x80) {
        let bytes = String.UTF8.byteLength(text);
        this.reserve(bytes);
        String.UTF8.encodeUnsafe(src, n, this.data.dataStart + <usize>this.length);
        this.length += bytes;
        return;
      }
      store<u8>(dst + <usize>i, <u8>unit);
    }
    this.length += n;
  }

  appendInt(value: i32): void {
    this.appendString(value.toString());
  }
}
