// The template token minted for a session must name that session's user. Supabase's Row Level Security
// scopes rows by the token's `sub`, so a Clerk-signed token for someone else — Clerk answering alice's
// session with bob's token — would read bob's rows. It is refused before use: 502 upstream_error with the
// reason logged, no Supabase query, and nothing remembered.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Host, type Running, sourceHost } from "./support/hosts.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";
import { type Stack, startStack } from "./support/stack.ts";

const ALICE = "user_alice";
const BOB = "user_bob";

function templateSubject(host: Host): void {
  let stack: Stack;
  let fns: Running;
  beforeAll(async () => {
    stack = await startStack();
    fns = await host.start({ ...stack.env, CLERK_JWT_KEY: stack.clerk.jwtKeyPem });
  });
  afterAll(async () => {
    await fns?.close();
    await stack?.close();
  });
  beforeEach(() => stack.resetCalls());

  /** A real template token, signed by Clerk, for one of bob's sessions. */
  async function bobsTemplateToken(): Promise<string> {
    const sid = stack.clerk.createSession(BOB);
    const res = await fetch(`${stack.clerk.url}/v1/sessions/${sid}/tokens/supabase`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.clerk.secretKey}`, "content-type": "application/json" },
      body: "{}",
    });
    return ((await res.json()) as { jwt: string }).jwt;
  }

  it("Clerk returns bob's template token for alice's session → 502 upstream_error, no query, not remembered", async () => {
    const token = await stack.clerk.mintSessionToken({ userId: ALICE, ttlSeconds: 3600 });
    const sid = JSON.parse(atob(token.split(".")[1]!.replace(/-/g, "+").replace(/_/g, "/"))).sid as string;
    const path = `/v1/sessions/${sid}/tokens/supabase`;
    const body = JSON.stringify({ object: "token", jwt: await bobsTemplateToken() });
    stack.resetCalls();
    stack.clerk.server.fault({ method: "POST", path, status: 200, body, times: 1 });
    const headers = { authorization: `Bearer ${token}`, "x-request-id": `subject-${crypto.randomUUID()}` };

    const res = await fns.call("supabase-data", { headers });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("upstream_error");
    expect(stack.supabaseCalls()).toEqual([]);
    await expect
      .poll(() => fns.logs().find((l) => l.requestId === headers["x-request-id"]))
      .toMatchObject({ status: 502, level: "error", reason: "template-token-subject-mismatch" });

    // Not remembered: the next request asks Clerk again, gets alice's own token, and reads alice's rows.
    const again = await fns.call("supabase-data", { headers: { authorization: `Bearer ${token}` } });
    expect(again.status).toBe(200);
    const rows = ((await again.json()) as { data: { user_id: string }[] }).data;
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.user_id === ALICE)).toBe(true);
    expect(stack.clerkCalls()).toEqual([`POST ${path}`, `POST ${path}`]);
  });
}

describe("source", () => templateSubject(sourceHost));
describe("Netlify bundles on Node", () => templateSubject(nodeBundleHost));
describe("Supabase bundles under Deno", () => templateSubject(denoHost));
