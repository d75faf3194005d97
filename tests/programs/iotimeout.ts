// Waits that end before the I/O does: a deadline (ETIMEDOUT), a cancelled scope
// (ECANCELED), a handle closed by another fiber (EBADF). The host withdraws the request,
// and no byte is lost to it.
import { spawnWith, Channel, Scope, now, setDeadline, yieldNow } from "weft";
import { listen, accept, connect, read, writeString, close, localPort, open, errorName, lastError, STDOUT, STDERR } from "weft/io";

const go = new Channel<i32>(1);

function client(port: i32): void {
  const c = connect("127.0.0.1", port);
  go.recv(); // wait until the server's timed-out read is over
  writeString(c, "first");
  go.recv(); // and until its cancelled read is over
  writeString(c, "second");
  go.recv();
  close(c);
}

function cancelledReader(conn: i32): void {
  const buf = new Uint8Array(64);
  const n = read(conn, buf);
  console.log("cancelled read: " + errorName(n) + " (" + lastError() + ")");
}

export function main(): void {
  const server = listen("127.0.0.1", 0);
  spawnWith(client, localPort(server));
  const conn = accept(server);
  const buf = new Uint8Array(64);

  // a read past the fiber's deadline
  let previous = setDeadline(now() + 20);
  let n = read(conn, buf);
  setDeadline(previous);
  console.log("read with a deadline: " + errorName(n) + " (" + lastError() + ")");
  go.send(1);
  n = read(conn, buf);
  console.log("next read: " + String.UTF8.decodeUnsafe(buf.dataStart, n));

  // a read in a scope that is cancelled
  const scope = new Scope();
  scope.spawnWith(cancelledReader, conn);
  yieldNow(); // the member runs and parks in its read
  scope.cancel();
  scope.wait();
  go.send(2);
  n = read(conn, buf);
  console.log("read after the cancelled one: " + String.UTF8.decodeUnsafe(buf.dataStart, n));

  // an accept past the deadline; then the server still accepts
  previous = setDeadline(now() + 10);
  const none = accept(server);
  setDeadline(previous);
  console.log("accept with a deadline: " + errorName(none));

  // a deadline already past: the call returns at once, the host's open is undone
  previous = setDeadline(now() - 1);
  const fd = open("/dev/null");
  setDeadline(previous);
  console.log("open past the deadline: " + errorName(fd));

  go.send(3);
  n = read(conn, buf);
  console.log("end of stream: " + n.toString());
  close(conn);

  // a read waiting on a handle that another fiber closes
  const other = connect("127.0.0.1", localPort(server));
  const mine = accept(server);
  spawnWith(closer, mine);
  n = read(mine, buf);
  console.log("read of a handle closed meanwhile: " + errorName(n) + " (" + lastError() + ")");
  close(other);
  close(server);

  // the standard streams are handles too
  writeString(STDOUT, "to stdout through handle 1\n");
  writeString(STDERR, "to stderr through handle 2\n");
}

function closer(conn: i32): void {
  close(conn);
}
