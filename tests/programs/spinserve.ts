// A TCP server answers while another fiber computes without ever yielding: preemption
// gives the event loop its turn, so the accepts and reads complete.
import { spawn } from "weft";
import { listen, accept, read, write, close, localPort } from "weft/io";

let spins: u64 = 0;

function hog(): void {
  while (true) spins++;
}

export function main(): void {
  spawn(hog, "hog");
  const server = listen("127.0.0.1", 0);
  console.log("port " + localPort(server).toString());
  for (let i = 0; i < 3; i++) {
    const conn = accept(server);
    const buf = new Uint8Array(64);
    const n = read(conn, buf);
    if (n > 0) write(conn, buf, 0, n);
    close(conn);
  }
  close(server);
  console.log("served 3, hog ran: " + (spins > 0 ? "yes" : "no"));
}
