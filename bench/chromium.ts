// chromium.ts: headless Chromium for the browser tests and the `browser` benchmark:
// Debian's /usr/bin/chromium driven by playwright-core (never a downloaded browser), a
// fresh profile per launch, and the flags this machine's closed network needs.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";
/** A message for when it is missing: what is skipped and how to install it. */
export const CHROMIUM_MISSING = `${CHROMIUM} is missing (apt-get install -y chromium)`;

/** True when Debian's Chromium is installed. */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A browser with a fresh profile; `close()` ends it and removes the profile. */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), "weft-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // playwright passes --headless and --user-data-dir (the fresh profile) itself
    args: CHROMIUM_FLAGS.filter((a) => a !== "--headless"),
    viewport: { width: 1280, height: 860 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
