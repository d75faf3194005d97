// Bad input to weft/io: every case is an error value the fiber inspects, and the program
// goes on. Arguments: a scratch directory, the path of a file larger than MAX_IO_SIZE.
import { spawn, spawnWith, sleep, Channel } from "weft";
import {
  open, read, write, writeString, close, readFile, readTextFile, stat, listen, accept, connect, localPort, shutdown,
  errorName, lastError, lastErrno, MAX_IO_SIZE, args, Errno,
} from "weft/io";

function show(what: string, result: i32): void {
  console.log(what + ": " + (result >= 0 ? "ok " + result.toString() : errorName(result) + " (" + lastError() + ")"));
}

const port = new Channel<i32>(1);
const serverSaw = new Channel<string>(1);

/** Accepts one connection whose client closes at once, then writes to it until that fails. */
function writer(server: i32): void {
  const conn = accept(server);
  const buf = new Uint8Array(16);
  const n = read(conn, buf); // the client's end of stream
  const chunk = new Uint8Array(1024);
  let result = 0;
  let writes = 0;
  // the first writes may still be taken by the kernel; the peer's reset makes a later one fail
  while (writes < 200) {
    result = write(conn, chunk);
    writes++;
    if (result < 0) break;
    sleep(5);
  }
  serverSaw.send("read " + n.toString() + ", then write failed: " + errorName(result));
  // the handle is still ours until closed; after close it is gone
  close(conn);
  show("write after close", write(conn, chunk));
}

export function main(): void {
  const dir = args()[0];
  const huge = args()[1];

  // files
  show("open missing", open(dir + "/missing.txt"));
  const missing = readFile(dir + "/missing.txt");
  console.log("readFile missing: " + (missing === null ? "null " + errorName(lastErrno()) : "data"));
  console.log("stat missing: " + (stat(dir + "/missing.txt") === null ? "null " + errorName(lastErrno()) : "stat"));
  show("open a directory for writing", open(dir, "w"));
  show("open with bad flags", open(dir + "/x.txt", "nonsense"));

  // handles
  show("read invalid handle", read(12345, new Uint8Array(4)));
  show("write invalid handle", write(-1, new Uint8Array(4)));
  show("close invalid handle", close(777));
  const fd = open(dir + "/small.txt", "w");
  writeString(fd, "0123456789");
  show("close", close(fd));
  show("close again", close(fd));
  show("read closed handle", read(fd, new Uint8Array(4)));
  show("accept on a file", accept(open(dir + "/small.txt")));

  // oversized requests
  const small = open(dir + "/small.txt");
  show("read beyond the buffer", read(small, new Uint8Array(16), 0, 1 << 20));
  show("read at an offset outside the buffer", read(small, new Uint8Array(16), 17));
  show("read over MAX_IO_SIZE", read(small, new Uint8Array(16), 0, MAX_IO_SIZE + 1));
  const hugeData = readFile(huge);
  console.log("readFile of a file over MAX_IO_SIZE: " + (hugeData === null ? "null " + errorName(lastErrno()) : "data"));
  show("read still works", read(small, new Uint8Array(16)));
  close(small);

  // network
  const probe = listen("127.0.0.1", 0);
  const freePort = localPort(probe);
  close(probe);
  show("connect to a closed port", connect("127.0.0.1", freePort));
  show("listen on a bad port", listen("127.0.0.1", 70000));
  const server = listen("127.0.0.1", 0);
  show("listen on a port in use", listen("127.0.0.1", localPort(server)));
  show("read from a server handle", read(server, new Uint8Array(4)));
  spawnWith(writer, server);
  const client = connect("127.0.0.1", localPort(server));
  close(client); // the peer goes away at once
  console.log("write to a closed socket: " + serverSaw.recv());

  // a connection reset in the middle of a read: the test resets it from outside
  const resets = listen("127.0.0.1", 0);
  console.log("reset server on " + localPort(resets).toString());
  const conn = accept(resets);
  const buf = new Uint8Array(64);
  const first = read(conn, buf);
  console.log("got " + String.UTF8.decodeUnsafe(buf.dataStart, first));
  show("read after the reset", read(conn, buf));
  show("write after the reset", write(conn, buf, 0, 4));
  close(conn);

  // a half-closed connection: shutdown ends writing only
  const half = listen("127.0.0.1", 0);
  spawnWith(halfPeer, localPort(half));
  const peer = accept(half);
  show("shutdown", shutdown(peer));
  show("write after shutdown", write(peer, buf, 0, 4));
  const n = read(peer, buf);
  console.log("read after shutdown: " + String.UTF8.decodeUnsafe(buf.dataStart, n));
  close(peer);
  close(half);
  close(server);
  close(resets);

  // and the runtime goes on
  const done = new Channel<i32>(1);
  spawn(ping);
  sleep(1);
  console.log("still running: " + pinged.toString());
}

let pinged = 0;
function ping(): void {
  pinged = 42;
}

/** Reads until this side's shutdown arrives (end of stream), then answers. */
function halfPeer(p: i32): void {
  const c = connect("127.0.0.1", p);
  const buf = new Uint8Array(16);
  while (read(c, buf) > 0) {}
  writeString(c, "answer after end");
  close(c);
}
