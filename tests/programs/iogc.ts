// Buffers shared with the host survive the garbage collector: 100 client fibers and
// their 100 echoing server fibers read into freshly allocated buffers while a churn fiber
// allocates garbage and runs full collections. Every byte must come back exactly.
import { spawn, spawnWith, sleep, WaitGroup } from "weft";
import { listen, accept, connect, read, write, close, localPort, errorName } from "weft/io";

const CLIENTS = 100;
const ROUNDS = 20;
let port = 0;
let mismatches = 0;
let failures = 0;
let collections = 0;
let done = false;
const clients = new WaitGroup();

function byteOf(client: i32, round: i32, k: i32): u8 {
  return <u8>((client * 7 + round * 13 + k) & 0xff);
}

function echo(conn: i32): void {
  let size = 1;
  while (true) {
    // a new buffer for every read: only the pending call and this frame hold it
    const buf = new Uint8Array(size);
    size = size * 3 % 97 + 1;
    const n = read(conn, buf);
    if (n <= 0) break;
    if (write(conn, buf, 0, n) != n) break;
  }
  close(conn);
}

function client(id: i32): void {
  const conn = connect("127.0.0.1", port);
  if (conn < 0) {
    failures++;
    console.log("connect: " + errorName(conn));
    clients.done();
    return;
  }
  for (let round = 0; round < ROUNDS; round++) {
    const len = 100 + round * 13 + id;
    const msg = new Uint8Array(len);
    for (let k = 0; k < len; k++) msg[k] = byteOf(id, round, k);
    if (write(conn, msg) != len) failures++;
    let got = 0;
    while (got < len) {
      const piece = new Uint8Array(min(len - got, 37 + id));
      const n = read(conn, piece);
      if (n <= 0) {
        failures++;
        break;
      }
      for (let k = 0; k < n; k++) if (piece[k] != byteOf(id, round, got + k)) mismatches++;
      got += n;
    }
  }
  close(conn);
  clients.done();
}

function churn(): void {
  while (!done) {
    let junk = new Array<Uint8Array>();
    for (let i = 0; i < 200; i++) junk.push(new Uint8Array(64 + i));
    junk = [];
    __collect();
    collections++;
    sleep(1);
  }
}

export function main(): void {
  const server = listen("127.0.0.1", 0);
  port = localPort(server);
  spawn(churn, "churn");
  clients.add(CLIENTS);
  for (let i = 0; i < CLIENTS; i++) spawnWith(client, i);
  for (let i = 0; i < CLIENTS; i++) spawnWith(echo, accept(server));
  clients.wait();
  done = true;
  close(server);
  console.log("clients " + CLIENTS.toString() + ", rounds " + ROUNDS.toString() + ", mismatches " + mismatches.toString() + ", failures " + failures.toString());
  console.log(collections > 0 ? "collected while reads were pending" : "no collection ran");
}
