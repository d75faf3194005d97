// The edge handler example (examples/edge/): its bundled module worker is imported and its
// `fetch` called with Request objects, many at once. Each request is served by a fiber of
// one program: sieves, timers, an upstream fetch and a POST body, all answered exactly.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildEdge } from "../../examples/edge/build.js";
import { compileCached } from "../helpers.js";
import { startTestServer, testBytes, fnv, closedPort } from "./testserver.js";

type Handler = { fetch(request: Request): Promise<Response> };
let handler: Handler;
let upstream: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  const out = mkdtempSync(path.join(os.tmpdir(), "weft-edge-"));
  await buildEdge(out, undefined, compileCached);
  handler = (await import(pathToFileURL(path.join(out, "worker.js")).href)).default;
  upstream = await startTestServer();
});
afterAll(() => upstream?.close());

/** The first `count` primes: their sum and the last. */
function primes(count: number): { last: number; sum: number } {
  const found: number[] = [];
  for (let n = 2; found.length < count; n++) if (found.every((p) => p * p > n || n % p !== 0)) found.push(n);
  return { last: found[found.length - 1], sum: found.reduce((a, b) => a + b, 0) };
}

const get = (route: string) => handler.fetch(new Request(`https://edge.example${route}`));

describe("edge handler", () => {
  test("answers 40 concurrent requests, each from its own fiber, correctly", async () => {
    // the program is loaded by a first request: the burst below starts on a running instance
    expect(await (await get("/sleep?ms=0&tag=warm")).json()).toEqual({ tag: "warm", slept: 0 });
    const finished: string[] = [];
    const track = <T>(name: string, p: Promise<T>) => p.then((v) => (finished.push(name), v));
    // timers: answered in the order they expire, whatever the order they came in. They come
    // first, one turn apart, and 100 ms apart in length: the longest starts sleeping well
    // within 100 ms of the shortest however loaded the machine (the sieves come after them)
    const naps = [300, 200, 100].map((ms) => track(`sleep ${ms}`, get(`/sleep?ms=${ms}&tag=t${ms}`)));
    const sieves = Array.from({ length: 20 }, (_, i) => track(`primes ${i + 1}`, get(`/primes?count=${(i + 1) * 25}`)));
    const bodies = Array.from({ length: 12 }, (_, i) => ({ n: 1000 * (i + 1) + i, seed: i + 1 }));
    const proxies = bodies.map(({ n, seed }) => get(`/proxy?url=${encodeURIComponent(`${upstream.url}bytes?n=${n}&seed=${seed}&pieces=3`)}`));
    const posts = ["héllo", "fibers ✓", ""].map((text) => handler.fetch(new Request("https://edge.example/echo", { method: "POST", body: text })));
    const missing = get("/nowhere");
    const bad = get("/primes?count=0");

    for (const [i, response] of (await Promise.all(sieves)).entries()) {
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe("application/json");
      expect(await response.json()).toEqual({ count: (i + 1) * 25, ...primes((i + 1) * 25) });
    }
    for (const [i, response] of (await Promise.all(naps)).entries()) {
      const ms = [300, 200, 100][i];
      expect(await response.json()).toEqual({ tag: `t${ms}`, slept: ms });
    }
    expect(finished.filter((f) => f.startsWith("sleep"))).toEqual(["sleep 100", "sleep 200", "sleep 300"]);
    for (const [i, response] of (await Promise.all(proxies)).entries()) {
      const { n, seed } = bodies[i];
      expect(await response.json()).toEqual({ status: 200, bytes: n, fnv: fnv(testBytes(n, seed)) });
    }
    expect(await Promise.all((await Promise.all(posts)).map((r) => r.json()))).toEqual([{ echo: "olléh" }, { echo: "✓ srebif" }, { echo: "" }]);
    const notFound = await missing;
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({ error: "no route GET /nowhere" });
    const refused = await bad;
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: "count must be between 1 and 5000" });
  });

  test("keeps serving after a burst: the same instance, requests one after another", async () => {
    for (let count = 1; count <= 5; count++) expect(await (await get(`/primes?count=${count}`)).json()).toEqual({ count, ...primes(count) });
    const upstreamDown = await get(`/proxy?url=${encodeURIComponent(`http://127.0.0.1:${await closedPort()}/`)}`);
    expect(upstreamDown.status).toBe(502);
    expect(await upstreamDown.json()).toEqual({ error: "ECONNREFUSED" });
  });
});
