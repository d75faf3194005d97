// net.ts: TCP servers and connections on Node's `net`.
//
// A connection is a socket with a reader and a writer (reader.ts, writer.ts). Sockets are
// half-open capable (the peer's end of stream does not end ours: the fiber decides when to
// close) and have TCP_NODELAY set. A server queues the connections no fiber has accepted
// yet; each starts reading at once (up to the reader's high-water mark), so a client's
// first bytes are not held back by a busy accept loop.

import net from "node:net";
import { type IoHost, enqueue } from "./host.js";
import { type IoFailure, failureOf, ERRNO } from "./errno.js";
import { StreamReader } from "./reader.js";
import { StreamWriter } from "./writer.js";

/** A TCP connection. */
export class Connection {
  readonly reader: StreamReader;
  readonly writer: StreamWriter;

  constructor(
    host: IoHost,
    readonly socket: net.Socket,
    highWater: number,
  ) {
    socket.setNoDelay(true);
    this.reader = new StreamReader(host, socket, highWater);
    this.writer = new StreamWriter(host, socket, true);
    this.reader.start();
  }

  /** Local port, or 0 once closed. */
  get port(): number {
    return this.socket.localPort ?? 0;
  }

  /** Ends this side once the written bytes are out. */
  shutdown(): void {
    this.writer.end();
  }

  /** Closes the connection: written bytes still go out, then it closes; waiters get EBADF. */
  close(): void {
    this.reader.close();
    this.writer.close();
    this.socket.destroySoon();
  }

  /** Closes at once (the program ended). */
  destroy(): void {
    this.reader.stop();
    this.socket.destroy();
  }
}

/** A listening TCP server with its queue of connections not yet accepted. */
export class Server {
  private readonly queue: Connection[] = [];
  private readonly waiting: number[] = [];
  private closed = false;

  constructor(
    private readonly host: IoHost,
    readonly server: net.Server,
    /** Wraps a new socket (it starts reading at once). */
    private readonly wrap: (socket: net.Socket) => Connection,
    /** Makes an accepted connection a handle of the program. */
    private readonly register: (connection: Connection) => number,
  ) {
    server.on("connection", (socket) => this.onConnection(socket));
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === "object" && address ? address.port : 0;
  }

  /** The next queued connection's handle, or EAGAIN. */
  tryAccept(): number | IoFailure {
    if (this.closed) return { code: "EBADF", message: "accept on a closed server" };
    const connection = this.queue.shift();
    return connection ? this.register(connection) : -ERRNO.EAGAIN;
  }

  /** Parks an accept until a client connects. */
  startAccept(token: number): void {
    const now = this.tryAccept();
    if (now !== -ERRNO.EAGAIN) return this.host.settle(token, now);
    enqueue(this.host, this.waiting, token, token);
  }

  /** Stops listening; waiting accepts get EBADF, connections not yet accepted are closed. */
  close(): void {
    this.closed = true;
    this.server.close();
    for (const token of this.waiting.splice(0)) this.host.settle(token, { code: "EBADF", message: "the server was closed while an accept waited" });
    for (const connection of this.queue.splice(0)) connection.destroy();
  }

  private onConnection(socket: net.Socket): void {
    if (this.closed) return void socket.destroy();
    const connection = this.wrap(socket);
    const token = this.waiting.shift();
    if (token !== undefined) this.host.settle(token, this.register(connection));
    else this.queue.push(connection);
  }
}

/** Starts listening on host:port; completes `token` with the server's handle. */
export function listenTcp(host: IoHost, token: number, address: string, port: number, backlog: number, register: (server: net.Server) => number): void {
  const server = net.createServer({ allowHalfOpen: true, noDelay: true });
  let abandoned = false;
  host.onCancel(token, () => (abandoned = true));
  const onError = (error: Error) => host.settle(token, failureOf(error));
  server.once("error", onError);
  try {
    server.listen({ host: address, port, backlog }, () => {
      server.off("error", onError);
      // later server errors (rare: accept failing for want of descriptors) are not fatal
      server.on("error", () => {});
      if (abandoned) return server.close(() => host.settle(token, 0));
      host.settle(token, register(server));
    });
  } catch (error) {
    host.settle(token, failureOf(error));
  }
}

/** Connects to host:port; completes `token` with the connection's handle. */
export function connectTcp(host: IoHost, token: number, address: string, port: number, register: (socket: net.Socket) => number): void {
  let abandoned = false;
  let socket: net.Socket;
  try {
    socket = net.connect({ host: address, port, allowHalfOpen: true, noDelay: true });
  } catch (error) {
    return host.settle(token, failureOf(error));
  }
  host.onCancel(token, () => {
    abandoned = true;
    socket.destroy();
  });
  const onError = (error: Error) => host.settle(token, failureOf(error));
  socket.once("error", onError);
  socket.once("connect", () => {
    socket.off("error", onError);
    if (abandoned) return socket.destroy();
    host.settle(token, register(socket));
  });
}
