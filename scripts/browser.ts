// Headless Chromium from the system (Debian's `chromium` package) driven by playwright-core, for the
// browser tests and `npm run screenshot`. Playwright's own browser download is never used.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const INSTALL_HINT = "apt-get update && apt-get install -y chromium";
export const hasChromium = (): boolean => existsSync(CHROMIUM_PATH);

// No network beyond loopback here: nothing that phones home, no QUIC, no first-run or sync.
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface Chromium {
  context: BrowserContext;
  version: string;
  close(): Promise<void>;
}

/** A fresh browser with a fresh profile (its own user-data-dir, removed on close). */
export async function launchChromium(opts: { width?: number; height?: number } = {}): Promise<Chromium> {
  if (!hasChromium()) throw new Error(`No Chromium at ${CHROMIUM_PATH}: ${INSTALL_HINT}`);
  const userDataDir = await mkdtemp(join(tmpdir(), "chromium-profile-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ARGS,
    viewport: { width: opts.width ?? 1000, height: opts.height ?? 800 },
  });
  return {
    context,
    version: context.browser()?.version() ?? "unknown",
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
