// Configuration read through the one accessor: failures answer 500 server_misconfigured and log the
// variable's name, never its value; optional variables change behaviour as documented.
import { describe, expect, it } from "vitest";
import { type ExtraEnv, useFunctions } from "./support/fixture.ts";
import { APP_ORIGIN } from "./support/stack.ts";

const session = useFunctions();
/** The functions afresh, with the stand-ins' environment plus `env` (undefined removes a variable). */
const start = (env: ExtraEnv) => session.restart(env);
const bearer = () => ({ authorization: `Bearer ${session.token}` });

describe("misconfiguration → 500 server_misconfigured, naming the variable only in the log", () => {
  it.each([
    ["CLERK_SECRET_KEY missing", { CLERK_SECRET_KEY: undefined }, "CLERK_SECRET_KEY"],
    ["CLERK_SECRET_KEY malformed", { CLERK_SECRET_KEY: "secret-value-123" }, "CLERK_SECRET_KEY"],
    [
      "CLERK_PUBLISHABLE_KEY not a pk",
      { CLERK_PUBLISHABLE_KEY: "pk_test_bm90IGEgaG9zdA" },
      "CLERK_PUBLISHABLE_KEY",
    ],
    ["CLERK_JWT_KEY not a PEM", { CLERK_JWT_KEY: "MIIBIjANBgkq-not-a-pem" }, "CLERK_JWT_KEY"],
    [
      "CLERK_AUTHORIZED_PARTIES not origins",
      { CLERK_AUTHORIZED_PARTIES: "example.com/path" },
      "CLERK_AUTHORIZED_PARTIES",
    ],
    ["UPSTREAM_TIMEOUT_MS not a number", { UPSTREAM_TIMEOUT_MS: "soon" }, "UPSTREAM_TIMEOUT_MS"],
  ])("%s", async (_name, env, variable) => {
    const fns = await start(env);
    const res = await fns.call("protected", { headers: bearer() });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text).error.code).toBe("server_misconfigured");
    expect(text).not.toContain(variable);
    const line = fns.logs().at(-1) as { reason: string };
    expect(line.reason).toContain(variable);
    for (const value of Object.values(env))
      if (value) expect(JSON.stringify(fns.logs())).not.toContain(value);
  });

  it("SUPABASE_URL missing: supabase-data is 500 (before any Clerk call), the others still work", async () => {
    const fns = await start({ SUPABASE_URL: undefined });
    session.stack.resetCalls();
    const res = await fns.call("supabase-data", { headers: bearer() });
    expect(res.status).toBe(500);
    expect((fns.logs().at(-1) as { reason: string }).reason).toContain("SUPABASE_URL");
    expect(session.stack.clerkCalls()).toEqual([]);
    expect((await fns.call("protected", { headers: bearer() })).status).toBe(200);
  });
});

describe("optional variables", () => {
  it("blank values count as unset (dashboards save emptied fields as empty strings)", async () => {
    const fns = await start({ CLERK_JWT_KEY: "", DATA_TABLE: "  " });
    expect((await fns.call("supabase-data", { headers: bearer() })).status).toBe(200);
  });

  it("CORS_ALLOWED_ORIGINS=* → Access-Control-Allow-Origin: * and never credentials", async () => {
    const fns = await start({ CORS_ALLOWED_ORIGINS: "*" });
    const pre = await fns.call("protected", {
      method: "OPTIONS",
      headers: { origin: "https://anywhere.example" },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("*");
    expect(pre.headers.get("access-control-allow-credentials")).toBeNull();
    const res = await fns.call("protected", { headers: { ...bearer(), origin: "https://anywhere.example" } });
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
  });

  it("CORS_ALLOWED_ORIGINS replaces the authorized parties as the CORS list", async () => {
    const fns = await start({ CORS_ALLOWED_ORIGINS: "https://app.example" });
    const allowed = await fns.call("protected", {
      method: "OPTIONS",
      headers: { origin: "https://app.example" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example");
    const other = await fns.call("protected", { method: "OPTIONS", headers: { origin: APP_ORIGIN } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("SIGN_IN_URL may be absolute", async () => {
    const fns = await start({ SIGN_IN_URL: "https://accounts.example/sign-in" });
    const res = await fns.call("update-user", {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("https://accounts.example/sign-in");
  });

  it("DATA_TABLE names the table read; a missing one is an upstream error, not a crash", async () => {
    const fns = await start({ DATA_TABLE: "no_such_table" });
    const res = await fns.call("supabase-data", { headers: bearer() });
    expect(res.status).toBe(502);
    expect(await res.text()).not.toContain("no_such_table");
  });

  it("CLERK_SUPABASE_TEMPLATE=none passes the session token to Supabase (native integration), no Clerk call", async () => {
    const fns = await start({
      CLERK_SUPABASE_TEMPLATE: "none",
      CLERK_JWT_KEY: session.stack.clerk.jwtKeyPem,
    });
    session.stack.resetCalls();
    const res = await fns.call("supabase-data", { headers: bearer() });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { user_id: string }[] };
    expect(data.length).toBeGreaterThan(0);
    expect(data.every((r) => r.user_id === "user_alice")).toBe(true);
    expect(session.stack.clerkCalls()).toEqual([]);
    expect(session.stack.supabase.server.requests.at(-1)!.headers.authorization).toBe(
      `Bearer ${session.token}`,
    );
  });
});
