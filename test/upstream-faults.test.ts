// Upstream faults test/behaviour.ts does not cover, on the built bundles (Node and Deno). Each answers
// as a client can act on it (429 → 503 and Retry-After only if Clerk/Supabase sent one; other failures → 502;
// unreachable → 502) without waiting for the deadline (a wait would be a 504), and nothing from an upstream
// body reaches the client.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { findSecrets, responseText } from "../scripts/lib/secrets.ts";
import type { Fault } from "../scripts/stand-ins/http.ts";
import { useFunctions } from "./support/fixture.ts";
import type { CallInit, FunctionName, Host, Running } from "./support/hosts.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";

/** Put in every fault body: if it reaches a response, the function echoed upstream text. */
const MARKER = `upstream-marker-${crypto.randomUUID()}`;
const ALICE = "user_alice";

const html = (status: number): Partial<Fault> => ({
  status,
  body: `<html><body><h1>${status}</h1><pre>${MARKER} at Router.handle (/srv/app.js:12)</pre></body></html>`,
  contentType: "text/html; charset=utf-8",
});
const clerkErrors = (status: number, code: string): Partial<Fault> => ({
  status,
  body: JSON.stringify({
    errors: [{ code, message: MARKER, long_message: `${MARKER} long` }],
    clerk_trace_id: MARKER,
  }),
});
const malformedJson = (status: number): Partial<Fault> => ({
  status,
  body: `{"errors": [{"message": "${MARKER}"`,
  contentType: "application/json",
});
const nonJson200: Partial<Fault> = { status: 200, body: `${MARKER} plain text`, contentType: "text/plain" };

type Service = "clerk" | "supabase";
interface FaultCase {
  name: string;
  fn: FunctionName;
  service: Service;
  fault: Fault;
  status: number;
  code: string;
  /** The Retry-After the client must see; null = none. */
  retryAfter?: string | null;
  /** supabase-data must not query Supabase after Clerk failed to give it a token. */
  noSupabaseCall?: boolean;
}

const GET_USER = { method: "GET", path: `/v1/users/${ALICE}` };
const PATCH_USER = { method: "PATCH", path: `/v1/users/${ALICE}` };
const TEMPLATE = { method: "POST", path: /\/tokens\/supabase$/ };
const TASKS = { path: "/rest/v1/tasks" };

const CASES: FaultCase[] = [
  // 429 without Retry-After: 503, and no Retry-After invented.
  ...(
    [
      ["current-user", "clerk", GET_USER],
      ["supabase-data", "clerk", TEMPLATE],
      ["update-user", "clerk", PATCH_USER],
    ] as const
  ).map(
    ([fn, service, at]): FaultCase => ({
      name: `Clerk 429 without Retry-After (${at.method} ${at.path})`,
      fn,
      service,
      fault: { ...at, ...clerkErrors(429, "too_many_requests") },
      status: 503,
      code: "upstream_unavailable",
      retryAfter: null,
      noSupabaseCall: true,
    }),
  ),
  {
    name: "Supabase 429 without Retry-After",
    fn: "supabase-data",
    service: "supabase",
    fault: { ...TASKS, status: 429, body: JSON.stringify({ message: MARKER }) },
    status: 503,
    code: "upstream_unavailable",
    retryAfter: null,
  },
  {
    name: "Clerk 429 with Retry-After on the update",
    fn: "update-user",
    service: "clerk",
    fault: { ...PATCH_USER, ...clerkErrors(429, "too_many_requests"), headers: { "retry-after": "11" } },
    status: 503,
    code: "upstream_unavailable",
    retryAfter: "11",
  },

  // 502 with an HTML page (a proxy's error page).
  {
    name: "Clerk 502 HTML on the template token",
    fn: "supabase-data",
    service: "clerk",
    fault: { ...TEMPLATE, ...html(502) },
    status: 502,
    code: "upstream_error",
    noSupabaseCall: true,
  },
  {
    name: "Clerk 502 HTML on the update",
    fn: "update-user",
    service: "clerk",
    fault: { ...PATCH_USER, ...html(502) },
    status: 502,
    code: "upstream_error",
  },
  {
    name: "Supabase 502 HTML",
    fn: "supabase-data",
    service: "supabase",
    fault: { ...TASKS, ...html(502) },
    status: 502,
    code: "upstream_error",
  },

  // Malformed JSON labelled application/json.
  ...(
    [
      ["current-user", GET_USER, 200],
      ["current-user", GET_USER, 500],
      ["supabase-data", TEMPLATE, 200],
      ["update-user", PATCH_USER, 200],
      ["update-user", PATCH_USER, 400],
    ] as const
  ).map(
    ([fn, at, status]): FaultCase => ({
      name: `Clerk ${status} with malformed JSON (${at.method} ${at.path})`,
      fn,
      service: "clerk",
      fault: { ...at, ...malformedJson(status) },
      status: 502,
      code: "upstream_error",
      noSupabaseCall: true,
    }),
  ),
  {
    name: "Supabase 200 with malformed JSON",
    fn: "supabase-data",
    service: "supabase",
    fault: { ...TASKS, ...malformedJson(200) },
    status: 502,
    code: "upstream_error",
  },

  // A 200 that is not JSON: never passed on as if it were the data.
  ...(
    [
      ["current-user", GET_USER],
      ["supabase-data", TEMPLATE],
      ["update-user", PATCH_USER],
    ] as const
  ).map(
    ([fn, at]): FaultCase => ({
      name: `Clerk 200 text/plain (${at.method} ${at.path})`,
      fn,
      service: "clerk",
      fault: { ...at, ...nonJson200 },
      status: 502,
      code: "upstream_error",
      noSupabaseCall: true,
    }),
  ),
  {
    name: "Clerk 200 JSON without a jwt on the template token",
    fn: "supabase-data",
    service: "clerk",
    fault: { ...TEMPLATE, status: 200, body: JSON.stringify({ object: "token", note: MARKER }) },
    status: 502,
    code: "upstream_error",
    noSupabaseCall: true,
  },
  {
    name: "Clerk 200 HTML page on the user",
    fn: "current-user",
    service: "clerk",
    fault: { ...GET_USER, ...html(200) },
    status: 502,
    code: "upstream_error",
  },
  {
    name: "Supabase 200 HTML page",
    fn: "supabase-data",
    service: "supabase",
    fault: { ...TASKS, ...html(200) },
    status: 502,
    code: "upstream_error",
  },

  // Dropped connections.
  {
    name: "Clerk drops the connection on the template token",
    fn: "supabase-data",
    service: "clerk",
    fault: { ...TEMPLATE, drop: true },
    status: 502,
    code: "upstream_unavailable",
    noSupabaseCall: true,
  },
  {
    name: "Clerk drops the connection on the update",
    fn: "update-user",
    service: "clerk",
    fault: { ...PATCH_USER, drop: true },
    status: 502,
    code: "upstream_unavailable",
  },
];

const requestFor = (fn: FunctionName, token: string): CallInit => ({
  headers: {
    authorization: `Bearer ${token}`,
    ...(fn === "update-user" ? { "content-type": "application/json" } : {}),
  },
  body: fn === "update-user" ? JSON.stringify({ firstName: "Ada" }) : undefined,
});

/** Calls `fn` and checks what every fault answer must satisfy; returns the response's status and body. */
async function callChecked(fns: Running, fn: FunctionName, init: CallInit) {
  // No timing assertion: these faults answer at once, so a function that waited on one would show as a
  // 504 in the status each case checks, and one that retried as a second hit at the stand-in.
  const res = await fns.call(fn, init);
  const text = await res.text();
  expect(findSecrets(responseText(res.status, res.headers, text), { exact: [MARKER] })).toEqual([]);
  return { res, text };
}

function faults(host: Host): void {
  const session = useFunctions({ host });
  beforeEach(() => session.stack?.resetCalls());

  const run = async (c: FaultCase) => {
    (c.service === "clerk" ? session.stack.clerk : session.stack.supabase).server.fault(c.fault);
    // supabase-data remembers a session's template token: a fault on that call needs a new session.
    const token =
      c.fn === "supabase-data"
        ? await session.stack.clerk.mintSessionToken({ userId: ALICE, ttlSeconds: 3600 })
        : session.token;
    const { res, text } = await callChecked(session.fns, c.fn, requestFor(c.fn, token));
    expect(res.status).toBe(c.status);
    const body = JSON.parse(text) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe(c.code);
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
    if (c.retryAfter !== undefined) expect(res.headers.get("retry-after")).toBe(c.retryAfter);
    if (c.noSupabaseCall && c.fn === "supabase-data") expect(session.stack.supabaseCalls()).toEqual([]);
    // One attempt: neither the SDK nor postgrest-js retried behind the function's back. Deno's fetch
    // (hyper) itself resends a request once when a reused keep-alive connection closes unanswered, even a
    // POST/PATCH; that is the runtime's, not the function's, and still inside the deadline.
    const hits = (
      c.service === "clerk" ? session.stack.clerk : session.stack.supabase
    ).server.requests.filter(
      (r) =>
        (!c.fault.method || r.method === c.fault.method) &&
        (typeof c.fault.path === "string" ? r.path === c.fault.path : c.fault.path.test(r.path)),
    );
    expect(hits.length).toBeGreaterThanOrEqual(1);
    expect(hits.length).toBeLessThanOrEqual(c.fault.drop && host === denoHost ? 2 : 1);
  };
  const title = (c: FaultCase) => `${c.fn}: ${c.name} → ${c.status} ${c.code}`;
  it.each(CASES.map((c) => [title(c), c] as const))("%s", (_t, c) => run(c));

  describe("Clerk's JWKS failing on a cold isolate (each function fetches its own keys)", () => {
    // Two fresh hosts: eight cold key stores, one per case (a failure is remembered for a 5 s backoff).
    let cold: Running[] = [];
    beforeAll(async () => {
      cold = await Promise.all([host.start(session.stack.env), host.start(session.stack.env)]);
    });
    afterAll(async () => {
      await Promise.all(cold.map((c) => c.close()));
    });

    interface ColdCase {
      fn: FunctionName;
      on: number;
      name: string;
      fault: Partial<Fault>;
      status: number;
      code: string;
      retryAfter: string | null;
    }
    const COLD: ColdCase[] = (
      [
        { fn: "protected", on: 0, name: "429 without Retry-After", fault: { status: 429, body: "{}" } },
        { fn: "current-user", on: 0, name: "200 with malformed JSON", fault: malformedJson(200) },
        { fn: "supabase-data", on: 0, name: "200 HTML page", fault: html(200) },
        { fn: "update-user", on: 0, name: "a dropped connection", fault: { drop: true } },
        { fn: "protected", on: 1, name: "502 HTML page", fault: html(502) },
        { fn: "current-user", on: 1, name: "200 with no keys", fault: { status: 200, body: '{"keys":[]}' } },
        {
          fn: "supabase-data",
          on: 1,
          name: "429 with Retry-After",
          fault: { status: 429, body: "{}", headers: { "retry-after": "9" } },
        },
      ] as Omit<ColdCase, "status" | "code" | "retryAfter">[]
    ).map((c) => {
      const status = c.fault.status === 429 ? 503 : 502;
      const code = c.fault.status === 429 || c.fault.drop ? "upstream_unavailable" : "upstream_error";
      return { ...c, status, code, retryAfter: c.fault.headers?.["retry-after"] ?? null };
    });

    const runCold = async (c: ColdCase) => {
      session.stack.clerk.server.fault({ path: "/v1/jwks", ...c.fault });
      const { res, text } = await callChecked(cold[c.on]!, c.fn, requestFor(c.fn, session.token));
      expect(res.status).toBe(c.status);
      expect(JSON.parse(text).error.code).toBe(c.code);
      expect(res.headers.get("retry-after")).toBe(c.retryAfter);
      expect(session.stack.clerkCalls()).toEqual([]);
    };
    it.each(COLD)("$fn: JWKS $name → $status $code", (c) => runCold(c));
  });

  describe("DNS failure: CLERK_API_URL / SUPABASE_URL on hosts that do not resolve", () => {
    let jwks: Running;
    let networkless: Running;
    beforeAll(async () => {
      const unresolvable = {
        CLERK_API_URL: "http://clerk-api.invalid",
        SUPABASE_URL: "http://supabase.invalid",
      };
      [jwks, networkless] = await Promise.all([
        host.start({ ...session.stack.env, ...unresolvable }),
        host.start({ ...session.stack.env, ...unresolvable, CLERK_JWT_KEY: session.stack.clerk.jwtKeyPem }),
      ]);
    });
    afterAll(async () => {
      await Promise.all([jwks?.close(), networkless?.close()]);
    });

    it("a cold JWKS fetch → 502 upstream_unavailable, quickly", async () => {
      const { res, text } = await callChecked(jwks, "protected", requestFor("protected", session.token));
      expect(res.status).toBe(502);
      expect(JSON.parse(text).error.code).toBe("upstream_unavailable");
    });

    it.each(["current-user", "supabase-data", "update-user"] as const)(
      "networkless %s → 502 upstream_unavailable, quickly",
      async (fn) => {
        const { res, text } = await callChecked(networkless, fn, requestFor(fn, session.token));
        expect(res.status).toBe(502);
        expect(JSON.parse(text).error.code).toBe("upstream_unavailable");
      },
    );
  });

  describe("DNS failure of Supabase alone (native integration, no template call)", () => {
    let native: Running;
    beforeAll(async () => {
      native = await host.start({
        ...session.stack.env,
        SUPABASE_URL: "http://supabase.invalid",
        CLERK_SUPABASE_TEMPLATE: "none",
        CLERK_JWT_KEY: session.stack.clerk.jwtKeyPem,
      });
    });
    afterAll(async () => {
      await native?.close();
    });

    it("supabase-data → 502 upstream_unavailable, quickly, without calling Clerk", async () => {
      const { res, text } = await callChecked(
        native,
        "supabase-data",
        requestFor("supabase-data", session.token),
      );
      expect(res.status).toBe(502);
      expect(JSON.parse(text).error.code).toBe("upstream_unavailable");
      expect(session.stack.clerkCalls()).toEqual([]);
    });
  });
}

describe("Netlify bundles on Node", () => faults(nodeBundleHost));
describe("Supabase bundles under Deno", () => faults(denoHost));
