// The behaviour suite: every function, signed in and out, bad input and upstream faults, asserted the
// way a client sees them. It runs against any Host (source in-process, built bundles, netlify dev).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FunctionName, Host, Running } from "./support/hosts.ts";
import { expectDocumented } from "./support/openapi.ts";
import { logFor, requestId } from "./support/probe.ts";
import { APP_ORIGIN, type Stack, startStack } from "./support/stack.ts";

const ALICE = "user_alice";
const BOB = "user_bob";
const TIMEOUT_MS = 1500;
/** netlify dev takes most of a minute to load its Node and edge functions on a busy machine. */
const HOST_START_MS = 240_000;

async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error: { code: string; requestId: string } };
  expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  return body.error.code;
}

/**
 * Several hosts share one stand-in stack (and, for netlify dev's Node and edge functions, one server):
 * each host's cases run in a describe of its own.
 */
export function behaviourSuite(...hosts: Host[]): void {
  let stack: Stack;
  let fns: Running;
  const started = new Map<Host, Running>();
  let alice: string;
  let bob: string;
  const bearer = (token: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${token}`,
    ...extra,
  });
  // Every response is also held to the generated OpenAPI document, so the two cannot drift apart.
  const call = async (fn: FunctionName, init?: Parameters<Running["call"]>[1]) =>
    expectDocumented(fn, init?.method ?? (fn === "update-user" ? "POST" : "GET"), await fns.call(fn, init));
  // A template token is fetched once per session: a test about that call needs a session of its own.
  const newSession = (userId = ALICE) => stack.clerk.mintSessionToken({ userId, ttlSeconds: 3600 });

  beforeAll(async () => {
    stack = await startStack();
    await Promise.all(hosts.map(async (host) => started.set(host, await host.start(stack.env))));
    alice = await stack.clerk.mintSessionToken({ userId: ALICE, ttlSeconds: 3600 });
    bob = await stack.clerk.mintSessionToken({ userId: BOB, ttlSeconds: 3600 });
  }, HOST_START_MS);
  afterAll(async () => {
    await Promise.all([...started.values()].map((running) => running.close()));
    await stack?.close();
  });
  beforeEach(() => stack.resetCalls());

  for (const host of hosts)
    describe(host.name, () => {
      beforeAll(() => {
        fns = started.get(host)!;
      });
      describe("protected", () => {
        it("signed in → 200 Hello World, no-store, request id", async () => {
          const res = await call("protected", { headers: bearer(alice) });
          expect(res.status).toBe(200);
          expect(await res.json()).toEqual({ data: { message: "Hello World" } });
          expect(res.headers.get("cache-control")).toBe("no-store");
          expect(res.headers.get("content-type")).toMatch(/^application\/json/);
          expect(res.headers.get("x-request-id")).toMatch(/^[\w.:-]{8,}$/);
        });

        it("signed in with the __session cookie → 200", async () => {
          // A browser signed in to a development instance sends __client_uat and the dev browser beside __session.
          const uat = Math.floor(Date.now() / 1000) - 60;
          // A token minted now: Clerk refuses a session token issued before __client_uat, and the suite's
          // shared one may be older than a minute by the time a second host runs this.
          const cookie = `__client_uat=${uat}; __clerk_db_jwt=dvb_local; __session=${await newSession()}`;
          const res = await call("protected", { headers: { cookie } });
          expect(res.status).toBe(200);
        });

        it("no token → 401 unauthorized with a bare Bearer challenge", async () => {
          const res = await call("protected");
          expect(res.status).toBe(401);
          expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
          expect(await errorCode(res)).toBe("unauthorized");
        });

        it("rejected token → 401 with error=invalid_token, reason only in the log", async () => {
          const id = requestId("reason-in-log");
          const res = await call("protected", {
            headers: bearer(`${alice.slice(0, -4)}AAAA`, { "x-request-id": id }),
          });
          expect(res.status).toBe(401);
          expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api", error="invalid_token"');
          const line = await logFor(fns, id);
          expect(line).toMatchObject({ status: 401, reason: "token-invalid-signature" });
          const text = await res.text();
          expect(text).not.toContain(line!.reason);
          expect(text).not.toMatch(/signature|token-/);
        });

        it("HEAD → 200 without a body", async () => {
          const res = await call("protected", { method: "HEAD", headers: bearer(alice) });
          expect(res.status).toBe(200);
          expect(await res.text()).toBe("");
        });

        it("POST → 405 with Allow", async () => {
          const res = await call("protected", { method: "POST", headers: bearer(alice) });
          expect(res.status).toBe(405);
          expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
          expect(await errorCode(res)).toBe("method_not_allowed");
        });

        it("echoes a sane x-request-id and replaces an unsafe one", async () => {
          const ok = await call("protected", { headers: bearer(alice, { "x-request-id": "req-12345678" }) });
          expect(ok.headers.get("x-request-id")).toBe("req-12345678");
          const bad = await call("protected", {
            headers: bearer(alice, { "x-request-id": "bad id <script>" }),
          });
          expect(bad.headers.get("x-request-id")).not.toContain("script");
        });

        it("JWKS mode fetches Clerk's keys once, then verifies without calling Clerk", async () => {
          // A fresh token each time: a verified token is remembered per isolate, so a reused one would
          // never reach the key lookup at all.
          for (let i = 0; i < 5; i++) {
            const token = await stack.clerk.mintSessionToken({ userId: ALICE, ttlSeconds: 3600 });
            expect((await call("protected", { headers: bearer(token) })).status).toBe(200);
          }
          // At most once per isolate (none when an earlier test already loaded the keys into it): once in all
          // on a host that keeps its isolate warm, at most once per request where each request gets its own.
          expect(stack.jwksFetches()).toBeLessThanOrEqual(host.isolatePerRequest ? 5 : 1);
          expect(stack.clerkCalls()).toEqual([]);
        });
      });

      describe("CORS", () => {
        it("preflight from an allowed origin → 204 with credentials, methods, headers, max-age", async () => {
          const res = await call("update-user", {
            method: "OPTIONS",
            headers: { origin: APP_ORIGIN, "access-control-request-method": "POST" },
          });
          expect(res.status).toBe(204);
          expect(res.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
          expect(res.headers.get("access-control-allow-credentials")).toBe("true");
          expect(res.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
          expect(res.headers.get("access-control-allow-headers")).toBe(
            "authorization, content-type, x-client-info, apikey, x-request-id",
          );
          expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
          expect(res.headers.get("vary")).toMatch(/origin/i);
        });

        it("preflight from an unlisted origin → 204 without CORS headers", async () => {
          const res = await call("protected", {
            method: "OPTIONS",
            headers: { origin: "https://evil.example" },
          });
          expect(res.status).toBe(204);
          expect(res.headers.get("access-control-allow-origin")).toBeNull();
        });

        it("errors carry Access-Control-Allow-Origin so browsers can read them", async () => {
          const res = await call("protected", { headers: { origin: APP_ORIGIN } });
          expect(res.status).toBe(401);
          expect(res.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
        });
      });

      describe("supabase-data", () => {
        it("signed out → 401 and no call to Clerk or Supabase", async () => {
          const res = await call("supabase-data");
          expect(res.status).toBe(401);
          expect(stack.clerkCalls()).toEqual([]);
          expect(stack.supabaseCalls()).toEqual([]);
        });

        it("signed in → 200 with only the caller's rows, via the supabase template", async () => {
          const res = await call("supabase-data", { headers: bearer(await newSession()) });
          expect(res.status).toBe(200);
          const { data } = (await res.json()) as { data: { user_id: string }[] };
          expect(data.length).toBeGreaterThan(0);
          expect(data.every((row) => row.user_id === ALICE)).toBe(true);
          expect(stack.clerkCalls()).toEqual([
            expect.stringMatching(/^POST \/v1\/sessions\/sess_\w+\/tokens\/supabase$/),
          ]);
          expect(stack.supabaseCalls()).toEqual(["GET /rest/v1/tasks"]);
          const sent = stack.supabase.server.requests[0]!;
          expect(sent.headers.apikey).toBe(stack.env.SUPABASE_PUBLISHABLE_KEY);
          expect(sent.search).toContain("limit=50");
        });

        it("user B never sees user A's rows", async () => {
          const res = await call("supabase-data", { headers: bearer(bob) });
          const { data } = (await res.json()) as { data: { user_id: string }[] };
          expect(data.length).toBeGreaterThan(0);
          expect(data.every((row) => row.user_id === BOB)).toBe(true);
        });

        it("limit=1 → one row", async () => {
          const res = await call("supabase-data", { headers: bearer(alice), query: "limit=1" });
          expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1);
        });

        it.each([
          "limit=0",
          "limit=101",
          "limit=abc",
          "limit=1.5",
          "limit=-1",
          "limit=",
          "limit=1&limit=2",
          "limit=01",
        ])("%s → 400 invalid_query and no upstream call", async (query) => {
          const res = await call("supabase-data", { headers: bearer(alice), query });
          expect(res.status).toBe(400);
          expect(await errorCode(res)).toBe("invalid_query");
          expect(stack.clerkCalls()).toEqual([]);
          expect(stack.supabaseCalls()).toEqual([]);
        });

        it("Clerk 429 with Retry-After → 503 upstream_unavailable passing Retry-After on", async () => {
          stack.clerk.server.fault({
            path: /\/tokens\/supabase$/,
            status: 429,
            headers: { "retry-after": "7" },
            body: JSON.stringify({
              errors: [{ code: "too_many_requests", message: "slow down secret-detail" }],
            }),
          });
          const res = await call("supabase-data", { headers: bearer(await newSession()) });
          expect(res.status).toBe(503);
          expect(res.headers.get("retry-after")).toBe("7");
          expect(await errorCode(res)).toBe("upstream_unavailable");
          expect(stack.supabaseCalls()).toEqual([]);
        });

        it("Supabase 429 → 503 with its Retry-After", async () => {
          stack.supabase.server.fault({
            path: "/rest/v1/tasks",
            status: 429,
            headers: { "retry-after": "3" },
            body: "{}",
          });
          const res = await call("supabase-data", { headers: bearer(alice) });
          expect(res.status).toBe(503);
          expect(res.headers.get("retry-after")).toBe("3");
        });

        it("Supabase 500 with details → 502 upstream_error, nothing echoed, one attempt", async () => {
          stack.supabase.server.fault({
            path: "/rest/v1/tasks",
            status: 500,
            body: JSON.stringify({
              code: "XX000",
              message: "secret-detail",
              details: "stack here",
              hint: null,
            }),
          });
          const res = await call("supabase-data", { headers: bearer(alice) });
          expect(res.status).toBe(502);
          const text = await res.text();
          expect(text).toContain("upstream_error");
          expect(text).not.toMatch(/secret-detail|stack here|XX000/);
        });

        it("Supabase 503 is not retried past the deadline", async () => {
          stack.supabase.server.fault({ path: "/rest/v1/tasks", status: 503, body: "{}" });
          const started = Date.now();
          const res = await call("supabase-data", { headers: bearer(alice) });
          expect(res.status).toBe(502);
          expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
          expect(stack.supabaseCalls()).toHaveLength(1);
        });

        it("Supabase slower than the upstream timeout → 504 within timeout + 1 s", async () => {
          stack.supabase.server.fault({ path: "/rest/v1/tasks", delayMs: TIMEOUT_MS + 1500 });
          const started = Date.now();
          const res = await call("supabase-data", { headers: bearer(alice) });
          expect(res.status).toBe(504);
          expect(await errorCode(res)).toBe("upstream_timeout");
          expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
        });

        it("Clerk and Supabase each slow but under the timeout → one deadline for both: 504 in time", async () => {
          stack.clerk.server.fault({ path: /\/tokens\/supabase$/, delayMs: TIMEOUT_MS * 0.7 });
          stack.supabase.server.fault({ path: "/rest/v1/tasks", delayMs: TIMEOUT_MS * 0.7 });
          const token = await newSession();
          const started = Date.now();
          const res = await call("supabase-data", { headers: bearer(token) });
          expect(res.status).toBe(504);
          expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
        });

        it("Supabase drops the connection → 502", async () => {
          stack.supabase.server.fault({ path: "/rest/v1/tasks", drop: true });
          const res = await call("supabase-data", { headers: bearer(alice) });
          expect(res.status).toBe(502);
        });
      });

      describe("current-user", () => {
        it("signed in → 200 with the user, one Backend API call, no private metadata", async () => {
          const res = await call("current-user", { headers: bearer(alice) });
          expect(res.status).toBe(200);
          const text = await res.text();
          const { user } = JSON.parse(text) as { user: Record<string, unknown> };
          expect(user).toMatchObject({
            id: ALICE,
            firstName: expect.any(String),
            publicMetadata: expect.any(Object),
          });
          expect(user).toHaveProperty("emailAddresses");
          expect(user).toHaveProperty("primaryEmailAddressId");
          expect(user).not.toHaveProperty("privateMetadata");
          expect(user).not.toHaveProperty("_raw");
          expect(text).not.toMatch(/private_?metadata/i);
          expect(stack.clerkCalls()).toEqual([`GET /v1/users/${ALICE}`]);
        });

        it("signed out → 401 and no Backend API call", async () => {
          const res = await call("current-user");
          expect(res.status).toBe(401);
          expect(stack.clerkCalls()).toEqual([]);
        });

        it("a user deleted at Clerk → 401, not 5xx", async () => {
          const ghost = await stack.clerk.mintSessionToken({
            userId: ALICE,
            claims: { sub: "user_deleted" },
          });
          const res = await call("current-user", { headers: bearer(ghost) });
          expect(res.status).toBe(401);
        });

        it.each([
          [500, 502, "upstream_error"],
          [502, 502, "upstream_error"],
          [429, 503, "upstream_unavailable"],
        ])("Clerk %i → %i %s", async (upstream, status, code) => {
          stack.clerk.server.fault({
            path: `/v1/users/${ALICE}`,
            status: upstream,
            body: "<html>secret-detail</html>",
            contentType: "text/html",
          });
          const res = await call("current-user", { headers: bearer(alice) });
          expect(res.status).toBe(status);
          const text = await res.text();
          expect(JSON.parse(text).error.code).toBe(code);
          expect(text).not.toContain("secret-detail");
        });

        it("Clerk drops the connection → 502", async () => {
          stack.clerk.server.fault({ path: `/v1/users/${ALICE}`, drop: true });
          expect((await call("current-user", { headers: bearer(alice) })).status).toBe(502);
        });

        it("Clerk slower than the upstream timeout → 504", async () => {
          stack.clerk.server.fault({ path: `/v1/users/${ALICE}`, delayMs: TIMEOUT_MS + 1500 });
          const started = Date.now();
          const res = await call("current-user", { headers: bearer(alice) });
          expect(res.status).toBe(504);
          expect(Date.now() - started).toBeLessThan(TIMEOUT_MS + 1000);
        });
      });

      describe("update-user", () => {
        const post = (token: string | undefined, body: BodyInit | undefined, type?: string, extra = {}) =>
          call("update-user", {
            method: "POST",
            headers: {
              ...(token ? { authorization: `Bearer ${token}` } : {}),
              ...(type ? { "content-type": type } : {}),
              ...extra,
            },
            body,
          });
        const patches = () => stack.clerkCalls().filter((c) => c.startsWith("PATCH"));

        it("signed out → 303 to the absolute sign-in URL, whatever the body", async () => {
          const res = await post(undefined, "not json", "application/json");
          expect(res.status).toBe(303);
          expect(res.headers.get("location")).toBe(new URL("/sign-in", fns.urlFor("update-user")).href);
          expect(stack.clerkCalls()).toEqual([]);
        });

        it("signed out asking for JSON only → 401", async () => {
          const res = await post(undefined, "{}", "application/json", { accept: "application/json" });
          expect(res.status).toBe(401);
          expect(await errorCode(res)).toBe("unauthorized");
        });

        it("signed out accepting HTML and JSON → 303", async () => {
          const res = await post(undefined, "{}", "application/json", {
            accept: "text/html, application/json",
          });
          expect(res.status).toBe(303);
        });

        it("JSON firstName only → 200, trimmed, lastName untouched, only first_name sent", async () => {
          const before = stack.clerk.users.get(ALICE)!.last_name;
          const res = await post(alice, JSON.stringify({ firstName: "  Ada " }), "application/json");
          expect(res.status).toBe(200);
          const { user } = (await res.json()) as { user: Record<string, unknown> };
          expect(user.firstName).toBe("Ada");
          expect(user.lastName).toBe(before);
          expect(user).not.toHaveProperty("privateMetadata");
          const patch = stack.clerk.server.requests.find((r) => r.method === "PATCH")!;
          expect(patch.path).toBe(`/v1/users/${ALICE}`);
          expect(JSON.parse(patch.body)).toEqual({ first_name: "Ada" });
        });

        it("form body → 200", async () => {
          const res = await post(alice, "lastName=Lovelace", "application/x-www-form-urlencoded");
          expect(res.status).toBe(200);
          expect(((await res.json()) as { user: { lastName: string } }).user.lastName).toBe("Lovelace");
        });

        it.each([
          {
            name: "malformed JSON",
            body: "{firstName:",
            type: "application/json",
            status: 400,
            code: "invalid_json",
          },
          {
            name: "empty object",
            body: "{}",
            type: "application/json",
            status: 422,
            code: "validation_failed",
          },
          {
            name: "empty name",
            body: JSON.stringify({ firstName: "   " }),
            type: "application/json",
            status: 422,
            code: "validation_failed",
          },
          {
            name: "number name",
            body: JSON.stringify({ firstName: 5 }),
            type: "application/json",
            status: 422,
            code: "validation_failed",
          },
          {
            name: "array body",
            body: "[]",
            type: "application/json",
            status: 422,
            code: "validation_failed",
          },
          {
            name: "null body",
            body: "null",
            type: "application/json",
            status: 422,
            code: "validation_failed",
          },
          {
            name: "text/plain",
            body: "firstName=a",
            type: "text/plain",
            status: 415,
            code: "unsupported_media_type",
          },
          {
            name: "no content type",
            body: JSON.stringify({ firstName: "A" }),
            type: undefined,
            status: 415,
            code: "unsupported_media_type",
          },
        ] as { name: string; body: string; type?: string; status: number; code: string }[])(
          "$name → $status $code and nothing reaches Clerk",
          async ({ body, type, status, code }) => {
            const res = await post(alice, body, type);
            expect(res.status).toBe(status);
            expect(await errorCode(res)).toBe(code);
            expect(patches()).toEqual([]);
          },
        );

        it("a streamed body (no Content-Length) is cut off at 16 KiB → 413, nothing reaches Clerk", async () => {
          let sent = 0;
          const chunk = new TextEncoder().encode(`{"firstName":"${"x".repeat(4096)}`);
          const body = new ReadableStream<Uint8Array>({
            pull(controller) {
              // Up to 4 MiB if nobody stops reading: the function must stop long before.
              if (sent > 4 * 1024 * 1024) controller.close();
              else {
                sent += chunk.byteLength;
                controller.enqueue(chunk);
              }
            },
          });
          const res = await call("update-user", {
            method: "POST",
            headers: { authorization: `Bearer ${alice}`, "content-type": "application/json" },
            body,
          });
          expect(res.status).toBe(413);
          expect(await errorCode(res)).toBe("payload_too_large");
          expect(patches()).toEqual([]);
        });

        it("schema failures list each issue's path and message", async () => {
          const res = await post(alice, JSON.stringify({ firstName: "" }), "application/json");
          const body = (await res.json()) as { error: { issues: { path: string[]; message: string }[] } };
          expect(body.error.issues[0]!.path).toEqual(["firstName"]);
          expect(body.error.issues[0]!.message).toEqual(expect.any(String));
        });

        it("Clerk's own 422 → 422 validation_failed with Clerk's code", async () => {
          stack.clerk.server.fault({
            method: "PATCH",
            path: `/v1/users/${ALICE}`,
            status: 422,
            body: JSON.stringify({
              errors: [{ code: "form_param_format_invalid", message: "bad", long_message: "secret-detail" }],
            }),
          });
          const res = await post(alice, JSON.stringify({ firstName: "Ada" }), "application/json");
          expect(res.status).toBe(422);
          const text = await res.text();
          expect(JSON.parse(text).error).toMatchObject({
            code: "validation_failed",
            upstreamCode: "form_param_format_invalid",
          });
          expect(text).not.toContain("secret-detail");
        });

        it("GET → 405 with Allow: POST, OPTIONS", async () => {
          const res = await call("update-user", { method: "GET", headers: bearer(alice) });
          expect(res.status).toBe(405);
          expect(res.headers.get("allow")).toBe("POST, OPTIONS");
        });
      });

      describe("logs", () => {
        it("one JSON line per request, with the reason, never a token", async () => {
          const before = fns.logs().length;
          await call("protected", { headers: bearer(`${alice.slice(0, -4)}AAAA`) });
          const lines = fns.logs().slice(before);
          expect(lines).toHaveLength(1);
          expect(lines[0]).toMatchObject({
            function: "protected",
            method: "GET",
            status: 401,
            reason: "token-invalid-signature",
          });
          expect(JSON.stringify(fns.logs())).not.toContain(alice.split(".")[2]);
          expect(JSON.stringify(fns.logs())).not.toContain(stack.clerk.secretKey);
        });
      });
    });
}
