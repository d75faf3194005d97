// index.ts: weft/io on Node. Implements the `weft_io` imports (assembly/io/host.ts) over
// a table of handles: the small integers the program's fibers hold.
//
//   const io = new NodeIo({ args: ["--port", "8080"] });
//   const program = await WeftProgram.load(bytes, { imports: io.imports });
//   io.attach(program);
//   await program.runAsync();
//   io.closeAll();                      // servers and connections the program left open
//
// `loadFile`/`runFile` (../run.ts) do this for `weft run`.
//
// The handle table. 0, 1 and 2 are the process's standard streams (or the streams given
// in the options); every other handle is numbered from 3 up and never reused while the
// program runs, so a stale handle gives EBADF instead of reaching a newer file or socket.
// A handle of the wrong kind for a call (accept on a file, a read of a server) is EBADF too.
//
// Calls in flight. Every `..._start` import registers its token; the resource completes it
// through `settle` exactly once. A fiber that stops waiting (deadline, cancellation) calls
// `cancel`: the resource withdraws the request if it still can (a read or accept not yet
// served) or notes that its result is unwanted (work under way), and the call is
// completed at once with ECANCELED; the resource's own completion later is ignored. A
// completion asked for while wasm runs (inside an import) is deferred to a microtask:
// wasm is never re-entered.

import net from "node:net";
import type { Readable, Writable } from "node:stream";
import type { WeftProgram } from "../../runtime.js";
import { readString } from "../../abi.js";
import { type IoHost } from "./host.js";
import { type IoFailure, ERRNO, errnoOf } from "./errno.js";
import { StreamReader } from "./reader.js";
import { StreamWriter } from "./writer.js";
import { FileHandle, openFile, statPath } from "./files.js";
import { Connection, Server, listenTcp, connectTcp } from "./net.js";

export { ERRNO, type IoFailure } from "./errno.js";

/** How a program's I/O is set up. */
export interface NodeIoOptions {
  /** The program's arguments (`args()` in weft/io). */
  args?: string[];
  /** Handle 0. Default: process.stdin. */
  stdin?: Readable;
  /** Handle 1. Default: process.stdout. */
  stdout?: Writable;
  /** Handle 2. Default: process.stderr. */
  stderr?: Writable;
  /**
   * Bytes a connection (or stdin) buffers while no fiber reads it before it is paused
   * (TCP's flow control then holds the peer back). Default 64 KiB.
   */
  readHighWater?: number;
}

/** A readable and writable handle: a connection, or a standard stream. */
class Stream {
  constructor(
    readonly reader: StreamReader | null,
    readonly writer: StreamWriter | null,
    readonly connection: Connection | null = null,
  ) {}
}

type Resource = Stream | FileHandle | Server;

/** The `weft_io` imports of one program, and the resources it holds. */
export class NodeIo implements IoHost {
  /** Pass as `RuntimeOptions.imports` (merged with any of your own). */
  readonly imports: { weft_io: Record<string, (...args: number[]) => number | void> };
  private program: WeftProgram | null = null;
  private readonly handles = new Map<number, Resource>();
  private nextHandle = 3;
  /** Calls in flight: token → how to withdraw it. */
  private readonly inFlight = new Map<number, () => void>();
  /** > 0 while an import runs (wasm is on the stack). */
  private depth = 0;
  /** The message of the latest failure returned synchronously (`error_message`). */
  private lastMessage = "";
  private readonly args: string[];
  private readonly highWater: number;
  private readonly options: NodeIoOptions;
  /** Standard streams the program has not used yet (made on first use: touching process.stdin has effects). */
  private readonly unopened = new Set([0, 1, 2]);
  private closedAll = false;
  /** Connections closed by the program whose written bytes are still going out. */
  private readonly closing = new Set<Connection>();

  constructor(options: NodeIoOptions = {}) {
    this.options = options;
    this.args = options.args ?? [];
    this.highWater = options.readHighWater ?? 64 * 1024;
    this.imports = { weft_io: this.makeImports() };
  }

  /** Binds the loaded program whose calls this completes. */
  attach(program: WeftProgram): void {
    this.program = program;
  }

  /** Closes every server and connection and stops reading stdin (the program ended). */
  closeAll(): void {
    if (this.closedAll) return;
    this.closedAll = true;
    for (const [handle, resource] of this.handles) {
      if (resource instanceof Server) resource.close();
      else if (resource instanceof FileHandle) resource.close();
      else if (resource.connection) resource.connection.destroy();
      else resource.reader?.stop();
      this.handles.delete(handle);
    }
    for (const connection of this.closing) connection.destroy();
    this.closing.clear();
    this.unopened.clear();
    this.inFlight.clear();
  }

  /** The resource of `handle`, making a standard stream on its first use. */
  private get(handle: number): Resource | undefined {
    if (handle <= 2 && this.unopened.delete(handle)) {
      const o = this.options;
      const stream =
        handle === 0
          ? new Stream(new StreamReader(this, o.stdin ?? process.stdin, this.highWater), null)
          : new Stream(null, new StreamWriter(this, handle === 1 ? (o.stdout ?? process.stdout) : (o.stderr ?? process.stderr), false));
      this.handles.set(handle, stream);
    }
    return this.handles.get(handle);
  }

  // ── IoHost ──

  memory(): ArrayBuffer {
    return this.program!.exports.memory.buffer;
  }

  settle(token: number, result: number | IoFailure): void {
    if (!this.inFlight.delete(token)) return; // cancelled before: its fiber has moved on
    if (this.depth > 0) {
      queueMicrotask(() => this.complete(token, result));
      return;
    }
    this.complete(token, result);
  }

  onCancel(token: number, cancel: () => void): void {
    if (this.inFlight.has(token)) this.inFlight.set(token, cancel);
  }

  private complete(token: number, result: number | IoFailure): void {
    const program = this.program!;
    if (typeof result === "number") program.complete(token, result);
    else program.completeError(token, result.code, result.message);
  }

  // ── the imports ──

  private makeImports(): Record<string, (...args: number[]) => number | void> {
    // every import runs with `depth` raised: a completion it causes waits for a microtask
    const sync =
      <A extends number[]>(fn: (...args: A) => number | IoFailure) =>
      (...args: A): number => {
        this.depth++;
        try {
          return this.answer(fn(...args));
        } catch (error) {
          return this.answer({ code: "EIO", message: `host error: ${(error as Error)?.message ?? error}` });
        } finally {
          this.depth--;
        }
      };
    const start =
      <A extends number[]>(fn: (token: number, ...args: A) => void) =>
      (token: number, ...args: A): void => {
        this.depth++;
        this.inFlight.set(token, () => {});
        try {
          fn(token, ...args);
        } catch (error) {
          this.settle(token, { code: "EIO", message: `host error: ${(error as Error)?.message ?? error}` });
        } finally {
          this.depth--;
        }
      };
    return {
      read: sync((h: number, ptr: number, len: number) => {
        const r = this.get(h);
        if (r instanceof FileHandle) return -ERRNO.EAGAIN; // files are read off the event loop
        if (!(r instanceof Stream) || !r.reader) return badHandle(h, "read", r);
        return r.reader.tryRead(ptr, len);
      }),
      read_start: start((token: number, h: number, ptr: number, len: number, position: number) => {
        const r = this.get(h);
        if (r instanceof FileHandle) return r.read(token, ptr, len, position);
        if (!(r instanceof Stream) || !r.reader) return this.settle(token, badHandle(h, "read", r));
        if (position >= 0) return this.settle(token, { code: "ESPIPE", message: `handle ${h} is a stream: it has no position to read at` });
        r.reader.startRead(token, ptr, len);
      }),
      write: sync((h: number, ptr: number, len: number, position: number) => {
        const r = this.get(h);
        if (r instanceof FileHandle) return -ERRNO.EAGAIN;
        if (!(r instanceof Stream) || !r.writer) return badHandle(h, "write", r);
        if (position >= 0) return { code: "ESPIPE", message: `handle ${h} is a stream: it has no position to write at` };
        return r.writer.tryWrite(ptr, len);
      }),
      write_start: start((token: number, h: number, ptr: number, len: number, position: number) => {
        const r = this.get(h);
        if (!(r instanceof FileHandle)) return this.settle(token, badHandle(h, "write", r));
        r.write(token, ptr, len, position);
      }),
      drain_start: start((token: number, h: number) => {
        const r = this.get(h);
        if (!(r instanceof Stream) || !r.writer) return this.settle(token, badHandle(h, "write", r));
        r.writer.startDrain(token);
      }),
      accept: sync((h: number) => {
        const r = this.get(h);
        if (!(r instanceof Server)) return badHandle(h, "accept", r);
        return r.tryAccept();
      }),
      accept_start: start((token: number, h: number) => {
        const r = this.get(h);
        if (!(r instanceof Server)) return this.settle(token, badHandle(h, "accept", r));
        r.startAccept(token);
      }),
      close: sync((h: number) => {
        const r = this.get(h);
        if (!r) return badHandle(h, "close", r);
        this.handles.delete(h);
        this.close(r);
        return 0;
      }),
      shutdown: sync((h: number) => {
        const r = this.get(h);
        if (!(r instanceof Stream) || !r.connection) return badHandle(h, "shutdown", r);
        r.connection.shutdown();
        return 0;
      }),
      local_port: sync((h: number) => {
        const r = this.get(h);
        if (r instanceof Server) return r.port;
        if (r instanceof Stream && r.connection) return r.connection.port;
        return badHandle(h, "localPort", r);
      }),
      open_start: start((token: number, path: number, flags: number, mode: number) => {
        openFile(this, token, this.text(path), this.text(flags), mode, (file) => this.add(file));
      }),
      stat_start: start((token: number, path: number, h: number, out: number) => {
        if (path) return statPath(this, token, this.text(path), out);
        const r = this.get(h);
        if (!(r instanceof FileHandle)) return this.settle(token, badHandle(h, "fstat", r));
        r.stat(token, out);
      }),
      listen_start: start((token: number, host: number, port: number, backlog: number) => {
        listenTcp(this, token, this.text(host), port, backlog, (server) =>
          this.add(new Server(this, server, (socket) => this.wrap(socket), (connection) => this.addConnection(connection))),
        );
      }),
      connect_start: start((token: number, host: number, port: number) => {
        connectTcp(this, token, this.text(host), port, (socket) => this.addConnection(this.wrap(socket)));
      }),
      cancel: (token: number): void => {
        const withdraw = this.inFlight.get(token);
        if (!withdraw) return;
        this.depth++;
        try {
          withdraw();
          this.settle(token, { code: "ECANCELED", message: "the fiber stopped waiting" });
        } finally {
          this.depth--;
        }
      },
      error_message: (ptr: number, capacity: number): number => {
        const text = this.lastMessage;
        const n = Math.min(text.length, capacity);
        const units = new Uint16Array(this.memory(), ptr, n);
        for (let i = 0; i < n; i++) units[i] = text.charCodeAt(i);
        return n;
      },
      args: (ptr: number, capacity: number): number => {
        const joined = this.args.map((a) => a + "\0").join("");
        if (capacity >= joined.length) {
          const units = new Uint16Array(this.memory(), ptr, joined.length);
          for (let i = 0; i < joined.length; i++) units[i] = joined.charCodeAt(i);
        }
        return joined.length;
      },
    };
  }

  /** A synchronous answer as the number the program gets; a failure's message is kept. */
  private answer(result: number | IoFailure): number {
    if (typeof result === "number") return result;
    this.lastMessage = result.message;
    return errnoOf(result);
  }

  private add(resource: Resource): number {
    const handle = this.nextHandle++;
    this.handles.set(handle, resource);
    return handle;
  }

  private addConnection(connection: Connection): number {
    return this.add(new Stream(connection.reader, connection.writer, connection));
  }

  /** Closes a resource whose handle the program closed. */
  private close(r: Resource): void {
    if (!(r instanceof Stream)) return r.close();
    const connection = r.connection;
    if (!connection) {
      // a standard stream: the handle closes, the process's stream stays
      r.reader?.close();
      r.writer?.close();
      return;
    }
    // its written bytes still go out; if the peer never takes them, the end of the program
    // must not wait for that (closeAll destroys what is still closing)
    this.closing.add(connection);
    connection.socket.once("close", () => this.closing.delete(connection));
    connection.close();
  }

  private wrap(socket: net.Socket): Connection {
    return new Connection(this, socket, this.highWater);
  }

  private text(ptr: number): string {
    return readString(this.program!.exports.memory, ptr) ?? "";
  }
}

/** EBADF for `call` on `handle`: not open, or (given `resource`) of the wrong kind. */
function badHandle(handle: number, call: string, resource?: Resource): IoFailure {
  if (!resource) return { code: "EBADF", message: `${call}: bad handle ${handle} (never opened, or closed)` };
  const kind = resource instanceof Server ? "a server" : resource instanceof FileHandle ? "a file" : resource.connection ? "a connection" : "a standard stream";
  return { code: "EBADF", message: `${call}: handle ${handle} is ${kind}, which cannot ${call}` };
}
