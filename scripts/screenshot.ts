// npm run screenshot: the try-it page after a signed-in call, the picture in docs/local-dev.md (docs/try-it.png).
// Same browser as the tests: the system's headless Chromium, on npm start's stand-ins in this process.
import { createServer } from "node:net";
import { resolve } from "node:path";
import { launchChromium } from "./browser.ts";
import { startLocalSite } from "./try-it.ts";

const out = resolve(import.meta.dirname, "..", process.argv[2] ?? "docs/try-it.png");

const port = await new Promise<number>((resolvePort) => {
  const probe = createServer().listen(0, "127.0.0.1", () => {
    const { port } = probe.address() as { port: number };
    probe.close(() => resolvePort(port));
  });
});
// The functions' one log line per request would only clutter this script's output.
const log = console.log;
console.log = () => {};
const site = await startLocalSite(port);
const browser = await launchChromium({ width: 900, height: 900 });
try {
  const page = await browser.context.newPage();
  await page.goto(`${site.url}/`);
  await page.getByRole("button", { name: "Sign in as user_alice" }).click();
  await page.locator("#session-status", { hasText: "Signed in as user_alice" }).waitFor();
  // The first card: a signed-in call and its answer.
  const section = page.locator(".fn").first();
  await section.getByRole("button", { name: "Send", exact: true }).click();
  await section.locator(".result .status").waitFor();
  // Page coordinates: the top of the answer's body, plus a dozen lines of it.
  const bodyTop = await section
    .locator(".result .body")
    .evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
  await page.screenshot({
    path: out,
    clip: { x: 0, y: 0, width: 900, height: Math.round(bodyTop + 250) },
    fullPage: true,
  });
  log(`wrote ${out} (Chromium ${browser.version})`);
} finally {
  await browser.close();
  await site.close();
  console.log = log;
}
