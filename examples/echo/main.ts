// The TCP echo example: `npm run example:echo -- --port 7000`, then `nc 127.0.0.1 7000`.
// One fiber per connection sends back every byte it reads until the client closes.
// Flags: --host (default 127.0.0.1), --port (default 7000; 0 picks a free port),
// --buffer (bytes per read, default 4096).
import { spawnWith } from "weft";
import { listen, accept, read, write, close, localPort, errorName, lastError, Errno } from "weft/io";
import { intFlag, stringFlag } from "../flags";

let bufferSize = 4096;

function serve(conn: i32): void {
  const buf = new Uint8Array(bufferSize);
  while (true) {
    const n = read(conn, buf); // parks this fiber only
    if (n <= 0) break; // 0: the client closed; < 0: an error value (ECONNRESET, ...)
    if (write(conn, buf, 0, n) < 0) break; // parks while the client is not reading
  }
  close(conn);
}

export function main(): void {
  const host = stringFlag("--host", "127.0.0.1");
  const port = intFlag("--port", 7000);
  bufferSize = intFlag("--buffer", 4096);
  const server = listen(host, port);
  if (server < 0) throw new Error("echo: listen: " + errorName(server) + ": " + lastError());
  console.log("echo: listening on " + host + ":" + localPort(server).toString());
  while (true) {
    const conn = accept(server);
    if (conn < 0) {
      if (conn == Errno.EMFILE || conn == Errno.ENFILE) continue; // out of descriptors for now
      if (conn == Errno.EBADF) return; // the listener was closed: the host shuts us down
      throw new Error("echo: accept: " + errorName(conn) + ": " + lastError());
    }
    spawnWith(serve, conn);
  }
}
