// Browser I/O in headless Chromium, in the page and in a dedicated Worker: a fiber's fetch
// from a local test server returns the exact bytes (read in chunks), ports carry the URLs
// in and the reports out, and timers wake sleeping fibers on the browser's event loop.
// The page imports the host core's browser bundle (weft.js) directly.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Server } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { buildBrowserDemo } from "../../examples/browser/build.js";
import { serveStatic } from "../../examples/browser/serve.js";
import { buildProgram, compileCached } from "../helpers.js";
import { hasChromium, CHROMIUM_MISSING, launch, collectErrors } from "./chromium.js";
import { startTestServer, testBytes, fnv } from "./testserver.js";

const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");

/** What the page-side script returns. */
interface Outcome {
  exitCode: number;
  reports: (string | null)[];
  stdout: string[];
  errors: string[];
}

describe.skipIf(!hasChromium)(`browser I/O in Chromium${hasChromium ? "" : ` (${CHROMIUM_MISSING})`}`, () => {
  let server: Server;
  let url: string;
  let upstream: Awaited<ReturnType<typeof startTestServer>>;
  let browser: Awaited<ReturnType<typeof launch>>;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), "weft-io-"));
    await buildBrowserDemo(out, undefined, compileCached); // weft.js, the host core bundle
    for (const name of ["webio", "naps"]) writeFileSync(path.join(out, `${name}.wasm`), (await buildProgram(name)).binary);
    // a worker that serves any program, with no imports of its own
    writeFileSync(path.join(out, "serve-worker.js"), `import { serveProgram } from "./weft.js";\nserveProgram();\n`);
    // a page with the host core as `window.weft`
    writeFileSync(
      path.join(out, "blank.html"),
      `<!doctype html><title>weft</title><link rel="icon" href="data:,">\n<script type="module">import * as weft from "./weft.js"; window.weft = weft;</script>`,
    );
    ({ server, url } = await serveStatic(out));
    upstream = await startTestServer();
    browser = await launch();
    page = await browser.context.newPage();
    errors = collectErrors(page);
    await page.goto(`${url}blank.html`);
    await page.waitForFunction(() => "weft" in window);
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
    await upstream?.close();
  });

  /** Runs `program` in the page or a worker, feeding `lines` to port "urls"; collects port "results". */
  function runInBrowser(where: "page" | "worker", program: string, lines: string[]): Promise<Outcome> {
    return page.evaluate(
      async ({ where, program, lines }) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const weft = (window as any).weft;
        const reports: (string | null)[] = [];
        const stdout: string[] = [];
        const errors: string[] = [];
        const options = { name: program, stdout: (l: string) => stdout.push(l), stderr: (l: string) => errors.push(l) };
        if (where === "page") {
          const p = await weft.loadProgram(`/${program}.wasm`, options);
          p.ports.on("results", (t: string | null) => reports.push(t));
          const done = p.runAsync();
          for (const line of lines) p.ports.send("urls", line);
          p.ports.close("urls");
          return { exitCode: (await done).exitCode, reports, stdout, errors };
        }
        const worker = new Worker("/serve-worker.js", { type: "module" });
        const remote = weft.WorkerProgram.start(worker, `/${program}.wasm`, options);
        remote.on("results", (t: string | null) => reports.push(t));
        for (const line of lines) remote.send("urls", line);
        remote.close("urls");
        const result = await remote.done;
        worker.terminate();
        return { exitCode: result.exitCode, reports, stdout, errors };
      },
      { where, program, lines },
    );
  }

  for (const where of ["page", "worker"] as const) {
    test(`a fiber's fetch returns the exact bytes (${where})`, async () => {
      const small = `${upstream.url}bytes?n=3000&seed=11&pieces=4`;
      const large = `${upstream.url}bytes?n=300000&seed=12&pieces=8`;
      const missing = `${upstream.url}status/404`;
      const echo = `${upstream.url}echo`;
      const outcome = await runInBrowser(where, "webio", [small, large, missing, `POST ${echo} fibers in ${where}`]);
      expect(outcome.errors).toEqual([]);
      expect(outcome.exitCode).toBe(0);
      expect(outcome.reports.at(-1)).toBeNull(); // the program closed the port at the end
      const byUrl = new Map(outcome.reports.slice(0, -1).map((r) => [r!.slice(0, r!.indexOf(" ")), r!.slice(r!.indexOf(" ") + 1)]));
      expect(byUrl.size).toBe(4);
      const smallBody = testBytes(3000, 11);
      expect(byUrl.get(small)).toMatch(new RegExp(`^status=200 bytes=3000 chunks=\\d+ fnv=${fnv(smallBody)} hex=${hex(smallBody)}$`));
      expect(Number(byUrl.get(small)!.match(/chunks=(\d+)/)![1])).toBeGreaterThanOrEqual(3);
      expect(byUrl.get(large)).toMatch(new RegExp(`^status=200 bytes=300000 chunks=\\d+ fnv=${fnv(testBytes(300000, 12))}$`));
      expect(byUrl.get(missing)).toBe("status=404 bytes=0 chunks=0 fnv=2166136261 hex=");
      expect(byUrl.get(echo)).toBe(`status=200 type=text/x-reversed; charset=utf-8 text=${[...`fibers in ${where}`].reverse().join("")}`);
      // the 404 answer is the one resource error the console may show
      expect(errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
    });

    test(`a small body arrives byte for byte (${where})`, async () => {
      const small = `${upstream.url}bytes?n=700&seed=21&pieces=3`;
      const outcome = await runInBrowser(where, "webio", [small]);
      const body = testBytes(700, 21);
      expect(outcome.reports[0]).toBe(`${small} status=200 bytes=700 chunks=${outcome.reports[0]!.match(/chunks=(\d+)/)![1]} fnv=${fnv(body)} hex=${hex(body)}`);
    });

    test(`timers wake sleeping fibers in order (${where})`, async () => {
      const outcome = await runInBrowser(where, "naps", []);
      expect(outcome.exitCode).toBe(0);
      expect(outcome.stdout).toEqual(["woke=4,3,2,1,0 ticks=3 atLeast50ms=true"]);
      expect(errors.filter((e) => !e.includes("status of 404"))).toEqual([]);
    });
  }
});
