// The edge handler example served by real edge runtimes (devDependencies whose npm
// packages ship the binaries): Cloudflare's workerd, whose request model ties every timer
// and Promise to one request, so the handler must not depend on a pump that belongs to
// another request, nor touch a stream another request made (examples/edge/worker.ts); and
// `deno serve`. Under each, 200 concurrent sleeping requests and 50 concurrent sieves are
// all answered exactly; 40 concurrent /proxy requests read bodies of up to 120 KB from a
// local upstream that sends them in pieces, each complete and exact; a refused upstream
// is ECONNREFUSED; and the runtime's log has no cross-request Promise or I/O, hung request
// or leak report. Skipped, with the reason, where a runtime cannot run.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createServer as createHttpServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { buildEdge } from "../../examples/edge/build.js";
import { compileCached, root } from "../helpers.js";

/** Why `name` (a devDependency's binary) cannot run here, or null if it can. */
function unavailable(name: string): string | null {
  const binary = path.join(root, "node_modules/.bin", name);
  if (!existsSync(binary)) return `${name} is not installed (it is a devDependency: npm install)`;
  try {
    execFileSync(binary, ["--version"], { stdio: "ignore", timeout: 30_000 });
    return null;
  } catch (e) {
    return `${name} does not run on this machine: ${(e as Error).message.split("\n")[0]}`;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

interface Served {
  base: string;
  log: () => string;
  stop: () => void;
}

/** Starts node_modules/.bin/`name` with `args` and waits until it answers on `port`. */
async function serve(name: string, args: string[], port: number): Promise<Served> {
  let log = "";
  const child: ChildProcess = spawn(path.join(root, "node_modules/.bin", name), args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      await fetch(`${base}/nowhere`);
      break;
    } catch {
      if (i > 600 || child.exitCode !== null) {
        child.kill();
        throw new Error(`${name} did not start: ${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return { base, log: () => log, stop: () => child.kill() };
}

/** workerd serving the example with app.wasm as a wasm module, as Cloudflare deploys it. */
async function startWorkerd(): Promise<Served> {
  const out = mkdtempSync(path.join(os.tmpdir(), "weft-workerd-"));
  await buildEdge(out, () => {}, compileCached, true);
  const port = await freePort();
  writeFileSync(
    path.join(out, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .edge),
    # the worker's fetch: the default "internet" service, with the local upstream allowed
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const edge :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "app.wasm", wasm = embed "app.wasm"),
  ],
  compatibilityDate = "2024-09-23",
);
`,
  );
  return serve("workerd", ["serve", path.join(out, "config.capnp"), "--verbose"], port);
}

/** `deno serve` on the bundle with the module inlined, as `npm run build` makes it. */
async function startDeno(): Promise<Served> {
  const out = mkdtempSync(path.join(os.tmpdir(), "weft-deno-serve-"));
  await buildEdge(out, undefined, compileCached);
  const port = await freePort();
  return serve("deno", ["serve", "-A", "--host", "127.0.0.1", "--port", String(port), path.join(out, "worker.js")], port);
}

/** The upstream's body for `/?n=N`: N bytes of a pattern that depends on N. */
function upstreamBody(n: number): Buffer {
  const body = Buffer.alloc(n);
  for (let i = 0; i < n; i++) body[i] = (i * 7 + n) & 255;
  return body;
}

/** 32-bit FNV-1a, as the example's /proxy route computes it. */
function fnv(bytes: Uint8Array): number {
  let hash = 2166136261;
  for (const b of bytes) hash = Math.imul(hash ^ b, 16777619) >>> 0;
  return hash;
}

/** A local upstream for /proxy: `/?n=N` answers upstreamBody(N) in 5000-byte pieces, 1 ms apart. */
async function startUpstream(): Promise<{ server: Server; url: (n: number) => string }> {
  const server = createHttpServer((request, response) => {
    const body = upstreamBody(Number(new URL(request.url ?? "/", "http://upstream").searchParams.get("n")));
    response.writeHead(200, { "content-type": "application/octet-stream" });
    let sent = 0;
    const next = () => {
      if (sent >= body.length) return void response.end();
      response.write(body.subarray(sent, sent + 5000));
      sent += 5000;
      setTimeout(next, 1);
    };
    next();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { server, url: (n) => `http://127.0.0.1:${port}/?n=${n}` };
}

function primes(count: number): { last: number; sum: number } {
  const found: number[] = [];
  for (let n = 2; found.length < count; n++) if (found.every((p) => p * p > n || n % p !== 0)) found.push(n);
  return { last: found[found.length - 1], sum: found.reduce((a, b) => a + b, 0) };
}

async function get(base: string, route: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${route}`);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a plain-text error: kept as text
  }
  return { status: response.status, body };
}

for (const [name, start] of [
  ["workerd", startWorkerd],
  ["deno", startDeno],
] as const) {
  const skip = unavailable(name);
  describe.skipIf(skip !== null)(`edge handler under ${name === "deno" ? "deno serve" : name}${skip ? ` (skipped: ${skip})` : ""}`, () => {
    let served: Served;
    let upstream: Awaited<ReturnType<typeof startUpstream>>;
    beforeAll(async () => {
      upstream = await startUpstream();
      served = await start();
    }, 300_000);
    afterAll(() => {
      served?.stop();
      upstream?.server.close();
    });

    test("answers 200 concurrent sleeping requests and 50 concurrent sieves, each correctly", async () => {
      const sleeps = Array.from({ length: 200 }, (_, i) => get(served.base, `/sleep?ms=${50 + (i % 50)}&tag=s${i}`));
      const sieves = Array.from({ length: 50 }, (_, i) => get(served.base, `/primes?count=${((i % 10) + 1) * 40}`));
      const slept = await Promise.all(sleeps);
      const sieved = await Promise.all(sieves);
      expect(slept).toEqual(Array.from({ length: 200 }, (_, i) => ({ status: 200, body: { tag: `s${i}`, slept: 50 + (i % 50) } })));
      expect(sieved).toEqual(Array.from({ length: 50 }, (_, i) => ({ status: 200, body: { count: ((i % 10) + 1) * 40, ...primes(((i % 10) + 1) * 40) } })));
      expect(await get(served.base, "/nowhere")).toEqual({ status: 404, body: { error: "no route GET /nowhere" } });
      expect(served.log()).not.toMatch(/different request|hung|uncaught exception|main ended/i);
    });

    test("answers 40 concurrent /proxy requests with each upstream body complete and exact", async () => {
      const sizes = Array.from({ length: 40 }, (_, i) => 1000 + i * 3001);
      const proxied = await Promise.all(sizes.map((n) => get(served.base, `/proxy?url=${encodeURIComponent(upstream.url(n))}`)));
      expect(proxied).toEqual(sizes.map((n) => ({ status: 200, body: { status: 200, bytes: n, fnv: fnv(upstreamBody(n)) } })));
      // a refused upstream connection: the code every host reports (host/fetch.ts)
      const port = await freePort();
      expect(await get(served.base, `/proxy?url=${encodeURIComponent(`http://127.0.0.1:${port}/`)}`)).toEqual({ status: 502, body: { error: "ECONNREFUSED" } });
      expect(served.log()).not.toMatch(/different request|hung|uncaught exception|main ended/i);
    });
  });
}
