// Fetch from a fiber and ports, in Node (the page tests repeat it in Chromium): URLs come in
// through a port, each is fetched by its own fiber reading the body in 1000-byte chunks,
// and the reports go out through another port. Bodies arrive exactly, errors are values.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { WeftProgram, WorkerProgram, serveProgram, type Endpoint } from "../../host/index.js";
import { buildProgram } from "../helpers.js";
import { startTestServer, testBytes, fnv, closedPort } from "./testserver.js";

let bytes: Uint8Array<ArrayBuffer>;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  bytes = new Uint8Array((await buildProgram("webio")).binary);
  server = await startTestServer();
});
afterAll(() => server?.close());

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

/** Runs the program on `lines`; returns its reports by URL, and how the run ended. */
async function fetchAll(lines: string[]) {
  const program = await WeftProgram.load(bytes, { name: "webio" });
  const reports = new Map<string, string>();
  let closed = false;
  program.ports.on("results", (text) => {
    if (text === null) closed = true;
    else reports.set(text.slice(0, text.indexOf(" ")), text.slice(text.indexOf(" ") + 1));
  });
  const done = program.runAsync();
  for (const line of lines) program.ports.send("urls", line);
  program.ports.close("urls");
  const result = await done;
  return { reports, closed, result };
}

describe("fetch from a fiber", () => {
  test("returns the exact bytes, read in chunks, several fetches at once", async () => {
    const small = testBytes(1500, 7);
    const large = testBytes(1 << 20, 99);
    const urls = [`${server.url}bytes?n=1500&seed=7&pieces=3`, `${server.url}bytes?n=${1 << 20}&seed=99&pieces=16`, `${server.url}bytes?n=0&seed=1`];
    const { reports, closed, result } = await fetchAll(urls);
    expect(result.exitCode).toBe(0);
    expect(result.aliveAtEnd).toBe(0);
    expect(closed).toBe(true);
    expect(reports.get(urls[0])).toBe(`status=200 bytes=1500 chunks=${reports.get(urls[0])!.match(/chunks=(\d+)/)![1]} fnv=${fnv(small)} hex=${hex(small)}`);
    // 1000-byte reads: at least ceil(1500 / 1000) chunks
    expect(Number(reports.get(urls[0])!.match(/chunks=(\d+)/)![1])).toBeGreaterThanOrEqual(2);
    expect(reports.get(urls[1])).toMatch(new RegExp(`^status=200 bytes=${1 << 20} chunks=\\d+ fnv=${fnv(large)}$`));
    expect(Number(reports.get(urls[1])!.match(/chunks=(\d+)/)![1])).toBeGreaterThanOrEqual(1049);
    expect(reports.get(urls[2])).toBe(`status=200 bytes=0 chunks=0 fnv=2166136261 hex=`);
    // four fibers fetched at once (main, the two pumps, three fetchers)
    expect(result.stats.peakAlive).toBeGreaterThanOrEqual(6);
  });

  test("status codes, request bodies and headers, and network errors as values", async () => {
    const refused = `http://127.0.0.1:${await closedPort()}/refused`;
    const urls = [`${server.url}status/404`, `${server.url}status/503`, refused, "not-a-url"];
    const { reports, result } = await fetchAll([...urls, `POST ${server.url}echo héllo, wörld ✓`]);
    expect(result.exitCode).toBe(0);
    expect(result.failures).toEqual([]);
    expect(reports.get(urls[0])).toBe("status=404 bytes=0 chunks=0 fnv=2166136261 hex=");
    expect(reports.get(urls[1])).toBe("status=503 bytes=0 chunks=0 fnv=2166136261 hex=");
    expect(reports.get(refused)).toMatch(new RegExp(`^status=0 error=ECONNREFUSED: fetch ${refused} failed: fetch failed \\(.*ECONNREFUSED.*\\)$`));
    expect(reports.get("not-a-url")).toMatch(/^status=0 error=EINVAL: fetch not-a-url failed: /);
    expect(reports.get(`${server.url}echo`)).toBe("status=200 type=text/x-reversed; charset=utf-8 text=✓ dlröw ,olléh");
  });

  test("a fetch that waits too long gives up with ETIMEDOUT; the others complete", async () => {
    const slow = `${server.url}slow?ms=1500`;
    const quick = `${server.url}bytes?n=10&seed=3`;
    const { reports, result } = await fetchAll([`WAIT 50 ${slow}`, quick]);
    expect(result.exitCode).toBe(0);
    expect(reports.get(slow)).toBe(`status=0 error=ETIMEDOUT: timed out waiting for ${slow}`);
    expect(reports.get(quick)).toBe(`status=200 bytes=10 chunks=1 fnv=${fnv(testBytes(10, 3))} hex=${hex(testBytes(10, 3))}`);
  });
});

describe("ports", () => {
  test("messages sent before the program opens the port wait for it; order is kept", async () => {
    const lines = Array.from({ length: 20 }, (_, i) => `${server.url}bytes?n=${i}&seed=${i + 1}`);
    const { reports, result } = await fetchAll(lines);
    expect(result.exitCode).toBe(0);
    expect([...reports.keys()].sort()).toEqual([...lines].sort());
    for (let i = 0; i < 20; i++) expect(reports.get(lines[i])).toContain(`bytes=${i} `);
  });

  test("across the Worker bridge: page → worker → fiber and back", async () => {
    const { port1, port2 } = new MessageChannel();
    try {
      serveProgram({}, port2 as unknown as Endpoint);
      const remote = WorkerProgram.start(port1 as unknown as Endpoint, bytes, { name: "webio" });
      // sent before the worker has loaded the program: kept until it has
      const url = `${server.url}bytes?n=64&seed=5&pieces=2`;
      remote.send("urls", url);
      remote.close("urls");
      const reports: (string | null)[] = [];
      remote.on("results", (text) => reports.push(text));
      const result = await remote.done;
      expect(result.exitCode).toBe(0);
      const body = testBytes(64, 5);
      expect(reports).toEqual([`${url} status=200 bytes=64 chunks=${reports[0]!.match(/chunks=(\d+)/)![1]} fnv=${fnv(body)} hex=${hex(body)}`, null]);
    } finally {
      port1.close();
      port2.close();
    }
  });
});
