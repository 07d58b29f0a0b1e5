// Nothing secret leaves through a response or a log line. Varied requests — signed in and out,
// forged tokens, client-sent secrets, bad bodies, and upstream faults whose bodies are poisoned with
// secret-looking strings — go through the functions in-process and as the Netlify bundles on Node; every
// response (status, headers, body) and every line the process printed is scanned (scripts/lib/secrets.ts).
import { beforeAll, describe, expect, it, vi } from "vitest";
import { startBundleServer } from "../scripts/lib/bundle-server.ts";
import { findSecrets, responseText } from "../scripts/lib/secrets.ts";
import type { Fault } from "../scripts/stand-ins/http.ts";
import { useFunctions } from "./support/fixture.ts";
import { tamper } from "./support/forge.ts";
import { buildRequest, type CallInit, type FunctionName, type Running, sourceHost } from "./support/hosts.ts";
import { APP_ORIGIN, type Stack } from "./support/stack.ts";

const MARKER = `leak-marker-${crypto.randomUUID()}`;
/** What a compromised or confused upstream might put in an error body. */
const POISON = [
  MARKER,
  `sk_live_${"L".repeat(8)}${crypto.randomUUID().replace(/-/g, "")}`,
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyX2FsaWNlIn0.c2lnbmF0dXJl",
  "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBg\\n-----END PRIVATE KEY-----",
  "alice-private-note",
  `at Object.handler (/var/task/${MARKER}/index.js:1:1)`,
].join(" | ");
const ALICE = "user_alice";

const clerkErrorBody = (code: string) =>
  JSON.stringify({
    errors: [{ code, message: POISON, long_message: POISON, meta: { detail: POISON } }],
    clerk_trace_id: MARKER,
  });
const poisonHtml = `<html><body><pre>${POISON}</pre></body></html>`;

interface Target {
  name: string;
  start(env: Record<string, string>): Promise<{ fns: Running; lines(): string[] }>;
}

/** In-process: the host keeps JSON lines; every console call is kept here too, whatever it prints. */
const source: Target = {
  name: "source (in-process)",
  async start(env) {
    const printed: string[] = [];
    const keep = (...args: unknown[]) => {
      printed.push(
        args
          .map((a) => (typeof a === "string" ? a : a instanceof Error ? a.stack : JSON.stringify(a)))
          .join(" "),
      );
    };
    const spies = (["warn", "info", "debug", "trace"] as const).map((m) =>
      vi.spyOn(console, m).mockImplementation(keep),
    );
    const fns = await sourceHost.start(env);
    // sourceHost captures console.log/error for its JSON lines; see everything they are given as well.
    for (const m of ["log", "error"] as const) {
      const spy = vi.spyOn(console, m);
      const inner = spy.getMockImplementation();
      spy.mockImplementation((...args: unknown[]) => {
        keep(...args);
        inner?.(...args);
      });
    }
    return {
      fns: {
        ...fns,
        async close() {
          await fns.close();
          for (const s of spies) s.mockRestore();
        },
      },
      lines: () => printed,
    };
  },
};

/** The Netlify bundles under scripts/serve.ts, as nodeBundleHost runs them, with every output line kept. */
const nodeBundles: Target = {
  name: "Netlify bundles on Node",
  async start(env) {
    const server = await startBundleServer(env);
    return {
      fns: {
        urlFor: (fn) => `${server.url}/api/${fn}`,
        call: (fn, init) => fetch(buildRequest(fn, init, server.url), { redirect: "manual" }),
        logs: () => server.logs,
        close: () => server.close(),
      },
      lines: () => server.lines,
    };
  },
};

interface Probe {
  name: string;
  fn: FunctionName;
  init: (t: { alice: string; stack: Stack }) => CallInit;
  fault?: { service: "clerk" | "supabase"; fault: Fault };
}

const bearer = (token: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  ...extra,
});
const json = (token: string, body: unknown): CallInit => ({
  headers: bearer(token, { "content-type": "application/json" }),
  body: typeof body === "string" ? body : JSON.stringify(body),
});
const USER = `/v1/users/${ALICE}`;

const PROBES: Probe[] = [
  ...(["protected", "supabase-data", "current-user"] as const).flatMap((fn): Probe[] => [
    { name: "signed in", fn, init: ({ alice }) => ({ headers: bearer(alice, { origin: APP_ORIGIN }) }) },
    { name: "signed out", fn, init: () => ({}) },
    {
      name: "forged token (sub swapped)",
      fn,
      init: ({ alice }) => ({ headers: bearer(tamper(alice, { sub: "user_bob" })) }),
    },
    {
      name: "__session cookie",
      fn,
      init: ({ alice }) => ({
        headers: {
          cookie: `__client_uat=${Math.floor(Date.now() / 1000) - 60}; __clerk_db_jwt=dvb_x; __session=${alice}`,
        },
      }),
    },
    { name: "HEAD signed in", fn, init: ({ alice }) => ({ method: "HEAD", headers: bearer(alice) }) },
  ]),
  {
    name: "client-sent secret key as Basic auth",
    fn: "protected",
    init: ({ stack }) => ({ headers: { authorization: `Basic ${stack.clerk.secretKey}` } }),
  },
  {
    name: "handshake token in the query",
    fn: "protected",
    init: ({ alice }) => ({ query: `__clerk_handshake=${alice}` }),
  },
  {
    name: "preflight",
    fn: "update-user",
    init: () => ({ method: "OPTIONS", headers: { origin: APP_ORIGIN } }),
  },
  { name: "405", fn: "protected", init: ({ alice }) => ({ method: "DELETE", headers: bearer(alice) }) },
  {
    name: "limit=abc",
    fn: "supabase-data",
    init: ({ alice }) => ({ headers: bearer(alice), query: "limit=abc" }),
  },
  { name: "valid JSON update", fn: "update-user", init: ({ alice }) => json(alice, { firstName: "Ada" }) },
  {
    name: "valid form update",
    fn: "update-user",
    init: ({ alice }) => ({
      headers: bearer(alice, { "content-type": "application/x-www-form-urlencoded" }),
      body: "lastName=Lovelace",
    }),
  },
  {
    name: "malformed JSON echoing a key",
    fn: "update-user",
    init: ({ alice, stack }) => json(alice, `{"firstName": "${stack.clerk.secretKey}`),
  },
  {
    name: "422 with a key as an unknown field",
    fn: "update-user",
    init: ({ alice, stack }) => json(alice, { [stack.clerk.secretKey]: "x" }),
  },
  { name: "413", fn: "update-user", init: ({ alice }) => json(alice, { firstName: "x".repeat(17_000) }) },
  { name: "415", fn: "update-user", init: ({ alice }) => ({ headers: bearer(alice), body: "firstName=x" }) },
  {
    name: "signed out (redirect)",
    fn: "update-user",
    init: () => ({ body: "{}", headers: { "content-type": "application/json" } }),
  },

  // Upstream faults with poisoned bodies.
  {
    name: "Clerk 500 with a poisoned JSON error",
    fn: "current-user",
    init: ({ alice }) => ({ headers: bearer(alice) }),
    fault: {
      service: "clerk",
      fault: { path: USER, status: 500, body: clerkErrorBody("internal_clerk_error") },
    },
  },
  {
    name: "Clerk 200 with a poisoned HTML page",
    fn: "current-user",
    init: ({ alice }) => ({ headers: bearer(alice) }),
    fault: {
      service: "clerk",
      fault: { path: USER, status: 200, body: poisonHtml, contentType: "text/html" },
    },
  },
  {
    name: "Clerk 404 with a poisoned body",
    fn: "current-user",
    init: ({ alice }) => ({ headers: bearer(alice) }),
    fault: {
      service: "clerk",
      fault: { path: USER, status: 404, body: clerkErrorBody("resource_not_found") },
    },
  },
  {
    name: "Clerk 422 on the update (code passed on, text not)",
    fn: "update-user",
    init: ({ alice }) => json(alice, { firstName: "Ada" }),
    fault: {
      service: "clerk",
      fault: { method: "PATCH", path: USER, status: 422, body: clerkErrorBody("form_param_format_invalid") },
    },
  },
  {
    name: "Clerk 400 with malformed poisoned JSON on the update",
    fn: "update-user",
    init: ({ alice }) => json(alice, { lastName: "Ada" }),
    fault: {
      service: "clerk",
      fault: { method: "PATCH", path: USER, status: 400, body: `{"errors":"${POISON}` },
    },
  },
  {
    name: "Clerk 429 on the template token",
    fn: "supabase-data",
    init: ({ alice }) => ({ headers: bearer(alice) }),
    fault: {
      service: "clerk",
      fault: {
        path: /\/tokens\/supabase$/,
        status: 429,
        body: clerkErrorBody("too_many_requests"),
        headers: { "retry-after": "5" },
      },
    },
  },
  {
    name: "Clerk 200 poisoned text on the template token",
    fn: "supabase-data",
    init: ({ alice }) => ({ headers: bearer(alice) }),
    fault: {
      service: "clerk",
      fault: { path: /\/tokens\/supabase$/, status: 200, body: POISON, contentType: "text/plain" },
    },
  },
  {
    name: "Supabase 500 with poisoned details",
    fn: "supabase-data",
    init: ({ alice }) => ({ headers: bearer(alice) }),
    fault: {
      service: "supabase",
      fault: {
        path: "/rest/v1/tasks",
        status: 500,
        body: JSON.stringify({ code: "XX000", message: POISON, details: POISON, hint: POISON }),
      },
    },
  },
  {
    name: "Supabase 200 poisoned HTML",
    fn: "supabase-data",
    init: ({ alice }) => ({ headers: bearer(alice) }),
    fault: {
      service: "supabase",
      fault: { path: "/rest/v1/tasks", status: 200, body: poisonHtml, contentType: "text/html" },
    },
  },
  {
    name: "Supabase 401 poisoned",
    fn: "supabase-data",
    init: ({ alice }) => ({ headers: bearer(alice) }),
    fault: {
      service: "supabase",
      fault: { path: "/rest/v1/tasks", status: 401, body: JSON.stringify({ message: POISON }) },
    },
  },
];

function secretsSuite(target: Target): void {
  let lines: () => string[];
  let exact: string[];
  let calls = 0;
  const session = useFunctions({
    host: {
      name: target.name,
      async start(env) {
        const started = await target.start(env);
        lines = started.lines;
        return started.fns;
      },
    },
  });

  beforeAll(() => {
    const stack = session.stack;
    exact = [
      stack.clerk.secretKey,
      stack.clerk.supabaseJwtSecret,
      stack.supabase.anonKey,
      stack.supabase.serviceRoleKey,
      stack.supabase.secretKey,
      MARKER,
    ];
  });

  it.each(PROBES.map((p) => [`${p.fn}: ${p.name}`, p] as const))(
    "%s → nothing secret in the response",
    async (_t, p) => {
      session.stack.resetCalls();
      if (p.fault)
        (p.fault.service === "clerk" ? session.stack.clerk : session.stack.supabase).server.fault(
          p.fault.fault,
        );
      // supabase-data remembers a session's template token: a fault on that call needs a new session.
      const token =
        p.fn === "supabase-data"
          ? await session.stack.clerk.mintSessionToken({ userId: ALICE, ttlSeconds: 3600 })
          : session.token;
      const res = await session.fns.call(p.fn, p.init({ alice: token, stack: session.stack }));
      calls++;
      // Upstream faults answer 502/503; a 500 would mean an unexpected exception.
      expect(res.status).not.toBe(500);
      const text = responseText(res.status, res.headers, await res.text());
      expect(findSecrets(text, { exact })).toEqual([]);
    },
  );

  it("a JWKS failure with a poisoned body on a cold isolate → nothing secret in the response", async () => {
    session.stack.resetCalls();
    const cold = await target.start(session.stack.env);
    try {
      session.stack.clerk.server.fault({
        path: "/v1/jwks",
        status: 500,
        body: clerkErrorBody("internal_clerk_error"),
      });
      const res = await cold.fns.call("protected", { headers: bearer(session.token) });
      expect(res.status).toBe(502);
      expect(findSecrets(responseText(res.status, res.headers, await res.text()), { exact })).toEqual([]);
      await waitFor(() => cold.lines().some((l) => l.includes('"status":502')));
      for (const line of cold.lines()) expect(findSecrets(line, { exact }), line).toEqual([]);
    } finally {
      await cold.fns.close();
    }
  });

  it("every line the functions printed is free of secrets, and there is one log line per request", async () => {
    await waitFor(() => session.fns.logs().length >= calls);
    expect(session.fns.logs()).toHaveLength(calls);
    expect(lines().length).toBeGreaterThanOrEqual(calls);
    for (const line of lines()) expect(findSecrets(line, { exact }), line).toEqual([]);
    // The scan is not vacuous: failures were logged with their reasons and upstream statuses.
    const logged = JSON.stringify(session.fns.logs());
    expect(logged).toContain("token-invalid-signature");
    expect(logged).toContain('"service":"supabase"');
  });
}

async function waitFor(done: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}

it("the scanner recognises each ingredient of the poison on its own", () => {
  for (const part of POISON.split(" | ")) expect(findSecrets(part, { exact: [MARKER] })).not.toEqual([]);
  expect(
    findSecrets('{"error":{"code":"upstream_error","message":"The clerk service returned an error."}}'),
  ).toEqual([]);
});

for (const target of [source, nodeBundles]) describe(target.name, () => secretsSuite(target));
