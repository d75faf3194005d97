// browser.ts: runs a built benchmark program inside headless Chromium (bench/chromium.ts),
// for the `browser` group of bench/run.ts.
//
// The program is served with the host core's browser bundle (host/index.ts through the
// page's esbuild options) from a page that is cross-origin isolated, so that
// `performance.now()` there has its finest resolution (5 µs rather than 100 µs). In the
// page the module is compiled once; each run loads a fresh instance and times the
// synchronous `program.run()`, exactly as the Node figures time it. What each run printed
// and counted comes back for run.ts to check as it checks Node's runs.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import * as esbuild from "esbuild";
import { browserBundleOptions, root } from "../examples/browser/build.js";
import { serveStatic } from "../examples/browser/serve.js";
import { launchChromium } from "./chromium.js";
import type { RunResult } from "../host/runtime.js";

/** One run in the page: what the program did, and how long `run()` took. */
export interface BrowserRun {
  result: RunResult;
  stdout: string[];
  stderr: string[];
  ns: number;
}

/** The page's engine, for the report. */
export interface BrowserRuns {
  userAgent: string;
  runs: BrowserRun[];
}

/** Runs `binary` `runs` times in Chromium, each on a fresh instance. */
export async function runInChromium(binary: Uint8Array, runs: number, name: string): Promise<BrowserRuns> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "weft-bench-browser-"));
  const browser = await launchChromium();
  let server: Awaited<ReturnType<typeof serveStatic>>["server"] | null = null;
  try {
    await esbuild.build({ ...browserBundleOptions([{ in: path.join(root, "host", "index.ts"), out: "weft" }]), outdir: dir, sourcemap: false });
    writeFileSync(path.join(dir, "program.wasm"), binary);
    writeFileSync(
      path.join(dir, "bench.html"),
      `<!doctype html><title>weft bench</title><link rel="icon" href="data:,">\n<script type="module">import * as weft from "./weft.js"; window.weft = weft;</script>\n`,
    );
    const served = await serveStatic(dir, 0, "127.0.0.1", {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
    });
    server = served.server;
    const page = await browser.context.newPage();
    await page.goto(`${served.url}bench.html`);
    await page.waitForFunction(() => "weft" in window);
    const isolated = await page.evaluate(() => crossOriginIsolated);
    if (!isolated) throw new Error("the benchmark page is not cross-origin isolated: its clock would be coarse");
    return await page.evaluate(
      async ({ runs, name }) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const weft = (window as any).weft;
        const module = await weft.compileProgram("/program.wasm", name);
        const out: BrowserRun[] = [];
        for (let i = 0; i < runs; i++) {
          const stdout: string[] = [];
          const stderr: string[] = [];
          const program = await weft.loadProgram(module, {
            name,
            stdout: (line: string) => stdout.push(line),
            stderr: (line: string) => void (stderr.length < 20 && stderr.push(line)),
          });
          const t0 = performance.now();
          const result = program.run();
          const ns = (performance.now() - t0) * 1e6;
          out.push({ result, stdout, stderr, ns });
        }
        return { userAgent: navigator.userAgent, runs: out };
      },
      { runs, name },
    );
  } finally {
    server?.close();
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
