// The live view in headless Chromium: the page loads, runs 10,000 fibers in the page and
// in a Worker, its counters change from frame to frame, every round's result is right,
// Stop ends the program cleanly, and the console shows no error. Screenshots go to
// test-results/.

import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Server } from "node:http";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { buildBrowserDemo } from "../../examples/browser/build.js";
import { compileCached } from "../helpers.js";
import { serveStatic } from "../../examples/browser/serve.js";
import { hasChromium, CHROMIUM_MISSING, launch, collectErrors, screenshot } from "./chromium.js";

interface DemoState {
  status: string;
  where: string | null;
  rounds: { round: number; fibers: number; result: number; ok: boolean }[];
  frames: number;
  distinctSwitchCounts: number;
  stats: { spawned: number; switches: number; alive: number; peakAlive: number; failed: number; blocked: number; ready: number } | null;
  result: { exitCode: number; aliveAtEnd: number; stats: { alive: number; failed: number } } | null;
  errors: string[];
}

describe.skipIf(!hasChromium)(`live view in Chromium${hasChromium ? "" : ` (${CHROMIUM_MISSING})`}`, () => {
  let server: Server;
  let url: string;
  let browser: Awaited<ReturnType<typeof launch>>;

  beforeAll(async () => {
    // a fresh build of the page from the current sources
    const out = mkdtempSync(path.join(os.tmpdir(), "weft-page-"));
    await buildBrowserDemo(out, undefined, compileCached);
    ({ server, url } = await serveStatic(out));
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  const demo = (page: Page) => page.evaluate(() => (globalThis as unknown as { demo: DemoState }).demo);

  /** Opens the page with a workload and waits until `rounds` rounds were checked and frames drawn. */
  async function open(query: string, rounds: number): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.context.newPage();
    const errors = collectErrors(page);
    await page.goto(`${url}?${query}&run=1`);
    await page.waitForFunction(
      (n) => {
        const d = (globalThis as unknown as { demo: DemoState }).demo;
        return d.status === "error" || (d.rounds.length >= n && d.distinctSwitchCounts >= 3);
      },
      rounds,
      { timeout: 60_000, polling: 100 },
    );
    return { page, errors };
  }

  /** The counters the page shows, as text. */
  const counters = (page: Page) =>
    page.evaluate(() => Object.fromEntries(["switches", "spawned", "alive", "switch-rate", "rounds"].map((id) => [id, document.getElementById(id)!.textContent])));

  async function checkLive(page: Page, errors: string[], fibers: number, where: string, shot: string): Promise<void> {
    const first = await counters(page);
    // the page draws at display rate: later frames show other counters
    await page.waitForFunction((before) => document.getElementById("switches")!.textContent !== before, first.switches, { timeout: 30_000 });
    const second = await counters(page);
    expect(second.switches).not.toBe(first.switches);
    const state = await demo(page);
    expect(state.status).toBe("running");
    expect(state.where).toBe(where);
    expect(state.errors).toEqual([]);
    expect(state.rounds.length).toBeGreaterThanOrEqual(2);
    for (const round of state.rounds) expect(round, `round ${round.round}`).toMatchObject({ ok: true });
    expect(state.stats!.peakAlive).toBeGreaterThanOrEqual(fibers);
    expect(state.stats!.spawned).toBeGreaterThan(fibers);
    expect(state.stats!.failed).toBe(0);
    expect(Number(second.spawned!.replace(/,/g, ""))).toBeGreaterThan(fibers);
    expect(state.frames).toBeGreaterThanOrEqual(3);
    expect(await screenshot(page, shot)).toMatch(/\.png$/);

    // Stop: the program finishes its round early and ends with every fiber ended
    await page.click("#stop");
    await page.waitForFunction(() => (globalThis as unknown as { demo: DemoState }).demo.status === "ended", null, { timeout: 30_000 });
    const ended = await demo(page);
    expect(ended.result).toMatchObject({ exitCode: 0, aliveAtEnd: 0, stats: { alive: 0, failed: 0 } });
    expect(await page.textContent("#status")).toBe("ended, exit 0");
    expect(errors).toEqual([]);
    await page.close();
  }

  test("runs 10,000 fibers in the page (fan-out/fan-in) with a live view and no console errors", async () => {
    const { page, errors } = await open("topology=fan&fibers=10000&where=page", 2);
    await checkLive(page, errors, 10_000, "page", "browser-page-fan-10000");
  });

  test("the same program runs inside a dedicated Worker (thread ring of 10,000)", async () => {
    const { page, errors } = await open("topology=ring&fibers=10000&where=worker", 2);
    await checkLive(page, errors, 10_000, "worker", "browser-worker-ring-10000");
  });

  test("the prime sieve, and a new workload chosen in the form replaces the running one", async () => {
    const { page, errors } = await open("topology=sieve&fibers=300&where=page", 2);
    const before = await demo(page);
    expect(before.rounds[0]).toMatchObject({ fibers: 301, result: 271_061, ok: true }); // sum of the first 300 primes
    await page.selectOption("#topology", "ring");
    await page.fill("#fibers", "500");
    await page.check("input[name=where][value=worker]");
    await page.click("#run");
    await page.waitForFunction(
      () => {
        const d = (globalThis as unknown as { demo: DemoState }).demo;
        return d.where === "worker" && d.rounds.length >= 2 && d.distinctSwitchCounts >= 3;
      },
      null,
      { timeout: 30_000 },
    );
    const after = await demo(page);
    expect(after.rounds[0]).toMatchObject({ round: 1, fibers: 500, result: 251, ok: true });
    await checkLive(page, errors, 500, "worker", "browser-sieve-then-ring");
  });
});
