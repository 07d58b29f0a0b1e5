// The smoke CLI run the way users run it: against `npm start`, against the Supabase bundles under Deno
// (behind Supabase's /functions/v1/<name> URLs), and against a broken deployment it must fail on.
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isFunctionName } from "../../scripts/lib/functions.ts";
import { type StandInServer, serve } from "../../scripts/stand-ins/http.ts";
import { useFunctions } from "../support/fixture.ts";
import { type NpmStart, smoke, startNpmStart } from "../support/npm-start.ts";
import { denoHost, netlifyEdgeHost, nodeBundleHost } from "../support/process-hosts.ts";
import { APP_ORIGIN } from "../support/stack.ts";

describe("smoke against npm start (stand-ins, no keys)", () => {
  let started: NpmStart;
  let dev: ChildProcess;
  let base: string;

  beforeAll(async () => {
    started = await startNpmStart("Smoke test:", 50);
    ({ dev, base } = started);
  });
  afterAll(async () => {
    const exited = new Promise((r) => dev.once("exit", r));
    // Ctrl-C, as a user stops it: the server and both stand-ins must shut down.
    dev.kill("SIGINT");
    expect(await exited).toBe(0);
  });

  it("prints curl lines whose token works: 200 signed in, 401 signed out", async () => {
    const token = /export TOKEN=(\S+)/.exec(started.banner())![1]!;
    expect(started.banner()).toContain(`curl -i ${base}/api/protected -H "Authorization: Bearer $TOKEN"`);
    const signedIn = await fetch(`${base}/api/protected`, { headers: { authorization: `Bearer ${token}` } });
    expect(signedIn.status).toBe(200);
    expect((await fetch(`${base}/api/protected`)).status).toBe(401);
  });

  it("passes with SMOKE_SESSION_TOKEN, printing a table and restoring the name", async () => {
    const token = /export TOKEN=(\S+)/.exec(started.banner())![1]!;
    const run = await smoke(["--base-url", base, "--origin", base], { SMOKE_SESSION_TOKEN: token });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\| check \| status \| ms \| result \|$/m);
    expect(run.stdout).toMatch(/update-user restore firstName → 200 \| 200 \| \d+ \| pass/);
    expect(run.stdout).toMatch(/^\d+ passed, 0 failed$/m);
  });

  it("passes minting its own token through the Backend API (CLERK_SECRET_KEY + SMOKE_USER_ID)", async () => {
    const line = started
      .banner()
      .split("\n")
      .find((l) => l.startsWith("CLERK_SECRET_KEY="))!;
    const env = Object.fromEntries(
      line
        .split(" ")
        .filter((w) => w.includes("="))
        .map((w) => w.split("=") as [string, string]),
    );
    const run = await smoke(["--base-url", base, "--json"], env);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { results: { check: string; pass: boolean }[] };
    expect(report.results.length).toBeGreaterThanOrEqual(13);
    expect(report.results.every((r) => r.pass)).toBe(true);
  });
});

describe("smoke against the Supabase bundles under Deno (--target supabase)", () => {
  const session = useFunctions({ host: denoHost, users: [] });
  let gateway: StandInServer;

  beforeAll(async () => {
    // Supabase's gateway: /functions/v1/<name> → the function's own server.
    gateway = await serve(async (req, body) => {
      const name = new URL(req.url).pathname.replace("/functions/v1/", "");
      if (!isFunctionName(name)) return new Response("Not Found", { status: 404 });
      const target = new URL(session.fns.urlFor(name));
      target.search = new URL(req.url).search;
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      return fetch(target, {
        method: req.method,
        headers: req.headers,
        body: hasBody ? body : undefined,
        redirect: "manual",
      });
    });
  });
  afterAll(async () => {
    await gateway?.close();
  });

  it("passes, with a token minted through the Backend API", async () => {
    const run = await smoke(
      ["--base-url", gateway.url, "--target", "supabase", "--origin", "http://localhost:8888"],
      {
        CLERK_SECRET_KEY: session.stack.clerk.secretKey,
        CLERK_API_URL: session.stack.clerk.url,
        SMOKE_USER_ID: "user_bob",
      },
    );
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\d+ passed, 0 failed$/m);
  });
});

describe("smoke against the edge functions under the real netlify dev (--target netlify-edge)", () => {
  const edge = useFunctions({ host: netlifyEdgeHost, users: [], timeoutMs: 240_000 });

  it("passes at /edge/<name>, with a token minted through the Backend API", async () => {
    const base = new URL(edge.fns.urlFor("protected")).origin;
    const run = await smoke(["--base-url", base, "--target", "netlify-edge", "--origin", APP_ORIGIN], {
      CLERK_SECRET_KEY: edge.stack.clerk.secretKey,
      CLERK_API_URL: edge.stack.clerk.url,
      SMOKE_USER_ID: "user_bob",
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\| protected signed in → 200 \| 200 \|/);
    expect(run.stdout).toMatch(/^\d+ passed, 0 failed$/m);
    // /edge/ is the edge functions' (the same netlify dev serves the Node ones at /api/).
    const answer = await fetch(`${base}/edge/protected`);
    expect(answer.headers.get("x-nf-edge-functions")).toBe("protected");
  });
});

describe("smoke against a broken deployment", () => {
  // Misconfigured: Supabase points at nothing listening.
  const session = useFunctions({ host: nodeBundleHost, env: { SUPABASE_URL: "http://127.0.0.1:9" } });

  it("exits non-zero and names the failing row", async () => {
    const base = new URL(session.fns.urlFor("protected")).origin;
    const run = await smoke(["--base-url", base], { SMOKE_SESSION_TOKEN: session.token });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\| supabase-data signed in → 200 \| 502 \| \d+ \| FAIL/);
    expect(run.stdout).toMatch(/\| protected signed in → 200 \| 200 \| \d+ \| pass/);
  });

  it("bad arguments → usage and exit 2; unreachable URL → one clear line, exit 2", async () => {
    const bad = await smoke(["--base-url", "not a url"], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Usage: npm run smoke");
    const down = await smoke(["--base-url", "http://127.0.0.1:9"], { SMOKE_SESSION_TOKEN: "x" });
    expect(down.code).toBe(2);
    expect(down.stderr.trim().split("\n")).toHaveLength(1);
    expect(down.stderr).toContain("Cannot reach http://127.0.0.1:9");
  });
});
