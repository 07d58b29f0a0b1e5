// Machine callers — M2M tokens, API keys, OAuth access tokens — on every host (source in-process, Netlify
// bundles on Node, Supabase bundles under Deno, in JWKS and networkless mode; the table also under the
// real netlify dev). A decision table of machine
// rows with the status, the logged reason and token type, and the Backend API calls the Clerk stand-in saw;
// then Clerk failing while verifying, reuse of verified and refused tokens, the verification-rate bound, and
// a secret scan of everything the rows produced.
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { findSecrets } from "../scripts/lib/secrets.ts";
import type { Fault } from "../scripts/stand-ins/http.ts";
import { REFUSALS_PER_CLIENT } from "../shared/auth/machine.ts";
import { useFunctions } from "./support/fixture.ts";
import { type FunctionName, type Host, type Running, sourceHost } from "./support/hosts.ts";
import { forEachMode, type Mode, type ModeContext } from "./support/modes.ts";
import { logFor, requestId } from "./support/probe.ts";
import { denoHost, netlifyDevHost, netlifyEdgeHost, nodeBundleHost } from "./support/process-hosts.ts";
import type { Stack } from "./support/stack.ts";

const ALICE = "user_alice";
const M2M_VERIFY = "POST /m2m_tokens/verify";
const KEY_VERIFY = "POST /api_keys/verify";
const OAUTH_VERIFY = "POST /oauth_applications/access_tokens/verify";
const GET_ALICE = `GET /v1/users/${ALICE}`;

/** Every machine token a row sent: none may appear in a response or a log line. */
const sentTokens = new Set<string>();
const seen: string[] = [];

interface Sent {
  /** How the token travels: the Authorization header (default) or the session cookie. */
  via?: "header" | "cookie";
  token: string;
  /** The client's address, as Supabase's gateway forwards it (hosts that pass none read it). */
  client?: string;
}

interface Row {
  id: string;
  name: string;
  fn: FunctionName;
  send: (s: Stack) => Promise<Sent>;
  status: number;
  reason?: string;
  tokenType?: string;
  /** The subject the log line names when signed in. */
  subject?: (s: Stack) => { userId?: string; machineId?: string };
  /** The Backend API calls (JWKS aside) the request cost, in order. */
  calls: string[];
}

const m2m = (s: Stack, o: { format?: "opaque" | "jwt"; ttlSeconds?: number } = {}) =>
  s.clerk.machineAuth.mintM2MToken({ machineId: s.clerk.seedMachines.caller.id, ...o });
const apiKey = (s: Stack, subject = ALICE, ttlSeconds?: number) =>
  s.clerk.machineAuth.createApiKey({ subject, ttlSeconds });
const oauth = (s: Stack, o: { format?: "opaque" | "jwt"; ttlSeconds?: number } = {}) =>
  s.clerk.machineAuth.mintOAuthToken({ userId: ALICE, ...o });
const revoked = async (s: Stack, token: Promise<string>) => {
  const t = await token;
  s.clerk.machineAuth.revoke(t);
  return { token: t };
};
const expired = async (s: Stack, token: Promise<string>) => {
  const t = await token;
  s.clerk.machineAuth.expire(t);
  return { token: t };
};
const random = (prefix: string) =>
  `${prefix}${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
const header = async (token: Promise<string> | string): Promise<Sent> => ({ token: await token });
const cookie = async (token: Promise<string> | string): Promise<Sent> => ({
  via: "cookie",
  token: await token,
});
const caller = (s: Stack) => ({ machineId: s.clerk.seedMachines.caller.id });
const alice = () => ({ userId: ALICE });

const ROWS: Row[] = [
  // M2M tokens, opaque: verified by Clerk.
  {
    id: "m1",
    name: "valid opaque M2M token",
    fn: "protected",
    send: (s) => header(m2m(s)),
    status: 200,
    tokenType: "m2m_token",
    subject: caller,
    calls: [M2M_VERIFY],
  },
  {
    id: "m2",
    name: "revoked opaque M2M token (Clerk: 200, revoked: true)",
    fn: "protected",
    send: (s) => revoked(s, m2m(s)),
    status: 401,
    reason: "machine-token-revoked",
    calls: [M2M_VERIFY],
  },
  {
    id: "m3",
    name: "expired opaque M2M token (Clerk: 200, expired: true)",
    fn: "protected",
    send: (s) => expired(s, m2m(s)),
    status: 401,
    reason: "token-expired",
    calls: [M2M_VERIFY],
  },
  {
    id: "m4",
    name: "unknown mt_ token (Clerk: 404)",
    fn: "protected",
    send: () => header(random("mt_")),
    status: 401,
    reason: "machine-token-unknown",
    calls: [M2M_VERIFY],
  },
  {
    id: "m5",
    name: "M2M token on update-user",
    fn: "update-user",
    send: (s) => header(m2m(s)),
    status: 401,
    reason: "token-type-mismatch",
    calls: [],
  },
  {
    id: "m6",
    name: "M2M token on supabase-data",
    fn: "supabase-data",
    send: (s) => header(m2m(s)),
    status: 401,
    reason: "token-type-mismatch",
    calls: [],
  },
  {
    id: "m7",
    name: "M2M token on current-user",
    fn: "current-user",
    send: (s) => header(m2m(s)),
    status: 401,
    reason: "token-type-mismatch",
    calls: [],
  },
  {
    id: "m8",
    name: "M2M token in the __session cookie",
    fn: "protected",
    send: (s) => cookie(m2m(s)),
    status: 401,
    reason: "machine-token-in-cookie",
    calls: [],
  },
  // M2M tokens, JWT: verified locally.
  {
    id: "m9",
    name: "valid M2M JWT",
    fn: "protected",
    send: (s) => header(m2m(s, { format: "jwt" })),
    status: 200,
    tokenType: "m2m_token",
    subject: caller,
    calls: [],
  },
  {
    id: "m10",
    name: "expired M2M JWT",
    fn: "protected",
    send: (s) => header(m2m(s, { format: "jwt", ttlSeconds: -60 })),
    status: 401,
    reason: "token-expired",
    calls: [],
  },
  {
    id: "m11",
    name: "M2M JWT of another issuer",
    fn: "protected",
    send: (s) =>
      header(
        s.clerk.mintSessionToken({
          userId: "mch_other",
          header: { cat: "cl_B7d4PD333AAA" },
          claims: { sid: undefined, azp: undefined, iss: "https://clerk.other.example" },
        }),
      ),
    status: 401,
    reason: "token-invalid-issuer",
    calls: [],
  },
  {
    id: "m12",
    name: "M2M JWT on update-user",
    fn: "update-user",
    send: (s) => header(m2m(s, { format: "jwt" })),
    status: 401,
    reason: "token-type-mismatch",
    calls: [],
  },
  {
    id: "m13",
    name: "M2M JWT in the __session cookie",
    fn: "protected",
    send: (s) => cookie(m2m(s, { format: "jwt" })),
    status: 401,
    reason: "token-type-mismatch",
    calls: [],
  },
  // API keys.
  {
    id: "a1",
    name: "valid API key of a user",
    fn: "protected",
    send: (s) => header(apiKey(s)),
    status: 200,
    tokenType: "api_key",
    subject: alice,
    calls: [KEY_VERIFY],
  },
  {
    id: "a2",
    name: "valid API key of a user on current-user",
    fn: "current-user",
    send: (s) => header(apiKey(s)),
    status: 200,
    tokenType: "api_key",
    subject: alice,
    calls: [KEY_VERIFY, GET_ALICE],
  },
  {
    id: "a3",
    name: "API key of an organization on current-user",
    fn: "current-user",
    send: (s) => header(apiKey(s, "org_acme")),
    status: 401,
    reason: "machine-subject-not-user",
    calls: [KEY_VERIFY],
  },
  {
    id: "a4",
    name: "API key of a machine on current-user",
    fn: "current-user",
    send: (s) => header(apiKey(s, s.clerk.seedMachines.caller.id)),
    status: 401,
    reason: "machine-subject-not-user",
    calls: [KEY_VERIFY],
  },
  {
    id: "a5",
    name: "API key of an organization on protected",
    fn: "protected",
    send: (s) => header(apiKey(s, "org_acme")),
    status: 200,
    tokenType: "api_key",
    calls: [KEY_VERIFY],
  },
  {
    id: "a6",
    name: "revoked API key",
    fn: "protected",
    send: (s) => revoked(s, Promise.resolve(apiKey(s))),
    status: 401,
    reason: "machine-token-revoked",
    calls: [KEY_VERIFY],
  },
  {
    id: "a7",
    name: "expired API key",
    fn: "protected",
    send: (s) => expired(s, Promise.resolve(apiKey(s, ALICE, 3600))),
    status: 401,
    reason: "token-expired",
    calls: [KEY_VERIFY],
  },
  {
    id: "a8",
    name: "unknown ak_ key (Clerk: 404)",
    fn: "protected",
    send: () => header(random("ak_")),
    status: 401,
    reason: "machine-token-unknown",
    calls: [KEY_VERIFY],
  },
  {
    id: "a9",
    name: "API key on update-user",
    fn: "update-user",
    send: (s) => header(apiKey(s)),
    status: 401,
    reason: "token-type-mismatch",
    calls: [],
  },
  {
    id: "a10",
    name: "API key on supabase-data",
    fn: "supabase-data",
    send: (s) => header(apiKey(s)),
    status: 401,
    reason: "token-type-mismatch",
    calls: [],
  },
  {
    id: "a11",
    name: "API key in the __session cookie",
    fn: "protected",
    send: (s) => cookie(apiKey(s)),
    status: 401,
    reason: "machine-token-in-cookie",
    calls: [],
  },
  {
    id: "a12",
    name: "an ak_ key longer than any Clerk issues",
    fn: "protected",
    send: () => header(`ak_${"x".repeat(600)}`),
    status: 401,
    reason: "token-invalid",
    calls: [],
  },
  // OAuth access tokens.
  {
    id: "o1",
    name: "valid opaque OAuth token",
    fn: "protected",
    send: (s) => header(oauth(s)),
    status: 200,
    tokenType: "oauth_token",
    subject: alice,
    calls: [OAUTH_VERIFY],
  },
  {
    id: "o2",
    name: "valid opaque OAuth token on current-user",
    fn: "current-user",
    send: (s) => header(oauth(s)),
    status: 200,
    tokenType: "oauth_token",
    subject: alice,
    calls: [OAUTH_VERIFY, GET_ALICE],
  },
  {
    id: "o3",
    name: "revoked opaque OAuth token",
    fn: "protected",
    send: (s) => revoked(s, oauth(s)),
    status: 401,
    reason: "machine-token-revoked",
    calls: [OAUTH_VERIFY],
  },
  {
    id: "o4",
    name: "expired opaque OAuth token",
    fn: "protected",
    send: (s) => expired(s, oauth(s)),
    status: 401,
    reason: "token-expired",
    calls: [OAUTH_VERIFY],
  },
  {
    id: "o5",
    name: "unknown oat_ token (Clerk: 404)",
    fn: "protected",
    send: () => header(random("oat_")),
    status: 401,
    reason: "machine-token-unknown",
    calls: [OAUTH_VERIFY],
  },
  {
    id: "o6",
    name: "OAuth token on update-user",
    fn: "update-user",
    send: (s) => header(oauth(s)),
    status: 401,
    reason: "token-type-mismatch",
    calls: [],
  },
  {
    id: "o7",
    name: "OAuth token in the __session cookie",
    fn: "protected",
    send: (s) => cookie(oauth(s)),
    status: 401,
    reason: "machine-token-in-cookie",
    calls: [],
  },
  {
    id: "o8",
    name: "valid OAuth JWT on current-user",
    fn: "current-user",
    send: (s) => header(oauth(s, { format: "jwt" })),
    status: 200,
    tokenType: "oauth_token",
    subject: alice,
    calls: [GET_ALICE],
  },
  {
    id: "o9",
    name: "expired OAuth JWT",
    fn: "protected",
    send: (s) => header(oauth(s, { format: "jwt", ttlSeconds: -60 })),
    status: 401,
    reason: "token-expired",
    calls: [],
  },
  {
    id: "o10",
    name: "OAuth JWT on supabase-data",
    fn: "supabase-data",
    send: (s) => header(oauth(s, { format: "jwt" })),
    status: 401,
    reason: "token-type-mismatch",
    calls: [],
  },
  // Session tokens keep working, and say so in the log.
  {
    id: "s1",
    name: "session token",
    fn: "protected",
    send: (s) => header(s.clerk.mintSessionToken({ userId: ALICE })),
    status: 200,
    tokenType: "session_token",
    subject: alice,
    calls: [],
  },
];

const uat = () => Math.floor(Date.now() / 1000) - 60;

async function send(fns: Running, fn: FunctionName, sent: Sent, id: string): Promise<Response> {
  const headers: Record<string, string> =
    sent.via === "cookie"
      ? { cookie: `__client_uat=${uat()}; __clerk_db_jwt=dvb_local; __session=${sent.token}` }
      : { authorization: `Bearer ${sent.token}` };
  headers["x-request-id"] = id;
  if (sent.client) headers["x-forwarded-for"] = sent.client;
  if (fn !== "update-user") return fns.call(fn, { headers });
  return fns.call(fn, {
    headers: { ...headers, accept: "application/json", "content-type": "application/json" },
    body: '{"firstName":"Mallory"}',
  });
}

/** Sends a machine token and records what came back for the secret scan. */
async function probe(fns: Running, fn: FunctionName, sent: Sent, label: string) {
  sentTokens.add(sent.token);
  const id = requestId(label);
  const res = await send(fns, fn, sent, id);
  const body = await res.text();
  const log = await logFor(fns, id);
  seen.push(`${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n")}\n${body}`);
  if (log) seen.push(JSON.stringify(log));
  return { res, body, log };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The decision table alone (what the netlify dev host runs too). */
function machineTable(mode: Mode, ctx: ModeContext, host: Host): void {
  // Each isolate verifies at most 20 tokens per second: let it refill what the previous case used, so
  // the cases stay independent (the flood case below tests the bound itself).
  let used = 0;
  beforeEach(() => sleep(used * 55));
  afterEach(() => {
    used = ctx
      .stack()
      .clerkCalls()
      .filter((c) => c.endsWith("/verify")).length;
  });

  it.each(
    ROWS.map(
      (r) =>
        [
          `[${r.id}] ${r.name} on ${r.fn} → ${r.status} ${r.reason ?? r.tokenType}, ${r.calls.length} call(s)`,
          r,
        ] as const,
    ),
  )("%s", async (_title, row) => {
    const stack = ctx.stack();
    const sent = await row.send(stack);
    stack.resetCalls();
    const { res, log } = await probe(ctx.fns(), row.fn, sent, `${host.name}-${mode}-${row.id}`);
    expect(res.status).toBe(row.status);
    expect(log?.status).toBe(row.status);
    expect(log?.reason).toBe(row.reason);
    if (row.tokenType) expect(log?.tokenType).toBe(row.tokenType);
    if (row.subject) expect(log).toMatchObject(row.subject(stack));
    if (row.status === 401) expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(stack.clerkCalls()).toEqual(row.calls);
  });
}

function machineSuite(mode: Mode, ctx: ModeContext, host: Host): void {
  machineTable(mode, ctx, host);

  const FAULTS: {
    name: string;
    path: string;
    token: (s: Stack) => Promise<string> | string;
    fault: Partial<Fault>;
    status: number;
    code: string;
    retryAfter?: string;
  }[] = [
    {
      name: "M2M verify 429 with Retry-After",
      path: "/m2m_tokens/verify",
      token: (s) => m2m(s),
      fault: {
        status: 429,
        headers: { "retry-after": "7" },
        body: '{"errors":[{"code":"too_many_requests","message":"x","long_message":"x"}]}',
      },
      status: 503,
      code: "upstream_unavailable",
      retryAfter: "7",
    },
    {
      name: "API key verify 429 with Retry-After",
      path: "/api_keys/verify",
      token: (s) => apiKey(s),
      fault: { status: 429, headers: { "retry-after": "3" }, body: '{"errors":[]}' },
      status: 503,
      code: "upstream_unavailable",
      retryAfter: "3",
    },
    {
      name: "OAuth verify 429 with Retry-After",
      path: "/oauth_applications/access_tokens/verify",
      token: (s) => oauth(s),
      fault: { status: 429, headers: { "retry-after": "5" }, body: '{"errors":[]}' },
      status: 503,
      code: "upstream_unavailable",
      retryAfter: "5",
    },
    {
      name: "M2M verify 500",
      path: "/m2m_tokens/verify",
      token: (s) => m2m(s),
      fault: { status: 500, body: '{"errors":[]}' },
      status: 502,
      code: "upstream_error",
    },
    {
      name: "API key verify 503",
      path: "/api_keys/verify",
      token: (s) => apiKey(s),
      fault: { status: 503, body: "<html>down</html>", contentType: "text/html" },
      status: 502,
      code: "upstream_error",
    },
    {
      name: "OAuth verify connection dropped",
      path: "/oauth_applications/access_tokens/verify",
      token: (s) => oauth(s),
      fault: { drop: true },
      status: 502,
      code: "upstream_unavailable",
    },
    {
      name: "M2M verify silent past the deadline",
      path: "/m2m_tokens/verify",
      token: (s) => m2m(s),
      fault: { delayMs: 2500 },
      status: 504,
      code: "upstream_timeout",
    },
  ];
  it.each(
    FAULTS.map(
      (f) =>
        [`Clerk ${f.name} → ${f.status} ${f.code}, and the token is not remembered as refused`, f] as const,
    ),
  )("%s", async (_title, f) => {
    const stack = ctx.stack();
    const token = await f.token(stack);
    stack.resetCalls();
    // Not `times: 1`: Deno's fetch resends once when a reused connection closes unanswered.
    stack.clerk.server.fault({ method: "POST", path: f.path, ...f.fault });
    const { res, body, log } = await probe(ctx.fns(), "protected", { token }, `${host.name}-fault`);
    expect(res.status).toBe(f.status);
    expect(JSON.parse(body).error.code).toBe(f.code);
    expect(res.headers.get("retry-after")).toBe(f.retryAfter ?? null);
    expect(log?.reason).toBeUndefined();
    // An outage is not an answer about the token: the next request asks again and gets in.
    stack.clerk.server.clearFaults();
    const before = stack.clerkCalls().length;
    const again = await probe(ctx.fns(), "protected", { token }, `${host.name}-fault-again`);
    expect(again.res.status).toBe(200);
    expect(stack.clerkCalls().length).toBe(before + 1);
  });

  it("a verified opaque token is reused (one call for five requests, also when concurrent)", async () => {
    const stack = ctx.stack();
    const token = apiKey(stack);
    stack.resetCalls();
    const first = await Promise.all(
      Array.from({ length: 3 }, () => probe(ctx.fns(), "protected", { token }, "reuse")),
    );
    for (let i = 0; i < 2; i++) first.push(await probe(ctx.fns(), "protected", { token }, "reuse"));
    expect(first.map((r) => r.res.status)).toEqual([200, 200, 200, 200, 200]);
    expect(stack.clerkCalls()).toEqual([KEY_VERIFY]);
  });

  it("a token Clerk does not know is remembered: five requests, one call", async () => {
    const stack = ctx.stack();
    const token = random("mt_");
    stack.resetCalls();
    for (let i = 0; i < 5; i++) {
      const { res, log } = await probe(ctx.fns(), "protected", { token }, "unknown");
      expect(res.status).toBe(401);
      expect(log?.reason).toBe("machine-token-unknown");
    }
    expect(stack.clerkCalls()).toEqual([M2M_VERIFY]);
  });

  it("CLERK_MACHINE_SECRET_KEY: M2M tokens verified as that machine; a token not scoped to it → 401", async () => {
    const stack = ctx.stack();
    const api = stack.clerk.seedMachines.api;
    const fns = await ctx.restart({ CLERK_MACHINE_SECRET_KEY: api.secretKey });
    const outsider = stack.clerk.machineAuth.createMachine("outsider");
    const scoped = await m2m(stack);
    const unscoped = await stack.clerk.machineAuth.mintM2MToken({ machineId: outsider.id });
    stack.resetCalls();
    expect((await probe(fns, "protected", { token: scoped }, "scoped")).res.status).toBe(200);
    const { res, log } = await probe(fns, "protected", { token: unscoped }, "unscoped");
    expect(res.status).toBe(401);
    expect(log?.reason).toBe("machine-token-unknown");
    const verifies = stack.clerk.server.requests.filter((r) => r.path === "/m2m_tokens/verify");
    expect(verifies.map((r) => r.headers.authorization)).toEqual([
      `Bearer ${api.secretKey}`,
      `Bearer ${api.secretKey}`,
    ]);
    // Only M2M tokens are verified as the machine: API keys still use the instance's secret key.
    stack.resetCalls();
    expect((await probe(fns, "protected", { token: apiKey(stack) }, "key")).res.status).toBe(200);
    expect(stack.clerk.server.requests[0]?.headers.authorization).toBe(`Bearer ${stack.clerk.secretKey}`);
    await ctx.restart();
  });

  // Last: it empties the isolate's verification allowance.
  it("a burst of 100 random ak_ keys costs ≤ 25 calls, never a 200 or a 500; the rest is 503 Retry-After: 1", async () => {
    const stack = ctx.stack();
    // The default deadline: a loaded machine answering slowly (504) is not what this measures.
    const fns = await ctx.restart({ UPSTREAM_TIMEOUT_MS: "8000" });
    stack.resetCalls();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => probe(fns, "protected", { token: random("ak_") }, `flood-${i}`)),
    );
    const statuses = results.map((r) => r.res.status);
    const calls = stack.clerkCalls().filter((c) => c === KEY_VERIFY).length;
    const throttled = results.filter((r) => r.res.status === 503);
    console.info(
      `[${host.name}/${mode}] flood: ${calls} calls, ${statuses.filter((s) => s === 401).length}×401, ${throttled.length}×503`,
    );
    // One client (the test's): its allowance of refusals bounds the calls, refilled too slowly to matter
    // however long the burst takes.
    expect(calls).toBeLessThanOrEqual(25);
    expect(calls).toBeGreaterThanOrEqual(REFUSALS_PER_CLIENT);
    expect(statuses.filter((s) => s !== 401 && s !== 503)).toEqual([]);
    for (const r of throttled) {
      expect(r.res.headers.get("retry-after")).toBe("1");
      expect(JSON.parse(r.body).error.code).toBe("upstream_unavailable");
      expect(r.log?.reason).toBe("machine-verification-throttled");
    }
    expect(throttled.length).toBeGreaterThanOrEqual(75);
    // A second later its allowance holds a refusal again, so a real key (never charged) gets in.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await probe(fns, "protected", { token: apiKey(stack) }, "after-flood")).res.status).toBe(200);
  });
}

for (const host of [sourceHost, nodeBundleHost, denoHost]) {
  describe(host.name, () => forEachMode((mode, ctx) => machineSuite(mode, ctx, host), host));
}

// The real netlify dev takes ~15 s to start: the decision table only, one netlify dev per mode serving
// both the Node functions and the edge functions.
describe("netlify dev (Node and edge)", () =>
  forEachMode((mode, ctx, host) => machineTable(mode, ctx, host), [netlifyDevHost, netlifyEdgeHost]));

// Reuse windows on a controlled clock: the source host runs in this process, so faking Date moves the
// functions' clock and the stand-in's together.
describe("source, controlled clock", () => {
  const session = useFunctions({ mode: "networkless", users: [] });
  afterAll(() => vi.useRealTimers());
  const later = (ms: number) => vi.setSystemTime(Date.now() + ms);

  it("a verified opaque token is reused for 10 s at most: a revocation is seen after that", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const token = apiKey(session.stack);
    session.stack.resetCalls();
    expect((await probe(session.fns, "protected", { token }, "clock")).res.status).toBe(200);
    session.stack.clerk.machineAuth.revoke(token);
    later(9_500);
    expect((await probe(session.fns, "protected", { token }, "clock")).res.status).toBe(200);
    expect(session.stack.clerkCalls()).toEqual([KEY_VERIFY]);
    later(1_000);
    const { res, log } = await probe(session.fns, "protected", { token }, "clock");
    expect(res.status).toBe(401);
    expect(log?.reason).toBe("machine-token-revoked");
    expect(session.stack.clerkCalls()).toEqual([KEY_VERIFY, KEY_VERIFY]);
    vi.useRealTimers();
  });

  it("a verified token is not reused past its own expiration, even inside the 10 s", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const token = await session.stack.clerk.machineAuth.mintM2MToken({
      machineId: session.stack.clerk.seedMachines.caller.id,
      ttlSeconds: 4,
    });
    session.stack.resetCalls();
    expect((await probe(session.fns, "protected", { token }, "clock")).res.status).toBe(200);
    later(5_000);
    const { res, log } = await probe(session.fns, "protected", { token }, "clock");
    expect(res.status).toBe(401);
    expect(log?.reason).toBe("token-expired");
    vi.useRealTimers();
  });

  it("a token Clerk does not know is remembered for 60 s, then asked about again", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const token = random("oat_");
    session.stack.resetCalls();
    expect((await probe(session.fns, "protected", { token }, "clock")).res.status).toBe(401);
    later(59_000);
    expect((await probe(session.fns, "protected", { token }, "clock")).res.status).toBe(401);
    expect(session.stack.clerkCalls()).toEqual([OAUTH_VERIFY]);
    later(2_000);
    expect((await probe(session.fns, "protected", { token }, "clock")).res.status).toBe(401);
    expect(session.stack.clerkCalls()).toEqual([OAUTH_VERIFY, OAUTH_VERIFY]);
    vi.useRealTimers();
  });

  it("the isolate's allowance refills at 20 per second (each token from its own client)", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    // Past every instant the cases above moved the clock to, so the allowance is full.
    later(70_000);
    session.stack.resetCalls();
    let client = 0;
    const fromNewClient = async () =>
      (
        await probe(
          session.fns,
          "protected",
          { token: random("ak_"), client: `198.51.100.${++client}` },
          "bucket",
        )
      ).res.status;
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push(await fromNewClient());
    expect(statuses.filter((s) => s === 503).length).toBe(5);
    later(250);
    const next: number[] = [];
    for (let i = 0; i < 6; i++) next.push(await fromNewClient());
    expect(next).toEqual([401, 401, 401, 401, 401, 503]);
    expect(session.stack.clerkCalls().length).toBe(25);
    vi.useRealTimers();
  });

  it(`one client's refusals: ${REFUSALS_PER_CLIENT} at once, then one per second; its valid tokens cost none`, async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    // Past the instants the case above moved the clock to: the isolate's allowance is full again.
    later(140_000);
    session.stack.resetCalls();
    const from = async (token: string) =>
      (await probe(session.fns, "protected", { token, client: "192.0.2.7" }, "refusals")).res.status;
    for (let i = 0; i < 3; i++) expect(await from(apiKey(session.stack))).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < REFUSALS_PER_CLIENT + 2; i++) statuses.push(await from(random("ak_")));
    expect(statuses).toEqual([...Array(REFUSALS_PER_CLIENT).fill(401), 503, 503]);
    // Its own valid key is still held back now: the allowance is charged before Clerk answers.
    expect(await from(apiKey(session.stack))).toBe(503);
    later(1_000);
    expect(await from(random("ak_"))).toBe(401);
    expect(await from(random("ak_"))).toBe(503);
    vi.useRealTimers();
  });

  it("CLERK_MACHINE_SECRET_KEY that is not a machine secret key → 500 server_misconfigured", async () => {
    const broken = await sourceHost.start({
      ...session.stack.env,
      CLERK_MACHINE_SECRET_KEY: "sk_test_wrong",
    });
    try {
      const res = await broken.call("protected");
      expect(res.status).toBe(500);
      expect(broken.logs().at(-1)?.reason).toMatch(/CLERK_MACHINE_SECRET_KEY/);
    } finally {
      await broken.close();
    }
  });
});

describe("CLERK_MACHINE_SECRET_KEY narrows JWT-format M2M tokens too", () => {
  const session = useFunctions({
    users: [],
    env: (stack) => ({ CLERK_MACHINE_SECRET_KEY: stack.clerk.seedMachines.api.secretKey }),
  });

  it("an M2M JWT of a machine not scoped to ours is 401, like its opaque twin", async () => {
    const { stack, fns } = session;
    const rogue = stack.clerk.machineAuth.createMachine("rogue", []);
    const opaque = await stack.clerk.machineAuth.mintM2MToken({ machineId: rogue.id });
    const jwt = await stack.clerk.machineAuth.mintM2MToken({ machineId: rogue.id, format: "jwt" });
    const call = (t: string) => fns.call("protected", { headers: { authorization: `Bearer ${t}` } });
    expect((await call(opaque)).status).toBe(401);
    expect((await call(jwt)).status).toBe(401);
  });

  it("an M2M JWT scoped to ours is 401 without CLERK_MACHINE_ID (cannot be told apart), 200 with it", async () => {
    const { stack, fns } = session;
    const { caller, api } = stack.clerk.seedMachines;
    const jwt = await stack.clerk.machineAuth.mintM2MToken({ machineId: caller.id, format: "jwt" });
    const headers = { authorization: `Bearer ${jwt}` };
    expect((await fns.call("protected", { headers })).status).toBe(401);
    expect(fns.logs().at(-1)?.reason).toBe("machine-token-not-scoped");
    const named = await sourceHost.start({
      ...stack.env,
      CLERK_MACHINE_SECRET_KEY: api.secretKey,
      CLERK_MACHINE_ID: api.id,
    });
    try {
      expect((await named.call("protected", { headers })).status).toBe(200);
    } finally {
      await named.close();
    }
  });
});

afterAll(() => {
  for (const text of seen) {
    expect(findSecrets(text, { exact: [...sentTokens] }), text).toEqual([]);
    expect(text).not.toMatch(/\b(?:mt|ak|oat)_[0-9a-f]{24,}/);
  }
});
