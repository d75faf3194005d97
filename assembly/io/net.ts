// net.ts: TCP. A server handle accepts connections; a connection handle reads and writes
// through the handle calls (stream.ts) and closes with `close`.
//
//   const server = listen("127.0.0.1", 8080);
//   if (server < 0) { console.log("listen: " + errorName(server)); return; }
//   for (;;) {
//     const conn = accept(server);            // parks this fiber until a client connects
//     if (conn < 0) break;
//     spawnWith(serve, conn);                 // a fiber per connection
//   }
//
// Connections have TCP_NODELAY set (requests and replies go out at once) and are
// half-open capable: when the peer shuts its side down, `read` returns 0 and writing
// still works until this side closes. `shutdown` is the way to send end-of-stream while
// still reading.

import { HostCall } from "../hostcall";
import { Errno, fail } from "./errors";
import { hostAccept, hostAcceptStart, hostConnectStart, hostListenStart, hostLocalPort, hostShutdown, syncFailure, finish } from "./host";

function checkPort(port: i32, lowest: i32): i32 {
  if (port < lowest || port > 65535) return fail(Errno.EINVAL, "port " + port.toString() + " is outside " + lowest.toString() + "..65535");
  return 0;
}

/**
 * Listens for TCP connections on `host`:`port` (port 0: any free port, see `localPort`);
 * returns a server handle or a negative Errno (EADDRINUSE, EACCES, ...). `backlog` bounds
 * the kernel's queue of connections not yet accepted.
 */
export function listen(host: string, port: i32, backlog: i32 = 511): i32 {
  let bad = checkPort(port, 0);
  if (bad < 0) return bad;
  let call = new HostCall("listen");
  hostListenStart(call.token, changetype<usize>(host), port, backlog);
  return finish(call);
}

/**
 * Waits for the next connection to `server`; returns its handle, or a negative Errno
 * (EBADF once the server is closed).
 */
export function accept(server: i32): i32 {
  let r = hostAccept(server);
  if (r != Errno.EAGAIN) return r >= 0 ? r : syncFailure(r);
  let call = new HostCall("accept");
  hostAcceptStart(call.token, server);
  return finish(call);
}

/**
 * Connects to `host`:`port`; returns the connection's handle, or a negative Errno
 * (ECONNREFUSED, ENOTFOUND, ETIMEDOUT past the fiber's deadline, ...).
 */
export function connect(host: string, port: i32): i32 {
  let bad = checkPort(port, 1);
  if (bad < 0) return bad;
  let call = new HostCall("connect");
  hostConnectStart(call.token, changetype<usize>(host), port);
  return finish(call);
}

/** The local port of a server or connection handle, or a negative Errno. */
export function localPort(handle: i32): i32 {
  let r = hostLocalPort(handle);
  return r >= 0 ? r : syncFailure(r);
}

/**
 * Ends this side of connection `handle` (TCP FIN) once its written bytes are out; reading
 * goes on until the peer ends too. Later writes give ENOTCONN. Returns 0 or an Errno.
 */
export function shutdown(handle: i32): i32 {
  let r = hostShutdown(handle);
  return r >= 0 ? r : syncFailure(r);
}
