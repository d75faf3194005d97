// A local HTTP server for fetch-from-a-fiber tests (Node and Chromium alike), on loopback:
//   GET  /bytes?n=N&seed=S&pieces=P  N deterministic bytes (`testBytes`), written in P pieces
//   GET  /status/C                   an empty answer with status C
//   GET  /slow?ms=M                  "late" after M ms
//   POST /echo                       the request body reversed, as text/x-reversed, with
//                                    the X-Weft request header echoed back
// Every answer allows any origin, so a page served from another port may fetch it.

import http from "node:http";
import net, { type AddressInfo } from "node:net";

/** N bytes from seed S (xorshift32): what /bytes serves. */
export function testBytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 255;
  }
  return out;
}

/** FNV-1a of `bytes`, as the test programs compute it. */
export function fnv(bytes: Uint8Array): number {
  let hash = 2166136261;
  for (const b of bytes) hash = Math.imul(hash ^ b, 16777619) >>> 0;
  return hash;
}

export async function startTestServer(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Access-Control-Allow-Headers", "*");
    res.setHeader("Access-Control-Expose-Headers", "*");
    if (req.method === "OPTIONS") return void res.end();
    if (url.pathname === "/bytes") {
      const bytes = testBytes(Number(url.searchParams.get("n")), Number(url.searchParams.get("seed")));
      const pieces = Math.max(1, Number(url.searchParams.get("pieces") ?? 1));
      res.writeHead(200, { "Content-Type": "application/octet-stream" });
      const size = Math.ceil(bytes.length / pieces);
      for (let i = 0; i < bytes.length; i += size) {
        res.write(bytes.subarray(i, i + size));
        await new Promise((r) => setTimeout(r, 2));
      }
      return void res.end();
    }
    if (url.pathname === "/slow") {
      await new Promise((r) => setTimeout(r, Number(url.searchParams.get("ms"))));
      res.writeHead(200, { "Content-Type": "text/plain" });
      return void res.end("late");
    }
    const status = /^\/status\/(\d{3})$/.exec(url.pathname);
    if (status) {
      res.writeHead(Number(status[1]));
      return void res.end();
    }
    if (url.pathname === "/echo" && req.method === "POST") {
      let body = "";
      req.setEncoding("utf8");
      for await (const chunk of req) body += chunk;
      res.writeHead(200, { "Content-Type": "text/x-reversed; charset=utf-8", "X-Weft": String(req.headers["x-weft"] ?? "") });
      return void res.end([...body].reverse().join(""));
    }
    res.writeHead(404);
    res.end("no such test route");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A loopback port nothing listens on. */
export async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
