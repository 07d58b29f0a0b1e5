// What a user does first: add a function. In a copy of the repository, one new file in functions/ is
// built for every target, served by `npm start`, described in /openapi.json, drawn on the try-it page and
// smoke-tested — and no other file changes. A wrong declaration fails the build naming its file and field.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, INSTALL_HINT, launchChromium } from "../../scripts/browser.ts";
import { ROOT } from "../../scripts/lib/paths.ts";
import { type NpmStart, smoke, startNpmStart } from "../support/npm-start.ts";

const run = promisify(execFile);
if (!hasChromium() && process.env.CI !== "true") {
  console.log(
    `test/tooling/add-a-function.test.ts: the try-it page check is skipped; install Chromium: ${INSTALL_HINT}`,
  );
}
const node = join(ROOT, "node_modules", ".bin", "node");

/** The repository as a clone has it: tracked files and new ones not ignored, node_modules linked. */
async function copyRepository(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "add-a-function-"));
  const { stdout } = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  for (const file of stdout.split("\0").filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  return dir;
}

function fingerprint(dir: string, files: string[]): Record<string, string> {
  return Object.fromEntries(
    files.map((f) => [
      f,
      createHash("sha256")
        .update(readFileSync(join(dir, f)))
        .digest("hex"),
    ]),
  );
}

// The recipe: copy protected.ts, change what it says and answers.
const WHOAMI = readFileSync(join(ROOT, "functions", "protected.ts"), "utf8")
  .replace(/summary: "[^"]*"/, 'summary: "Who is calling: the token type and subject."')
  .replace(
    /response: \{[^\n]*\},?\n/,
    "response: { schema: z.looseObject({ tokenType: z.string(), subject: z.string() }) },\n",
  )
  .replace(
    /async handle\(\) \{\n\s*return json\([^\n]*\);/,
    "async handle(_req, { auth }) {\n    return json({ tokenType: auth.tokenType, subject: auth.subject });",
  );

describe("a new function is one file", () => {
  let dir: string;
  let files: string[];
  let before: Record<string, string>;
  let started: NpmStart | undefined;

  beforeAll(async () => {
    dir = await copyRepository();
    const { stdout } = await run("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
      cwd: ROOT,
    });
    files = stdout.split("\0").filter((f) => f && existsSync(join(dir, f)));
    before = fingerprint(dir, files);
    expect(WHOAMI).toContain("auth.subject");
    writeFileSync(join(dir, "functions", "whoami.ts"), WHOAMI);
  }, 120_000);
  afterAll(async () => {
    started?.dev.kill("SIGINT");
    if (started) await new Promise((r) => started!.dev.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  });

  it("npm run build bundles it for every target and describes it", async () => {
    const build = await run(node, ["scripts/build.ts"], { cwd: dir });
    expect(build.stdout).toMatch(/\| netlify\/whoami \| [\d.]+ KiB/);
    expect(readFileSync(join(dir, "dist/netlify/whoami.mjs"), "utf8")).toContain('"path":"/api/whoami"');
    expect(existsSync(join(dir, "dist/supabase/functions/whoami/index.js"))).toBe(true);
    expect(readFileSync(join(dir, "dist/supabase/config.toml"), "utf8")).toContain("[functions.whoami]");
    const doc = JSON.parse(readFileSync(join(dir, "dist/openapi.json"), "utf8")) as {
      paths: Record<string, { get?: { summary: string } }>;
    };
    expect(doc.paths["/api/whoami"]?.get?.summary).toBe("Who is calling: the token type and subject.");
  }, 120_000);

  it("npm start serves it, prints its curl line and describes it; the smoke CLI tests it", async () => {
    started = await startNpmStart("Smoke test:", 0, dir);
    const token = /export TOKEN=(\S+)/.exec(started.banner())![1]!;
    expect(started.banner()).toContain(
      `curl -i ${started.base}/api/whoami -H "Authorization: Bearer $TOKEN"`,
    );
    const res = await fetch(`${started.base}/api/whoami`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ tokenType: "session_token", subject: "user_alice" });
    const doc = (await (await fetch(`${started.base}/openapi.json`)).json()) as { paths: object };
    expect(Object.keys(doc.paths)).toContain("/api/whoami");

    const smokeRun = await smoke(["--base-url", started.base], { SMOKE_SESSION_TOKEN: token }, dir);
    expect(smokeRun.code, smokeRun.stdout + smokeRun.stderr).toBe(0);
    expect(smokeRun.stdout).toMatch(/\| whoami signed out → 401 \| 401 \| \d+ \| pass/);
    expect(smokeRun.stdout).toMatch(/\| whoami POST → 405 \| 405 \| \d+ \| pass/);
    expect(smokeRun.stdout).toMatch(/\| whoami signed in → 200 \| 200 \| \d+ \| pass/);
  }, 120_000);

  it.runIf(hasChromium())(
    "the try-it page draws a card for it that calls it",
    async () => {
      const browser = await launchChromium();
      try {
        const page = await browser.context.newPage();
        await page.goto(`${started!.base}/`);
        await page.getByRole("button", { name: "Sign in as user_alice" }).click();
        await page.locator("#session-status", { hasText: "Signed in as user_alice" }).waitFor();
        const card = page.locator('.fn[data-fn="whoami"]');
        expect(await card.locator("h2").textContent()).toBe("GET /api/whoami");
        await card.getByRole("button", { name: "Send", exact: true }).click();
        await card.locator(".result .status").waitFor();
        expect(await card.locator(".result .status").textContent()).toMatch(/^200 OK/);
      } finally {
        await browser.close();
      }
    },
    60_000,
  );

  it("no file other than the new one changed", () => {
    expect(fingerprint(dir, files)).toEqual(before);
  });

  it("a wrong declaration fails the build, naming the file and the field", async () => {
    writeFileSync(
      join(dir, "functions", "broken.ts"),
      WHOAMI.replace(/summary: "[^"]*",\n/, "").replace('method: "GET"', 'method: "FETCH"'),
    );
    const failed = await run(node, ["scripts/build.ts"], { cwd: dir }).catch(
      (e: { code: number; stderr: string }) => e,
    );
    rmSync(join(dir, "functions", "broken.ts"));
    expect((failed as { code: number }).code).toBe(1);
    const stderr = (failed as { stderr: string }).stderr;
    expect(stderr).toContain('functions/broken.ts: "summary"');
    expect(stderr).toContain('"method"');
  }, 60_000);
});
