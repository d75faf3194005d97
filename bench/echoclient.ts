// echoclient.ts: the client side of echo_10k_conns_ok (bench/net.ts), in a process of
// its own: `node echoclient.js <port> <connections>`.
//
// Opens the connections (at most CONNECTING at a time, so the server's accept queue is
// not overrun), sends a distinct message on each, and waits until each has come back in
// full. No connection is closed before all have been echoed: at the end every one of them
// is open at once. Prints one JSON line: connections, echoed, openAtEnd, failures (by
// error code), ms. Gives up after LIMIT_MS.
import net from "node:net";

const port = Number(process.argv[2]);
const total = Number(process.argv[3] ?? 10_000);
const CONNECTING = 500;
const LIMIT_MS = 120_000;

const sockets: net.Socket[] = [];
const failures: Record<string, number> = {};
let echoed = 0;
let closedEarly = 0;
const t0 = performance.now();

function one(i: number): Promise<void> {
  return new Promise((resolve) => {
    const message = Buffer.from(`connection ${i} says hello ${Math.random().toString(36).slice(2)}\n`);
    let got = Buffer.alloc(0);
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        resolve();
      }
    };
    const socket = net.connect({ port, host: "127.0.0.1", noDelay: true }, () => socket.write(message));
    sockets.push(socket);
    socket.on("data", (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= message.length) {
        if (got.equals(message)) echoed++;
        else failures.mismatch = (failures.mismatch ?? 0) + 1;
        settle();
      }
    });
    socket.on("error", (e: NodeJS.ErrnoException) => {
      failures[e.code ?? "error"] = (failures[e.code ?? "error"] ?? 0) + 1;
      settle();
    });
    socket.on("close", () => {
      if (!settled) closedEarly++;
      settle();
    });
  });
}

async function main(): Promise<void> {
  const timer = setTimeout(() => {
    failures.timeout = total - echoed;
    report();
    process.exit(1);
  }, LIMIT_MS);
  let next = 0;
  const workers = Array.from({ length: CONNECTING }, async () => {
    while (next < total) await one(next++);
  });
  await Promise.all(workers);
  clearTimeout(timer);
  if (closedEarly) failures.closedEarly = closedEarly;
  report();
  for (const s of sockets) s.destroy();
}

function report(): void {
  const openAtEnd = sockets.filter((s) => !s.destroyed && s.readyState === "open").length;
  console.log(JSON.stringify({ connections: total, echoed, openAtEnd, failures, ms: performance.now() - t0 }));
}

void main();
