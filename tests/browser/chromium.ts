// Headless Chromium for the browser tests (launched by bench/chromium.ts: Debian's
// /usr/bin/chromium, playwright-core, a fresh profile). Tests skip with CHROMIUM_MISSING
// when it is absent.

import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { root } from "../helpers.js";
import { hasChromium as installed, CHROMIUM_MISSING as MISSING, launchChromium } from "../../bench/chromium.js";

export const hasChromium = installed();
export const CHROMIUM_MISSING = `${MISSING}: browser tests skipped`;
if (!hasChromium) console.warn(`weft: ${CHROMIUM_MISSING}`);

/** Where screenshots go (gitignored). */
export const resultsDir = path.join(root, "test-results");

/** A browser with a fresh profile (bench/chromium.ts). */
export const launch = launchChromium;

/** Console errors and uncaught exceptions of a page, collected from now on. */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(`console: ${m.text()}`);
  });
  page.on("pageerror", (e) => errors.push(`page error: ${e.message}`));
  page.on("crash", () => errors.push("the page crashed"));
  return errors;
}

/** A screenshot under test-results/. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}
