// The live view draws traces (docs/TRACING.md): a trace file written by the Node host is
// opened in the page, and the timeline draws exactly the file's run slices, blocks and
// wake-ups on one row per track (checked against the file, and in the canvas's pixels);
// a run in the page records its own trace and draws it when it ends; the ring topology is
// drawn as a circle with the token's holder, not as a block of one colour.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Server } from "node:http";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { buildBrowserDemo } from "../../examples/browser/build.js";
import { serveStatic } from "../../examples/browser/serve.js";
import { hasChromium, CHROMIUM_MISSING, launch, collectErrors, screenshot } from "./chromium.js";
import { buildProgram, compileCached } from "../helpers.js";
import { WeftProgram, asyncImport } from "../../host/runtime.js";
import type { ChromeTrace } from "../../host/tracejson.js";

interface TraceState {
  status: string;
  trace: { tracks: number; runSlices: number; blockSlices: number; flows: number; instants: number; source: string; events: number } | null;
  traceError: string | null;
  errors: string[];
}

/** Pixels of `rgb` (within 8 per channel) per row band of `rowH` below `top` on canvas `id`. */
async function colourRows(page: Page, id: string, rgb: number[], top: number, rowH: number): Promise<number[]> {
  return page.evaluate(
    ({ id, rgb, top, rowH }) => {
      const canvas = document.getElementById(id) as HTMLCanvasElement;
      const { data, width, height } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
      const rows: number[] = [];
      for (let y = top; y < height; y++) {
        const row = Math.floor((y - top) / rowH);
        rows[row] ??= 0;
        for (let x = 0; x < width; x++) {
          const p = (y * width + x) * 4;
          if (Math.abs(data[p] - rgb[0]) <= 8 && Math.abs(data[p + 1] - rgb[1]) <= 8 && Math.abs(data[p + 2] - rgb[2]) <= 8) rows[row]++;
        }
      }
      return rows;
    },
    { id, rgb, top, rowH },
  );
}

describe.skipIf(!hasChromium)(`traces in the live view${hasChromium ? "" : ` (${CHROMIUM_MISSING})`}`, () => {
  let server: Server;
  let url: string;
  let browser: Awaited<ReturnType<typeof launch>>;
  let dir: string;
  let trace: ChromeTrace;
  let traceFile: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), "weft-trace-page-"));
    await buildBrowserDemo(dir, undefined, compileCached);
    ({ server, url } = await serveStatic(dir));
    // a trace of the program that blocks in every way (tests/programs/traced.ts)
    const { binary } = await buildProgram("traced");
    const program = await WeftProgram.load(new Uint8Array(binary), {
      stdout: () => {},
      stderr: () => {},
      trace: true,
      imports: { app: { scenario: () => 0, lookup: asyncImport(async (k: number) => k * 2) } },
    });
    await program.runAsync();
    trace = program.trace()!;
    traceFile = path.join(dir, "traced.json");
    writeFileSync(traceFile, JSON.stringify(trace));
    browser = await launch();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  const state = (page: Page) => page.evaluate(() => (globalThis as unknown as { demo: TraceState }).demo);

  test("opens a trace file and draws its run slices, blocks and wake-ups, one row per track", async () => {
    const page = await browser.context.newPage();
    const errors = collectErrors(page);
    await page.goto(url);
    await page.setInputFiles("#trace-file", traceFile);
    await page.waitForFunction(() => (globalThis as unknown as { demo: TraceState }).demo.trace !== null, null, { timeout: 30_000 });
    const drawn = (await state(page)).trace!;
    const count = (f: (e: ChromeTrace["traceEvents"][number]) => boolean) => trace.traceEvents.filter(f).length;
    expect(drawn).toEqual({
      source: "traced.json",
      events: trace.traceEvents.length,
      tracks: 9, // the scheduler and 8 fibers
      runSlices: count((e) => e.ph === "X" && e.cat === "run"),
      blockSlices: count((e) => e.ph === "X" && e.cat === "block"),
      flows: count((e) => e.ph === "f"),
      instants: count((e) => e.ph === "i"),
      spanUs: expect.any(Number),
    });
    expect(drawn.runSlices).toBeGreaterThan(20);
    expect(await page.getAttribute("#trace", "data-run-slices")).toBe(String(drawn.runSlices));
    expect(await page.textContent("#trace-info")).toMatch(/^traced\.json: [\d,]+ events, 9 tracks, [\d,]+ run slices, [\d,]+ blocks, [\d,]+ wake-ups$/);
    // the pixels: run-slice green in every fiber's row (rows 1..8), none in the scheduler's (row 0)
    const green = await colourRows(page, "trace", [0x34, 0xd3, 0x99], 22, 14);
    expect(green[0]).toBe(0);
    for (let row = 1; row <= 8; row++) expect(green[row], `row ${row}`).toBeGreaterThan(0);
    // the axis is labelled in time
    expect(await screenshot(page, "browser-trace-timeline")).toMatch(/\.png$/);
    // a file that is not a trace is named as such
    const bad = path.join(dir, "bad.json");
    writeFileSync(bad, '{"hello": 1}');
    await page.setInputFiles("#trace-file", bad);
    await page.waitForFunction(() => (globalThis as unknown as { demo: TraceState }).demo.traceError !== null, null, { timeout: 10_000 });
    expect((await state(page)).traceError).toBe("bad.json: not a Chrome Trace Event file: no traceEvents array");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test("records a trace of a run in the page and draws it when the run ends", async () => {
    const page = await browser.context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${url}?topology=sieve&fibers=50&where=page&trace=1&run=1`);
    await page.waitForFunction(() => ((globalThis as unknown as { demo: { rounds: unknown[] } }).demo.rounds.length >= 1), null, { timeout: 30_000 });
    await page.click("#stop");
    await page.waitForFunction(() => (globalThis as unknown as { demo: TraceState }).demo.trace !== null, null, { timeout: 30_000 });
    const drawn = (await state(page)).trace!;
    expect(drawn.source).toBe("this run");
    // the generator, 50 filters and main, plus the scheduler's row
    expect(drawn.tracks).toBeGreaterThanOrEqual(53);
    expect(drawn.runSlices).toBeGreaterThan(100);
    expect(drawn.flows).toBeGreaterThan(100);
    expect(await page.getAttribute("#trace-download", "href")).toMatch(/^blob:/);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  test("draws the ring as a circle with the token's holder, not as a block of one colour", async () => {
    const page = await browser.context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${url}?topology=ring&fibers=1000&where=page&run=1`);
    await page.waitForFunction(() => ((globalThis as unknown as { demo: { rounds: unknown[]; frames: number } }).demo.frames >= 10), null, { timeout: 30_000 });
    // the token (its holder's dot, or the arcs of members that are ready) is the ready
    // colour on the circle of blocked members. How many members are ready in a frame
    // depends on where in a round the program was when the frame was drawn (a round
    // starts with all of its new members ready): wait for a frame that shows the token,
    // counting its pixels in the same turn as the check (no frame drawn in between)
    const ready = await page.waitForFunction(
      ([r, g, b]) => {
        const canvas = document.getElementById("grid") as HTMLCanvasElement;
        const { data } = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height);
        let n = 0;
        for (let p = 0; p < data.length; p += 4) if (Math.abs(data[p] - r) <= 8 && Math.abs(data[p + 1] - g) <= 8 && Math.abs(data[p + 2] - b) <= 8) n++;
        return n;
      },
      [0xf2, 0xb1, 0x34],
      { timeout: 30_000 },
    );
    expect(await ready.jsonValue()).toBeGreaterThan(0);
    const background = (await colourRows(page, "grid", [0x10, 0x14, 0x1a], 0, 1000))[0];
    expect(background).toBeGreaterThan(300 * 300 * 0.3);
    expect(await screenshot(page, "browser-ring-1000")).toMatch(/\.png$/);
    await page.click("#stop");
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
