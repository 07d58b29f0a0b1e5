// Machine callers the way users meet them: `npm start` prints an M2M token and an API key with curl lines,
// and the smoke CLI runs its machine rows with SMOKE_MACHINE_TOKEN or with an M2M token it mints from
// CLERK_MACHINE_SECRET_KEY (POST /m2m_tokens), alone (as against a production instance) or beside the
// session rows.
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTION_NAMES } from "../../scripts/lib/functions.ts";
import { stopProcess } from "../../scripts/lib/process.ts";
import { type NpmStart, smoke, startNpmStart } from "../support/npm-start.ts";

describe("machine callers against npm start (stand-ins, no keys)", () => {
  let started: NpmStart;
  let dev: ChildProcess;
  let base: string;
  const exported = (name: string) =>
    new RegExp(`^export ${name}=(\\S+)$`, "m").exec(started.banner())?.[1] ?? "";

  beforeAll(async () => {
    started = await startNpmStart("CLERK_SECRET_KEY=");
    ({ dev, base } = started);
  });
  afterAll(() => stopProcess(dev));

  it("prints an M2M token and an API key that the printed curl lines use", async () => {
    const m2m = exported("M2M_TOKEN");
    const apiKey = exported("API_KEY");
    expect(m2m).toMatch(/^mt_[0-9a-f]{32}$/);
    expect(apiKey).toMatch(/^ak_[0-9a-f]+$/);
    expect(started.banner()).toContain(`${base}/api/protected -H "Authorization: Bearer $M2M_TOKEN"`);
    expect(started.banner()).toContain(`${base}/api/current-user -H "Authorization: Bearer $API_KEY"`);
    const protectedRes = await fetch(`${base}/api/protected`, {
      headers: { authorization: `Bearer ${m2m}` },
    });
    expect(protectedRes.status).toBe(200);
    const me = await fetch(`${base}/api/current-user`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { id: string } }).user.id).toBe("user_alice");
    const write = await fetch(`${base}/api/update-user`, {
      method: "POST",
      headers: { authorization: `Bearer ${m2m}`, accept: "application/json" },
    });
    expect(write.status).toBe(401);
  });

  it("smoke with CLERK_MACHINE_SECRET_KEY alone mints an M2M token and runs the machine rows", async () => {
    const line = /^CLERK_MACHINE_SECRET_KEY=(\S+) CLERK_API_URL=(\S+) npm run smoke/m.exec(started.banner());
    expect(line).not.toBeNull();
    const run = await smoke(["--base-url", base, "--json"], {
      CLERK_MACHINE_SECRET_KEY: line![1]!,
      CLERK_API_URL: line![2]!,
    });
    expect(run.code).toBe(0);
    const { results } = JSON.parse(run.stdout) as { results: { check: string; status: number }[] };
    // Rows from each function's declaration: signed out everywhere, then the M2M token: 200 where a
    // function accepts machines (protected), 401 where it needs a person or a user's token.
    const rows = results.map((r) => `${r.check}: ${r.status}`);
    for (const fn of FUNCTION_NAMES) expect(rows).toContain(`${fn} signed out → 401: 401`);
    expect(rows).toEqual(
      expect.arrayContaining([
        "update-user signed out (browser) → 303: 303",
        "current-user machine token → 401: 401",
        "protected machine token → 200: 200",
        "supabase-data machine token → 401: 401",
        "update-user machine token → 401: 401",
      ]),
    );
    expect(rows.filter((r) => r.includes("machine token → 200"))).toEqual([
      "protected machine token → 200: 200",
    ]);
  });

  it("smoke with a session token and SMOKE_MACHINE_TOKEN runs both", async () => {
    const run = await smoke(["--base-url", base], {
      SMOKE_SESSION_TOKEN: exported("TOKEN"),
      SMOKE_MACHINE_TOKEN: exported("API_KEY"),
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/\| protected signed in → 200 \| 200 \|/);
    expect(run.stdout).toMatch(/\| protected machine token → 200 \| 200 \|/);
    expect(run.stdout).toMatch(/\| update-user machine token → 401 \| 401 \|/);
  });

  it("a machine token the deployment refuses fails the run", async () => {
    const run = await smoke(["--base-url", base], {
      SMOKE_MACHINE_TOKEN: "ak_0123456789abcdef0123456789abcdef",
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/\| protected machine token → 200 \| 401 \| \d+ \| FAIL/);
  });
});
