// Per-function configuration: a function depends only on the variables it reads, each problem says what
// to set, and log levels follow the status. (`npm start` refusing a broken configuration:
// test/tooling/npm-start.test.ts.)
import { describe, expect, it } from "vitest";
import { EXAMPLE, SUPABASE_URL_HINT } from "./support/env-example.ts";
import { useFunctions } from "./support/fixture.ts";
import { type Host, sourceHost } from "./support/hosts.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";

function isolation(host: Host): void {
  // Real Clerk settings, Supabase still the .env.example placeholders, a broken SIGN_IN_URL.
  const session = useFunctions({
    host,
    mode: "networkless",
    env: {
      SUPABASE_URL: EXAMPLE.SUPABASE_URL!,
      SUPABASE_PUBLISHABLE_KEY: EXAMPLE.SUPABASE_PUBLISHABLE_KEY!,
      SIGN_IN_URL: "sign in please",
    },
  });
  const bearer = () => ({ authorization: `Bearer ${session.token}` });
  const lineOf = (fn: string) =>
    session.fns.logs().findLast((l) => l.function === fn) as Record<string, unknown>;

  it("placeholder Supabase settings: protected and current-user still 200", async () => {
    expect((await session.fns.call("protected", { headers: bearer() })).status).toBe(200);
    expect((await session.fns.call("current-user", { headers: bearer() })).status).toBe(200);
  });

  it("placeholder Supabase settings: update-user (signed in) still 200", async () => {
    const res = await session.fns.call("update-user", {
      headers: { ...bearer(), "content-type": "application/json" },
      body: '{"lastName":"Lovelace"}',
    });
    expect(res.status).toBe(200);
  });

  it("placeholder Supabase settings: supabase-data → 500 server_misconfigured, logged at error with what to set", async () => {
    const res = await session.fns.call("supabase-data", { headers: bearer() });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe("server_misconfigured");
    expect(text).not.toContain("SUPABASE");
    await expect.poll(() => lineOf("supabase-data")?.status).toBe(500);
    const line = lineOf("supabase-data");
    expect(line.level).toBe("error");
    expect(line.reason).toContain(SUPABASE_URL_HINT);
    expect(line.reason).toContain("SUPABASE_PUBLISHABLE_KEY must be");
    expect(line.reason).not.toMatch(/Invalid input/);
    expect(JSON.stringify(session.fns.logs())).not.toContain(EXAMPLE.SUPABASE_PUBLISHABLE_KEY!);
    expect(session.stack.clerkCalls().filter((c) => c.includes("/tokens/"))).toEqual([]);
  });

  it("a malformed SIGN_IN_URL only breaks update-user's redirect → 500, logged with what to set", async () => {
    const res = await session.fns.call("update-user", { headers: { accept: "text/html" } });
    expect(res.status).toBe(500);
    await expect.poll(() => lineOf("update-user")?.status).toBe(500);
    expect(lineOf("update-user").reason).toMatch(/SIGN_IN_URL must be a path like \/sign-in/);
  });
}

describe("a function depends only on the variables it uses", () => {
  describe("source", () => isolation(sourceHost));
  describe("Netlify bundles on Node", () => isolation(nodeBundleHost));
  describe("Supabase bundles under Deno", () => isolation(denoHost));
});

describe("log levels (source)", () => {
  const session = useFunctions({ mode: "networkless" });
  const last = () => session.fns.logs().at(-1) as { level: string; status: number };

  it("a 401 without any upstream → info", async () => {
    await session.fns.call("protected");
    expect(last()).toMatchObject({ status: 401, level: "info" });
  });

  it("Clerk 500 → 502 logged at error", async () => {
    session.stack.clerk.server.fault({
      method: "GET",
      path: "/v1/users/user_alice",
      status: 500,
      body: "{}",
      times: 1,
    });
    await session.fns.call("current-user", { headers: { authorization: `Bearer ${session.token}` } });
    expect(last()).toMatchObject({ status: 502, level: "error" });
  });

  it("Clerk 429 → 503 logged at error", async () => {
    session.stack.clerk.server.fault({
      method: "GET",
      path: "/v1/users/user_alice",
      status: 429,
      body: "{}",
      times: 1,
    });
    await session.fns.call("current-user", { headers: { authorization: `Bearer ${session.token}` } });
    expect(last()).toMatchObject({ status: 503, level: "error" });
  });

  it("Clerk 422 on the update → 422 logged at warn", async () => {
    session.stack.clerk.server.fault({
      method: "PATCH",
      path: "/v1/users/user_alice",
      status: 422,
      body: JSON.stringify({
        errors: [{ code: "form_param_format_invalid", message: "x", long_message: "x" }],
      }),
      times: 1,
    });
    await session.fns.call("update-user", {
      headers: { authorization: `Bearer ${session.token}`, "content-type": "application/json" },
      body: '{"firstName":"Ada"}',
    });
    expect(last()).toMatchObject({ status: 422, level: "warn" });
  });

  it("a user deleted at Clerk (404) → 401 logged at warn", async () => {
    const ghost = await session.stack.clerk.mintSessionToken({ userId: "user_ghost", ttlSeconds: 600 });
    await session.fns.call("current-user", { headers: { authorization: `Bearer ${ghost}` } });
    expect(last()).toMatchObject({ status: 401, level: "warn" });
  });
});
