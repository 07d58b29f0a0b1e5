// supabase-data on today's platform, on source, the Node bundles and the Deno bundles: one Clerk template
// call per session (counted at the Clerk stand-in), ended sessions and missing templates, the public key
// order and the refusal of keys that bypass Row Level Security (nothing reaches the Supabase stand-in),
// and two users' requests interleaved on one isolate.
import { beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_SEED_USERS } from "../scripts/stand-ins/clerk.ts";
import { selectRows } from "../shared/supabase.ts";
import { type ExtraEnv, useFunctions, useStandIns } from "./support/fixture.ts";
import { decodePart, signedWithOtherKey } from "./support/forge.ts";
import { type Host, type Running, sourceHost } from "./support/hosts.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";

const ALICE = "user_alice";
const BOB = "user_bob";
/** Deleted by one test; the seed users stay for the others. */
const CAROL = "user_carol";
const TEMPLATE_CALL = /^POST \/v1\/sessions\/(sess_\w+)\/tokens\/supabase$/;

type Row = { user_id: string };

const standIns = useStandIns({
  clerk: {
    users: [...DEFAULT_SEED_USERS, { id: CAROL, firstName: "Carol", lastName: null, email: "c@example.com" }],
  },
});
beforeEach(() => {
  standIns.stack.resetCalls();
  standIns.stack.clerk.templateTtlSeconds = 60;
});

const session = (userId = ALICE) => standIns.stack.clerk.mintSessionToken({ userId, ttlSeconds: 3600 });
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const templateCalls = () => standIns.stack.clerkCalls().filter((c) => TEMPLATE_CALL.test(c));
const sidOf = (token: string) => decodePart(token, 1).sid as string;

async function rowsOf(res: Response): Promise<Row[]> {
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: Row[] }).data;
}

/** Log lines can trail the response on process hosts. */
async function logFor(fns: Running, requestId: string | null): Promise<Record<string, unknown>> {
  for (let i = 0; i < 50; i++) {
    const line = fns.logs().find((l) => l.requestId === requestId);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no log line for ${requestId}`);
}

/** Starts `host` with the stand-ins' environment plus `extra` (undefined deletes) for the enclosing describe. */
function withHost(host: Host, extra: () => ExtraEnv = () => ({})) {
  return useFunctions({
    host,
    standIns,
    users: [],
    // Each case names the keys it sets; the stack's own publishable key would otherwise win over them.
    env: (stack) => ({
      SUPABASE_PUBLISHABLE_KEY: undefined,
      SUPABASE_ANON_KEY: stack.supabase.anonKey,
      ...extra(),
    }),
  });
}

function suite(host: Host): void {
  describe("one template token per session", () => {
    const f = withHost(host);

    it("10 requests of one session → 1 template call, every one answered with the caller's rows", async () => {
      const token = await session();
      for (let i = 0; i < 10; i++) {
        const rows = await rowsOf(await f.fns.call("supabase-data", bearer(token)));
        expect(rows.length).toBeGreaterThan(0);
        expect(rows.every((r) => r.user_id === ALICE)).toBe(true);
      }
      expect(templateCalls()).toEqual([`POST /v1/sessions/${sidOf(token)}/tokens/supabase`]);
      // The happy path never looks the session up.
      expect(standIns.stack.clerkCalls()).toHaveLength(1);
      expect(standIns.stack.supabaseCalls()).toHaveLength(10);
    });

    it("10 concurrent first requests of one session → 1 template call", async () => {
      const token = await session();
      // Slow enough that every request arrives while the first fetch is under way.
      standIns.stack.clerk.server.fault({ path: /\/tokens\/supabase$/, delayMs: 300, times: 1 });
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => f.fns.call("supabase-data", bearer(token))),
      );
      for (const res of answers) expect((await rowsOf(res)).every((r) => r.user_id === ALICE)).toBe(true);
      expect(templateCalls()).toHaveLength(1);
    });

    it("another session of the same user → its own template call; the first stays remembered", async () => {
      const first = await session();
      const second = await session();
      await rowsOf(await f.fns.call("supabase-data", bearer(first)));
      await rowsOf(await f.fns.call("supabase-data", bearer(second)));
      await rowsOf(await f.fns.call("supabase-data", bearer(first)));
      await rowsOf(await f.fns.call("supabase-data", bearer(second)));
      expect(templateCalls().map((c) => TEMPLATE_CALL.exec(c)![1])).toEqual([sidOf(first), sidOf(second)]);
    });

    it("a template token with 10 s or less to live → fetched afresh on every request", async () => {
      standIns.stack.clerk.templateTtlSeconds = 10;
      const token = await session();
      for (let i = 0; i < 3; i++) await rowsOf(await f.fns.call("supabase-data", bearer(token)));
      expect(templateCalls()).toHaveLength(3);
    });

    it("a failed template fetch is not remembered: the next request fetches again", async () => {
      const token = await session();
      standIns.stack.clerk.server.fault({ path: /\/tokens\/supabase$/, status: 500, body: "{}", times: 1 });
      expect((await f.fns.call("supabase-data", bearer(token))).status).toBe(502);
      await rowsOf(await f.fns.call("supabase-data", bearer(token)));
      await rowsOf(await f.fns.call("supabase-data", bearer(token)));
      expect(templateCalls()).toHaveLength(2);
    });

    it("a remembered session still needs a valid session token: forged or expired → 401, no query", async () => {
      const token = await session();
      await rowsOf(await f.fns.call("supabase-data", bearer(token)));
      const sid = sidOf(token);
      const forged = await signedWithOtherKey(token);
      const expired = await standIns.stack.clerk.mintSessionToken({
        userId: ALICE,
        sessionId: sid,
        now: Math.floor(Date.now() / 1000) - 3600,
        ttlSeconds: 60,
      });
      standIns.stack.resetCalls();
      for (const bad of [forged, expired]) {
        expect((await f.fns.call("supabase-data", bearer(bad))).status).toBe(401);
      }
      expect(standIns.stack.clerkCalls()).toEqual([]);
      expect(standIns.stack.supabaseCalls()).toEqual([]);
    });
  });

  describe("sessions that ended", () => {
    const f = withHost(host);

    it.each(["ended", "revoked"] as const)(
      "a session %s at Clerk → 401, the session looked up only on that path",
      async (status) => {
        const token = await session();
        standIns.stack.clerk.endSession(sidOf(token), status);
        const res = await f.fns.call("supabase-data", bearer(token));
        expect(res.status).toBe(401);
        expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api", error="invalid_token"');
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
        expect(standIns.stack.clerkCalls()).toEqual([
          `POST /v1/sessions/${sidOf(token)}/tokens/supabase`,
          `GET /v1/sessions/${sidOf(token)}`,
        ]);
        expect(standIns.stack.supabaseCalls()).toEqual([]);
        expect(await logFor(f.fns, res.headers.get("x-request-id"))).toMatchObject({
          status: 401,
          reason: "session-ended",
        });
        // Replaying the session's last token costs Clerk nothing more: an ended session stays ended.
        standIns.stack.resetCalls();
        for (let i = 0; i < 3; i++) {
          expect((await f.fns.call("supabase-data", bearer(token))).status).toBe(401);
        }
        expect(standIns.stack.clerkCalls()).toEqual([]);
      },
    );

    it("a user deleted at Clerk (its sessions removed) → 401", async () => {
      const token = await session(CAROL);
      standIns.stack.clerk.deleteUser(CAROL);
      const res = await f.fns.call("supabase-data", bearer(token));
      expect(res.status).toBe(401);
      expect(standIns.stack.supabaseCalls()).toEqual([]);
    });

    it("Clerk failing on the session look-up → 502, not a sign-out", async () => {
      const token = await session();
      standIns.stack.clerk.endSession(sidOf(token));
      standIns.stack.clerk.server.fault({
        method: "GET",
        path: /^\/v1\/sessions\/[^/]+$/,
        status: 500,
        body: "{}",
      });
      expect((await f.fns.call("supabase-data", bearer(token))).status).toBe(502);
    });
  });

  describe("a template Clerk does not have", () => {
    const f = withHost(host, () => ({ CLERK_SUPABASE_TEMPLATE: "hasura" }));

    it("on a live session → 500 server_misconfigured, the reason logged, no query", async () => {
      const token = await session();
      const res = await f.fns.call("supabase-data", bearer(token));
      expect(res.status).toBe(500);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("server_misconfigured");
      expect(standIns.stack.clerkCalls()).toEqual([
        `POST /v1/sessions/${sidOf(token)}/tokens/hasura`,
        `GET /v1/sessions/${sidOf(token)}`,
      ]);
      expect(standIns.stack.supabaseCalls()).toEqual([]);
      const line = await logFor(f.fns, res.headers.get("x-request-id"));
      expect(line.reason).toMatch(/CLERK_SUPABASE_TEMPLATE/);
    });
  });

  describe("the public key: SUPABASE_PUBLISHABLE_KEY first", () => {
    // The other two are set too, the JSON one to a key the gateway refuses: only the first may be used.
    const f = withHost(host, () => ({
      SUPABASE_PUBLISHABLE_KEY: standIns.stack.supabase.publishableKey,
      SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: "sb_publishable_not_this_one" }),
    }));

    it("→ 200, the key only in apikey, the user's token as the bearer", async () => {
      const rows = await rowsOf(await f.fns.call("supabase-data", bearer(await session(BOB))));
      expect(rows.every((r) => r.user_id === BOB)).toBe(true);
      const sent = standIns.stack.supabase.server.requests[0]!;
      expect(sent.headers.apikey).toBe(standIns.stack.supabase.publishableKey);
      expect(sent.headers.authorization).toMatch(/^Bearer eyJ/);
    });
  });

  describe("the public key: the default of SUPABASE_PUBLISHABLE_KEYS before the legacy anon key", () => {
    const f = withHost(host, () => ({
      SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: standIns.stack.supabase.publishableKey }),
    }));

    it("→ 200 with the publishable key", async () => {
      const rows = await rowsOf(await f.fns.call("supabase-data", bearer(await session())));
      expect(rows.every((r) => r.user_id === ALICE)).toBe(true);
      expect(standIns.stack.supabase.server.requests[0]!.headers.apikey).toBe(
        standIns.stack.supabase.publishableKey,
      );
    });
  });

  describe("keys that bypass Row Level Security are refused before any query", () => {
    const refused = (name: string, env: () => Record<string, string | undefined>, secret: () => string) =>
      describe(name, () => {
        const f = withHost(host, env);

        it("→ 500 server_misconfigured, no Clerk or Supabase call, the variable named, never the key", async () => {
          const res = await f.fns.call("supabase-data", bearer(await session()));
          expect(res.status).toBe(500);
          expect(((await res.json()) as { error: { code: string } }).error.code).toBe("server_misconfigured");
          expect(standIns.stack.clerkCalls()).toEqual([]);
          expect(standIns.stack.supabaseCalls()).toEqual([]);
          const line = await logFor(f.fns, res.headers.get("x-request-id"));
          expect(line.reason).toMatch(/bypasses Row Level Security/);
          expect(JSON.stringify(f.fns.logs())).not.toContain(secret());
          // Broken Supabase settings are supabase-data's alone.
          expect((await f.fns.call("protected", bearer(await session()))).status).toBe(200);
        });
      });

    refused(
      "an sb_secret_ key as SUPABASE_PUBLISHABLE_KEY",
      () => ({ SUPABASE_PUBLISHABLE_KEY: standIns.stack.supabase.secretKey }),
      () => standIns.stack.supabase.secretKey,
    );
    refused(
      "the legacy service_role JWT as SUPABASE_ANON_KEY",
      () => ({ SUPABASE_ANON_KEY: standIns.stack.supabase.serviceRoleKey }),
      () => standIns.stack.supabase.serviceRoleKey,
    );
    if (host === sourceHost) {
      refused(
        "an sb_secret_ key as the default of SUPABASE_PUBLISHABLE_KEYS",
        () => ({ SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: standIns.stack.supabase.secretKey }) }),
        () => standIns.stack.supabase.secretKey,
      );
    }
  });

  if (host === sourceHost) {
    describe.each([
      [
        "SUPABASE_PUBLISHABLE_KEYS that is not JSON",
        { SUPABASE_PUBLISHABLE_KEYS: "sb_publishable_x" },
        /SUPABASE_PUBLISHABLE_KEYS must be JSON/,
      ],
      [
        "SUPABASE_PUBLISHABLE_KEYS without a default",
        { SUPABASE_PUBLISHABLE_KEYS: '{"web":"sb_publishable_x"}' },
        /"default"/,
      ],
      ["no public key at all", { SUPABASE_ANON_KEY: undefined }, /SUPABASE_PUBLISHABLE_KEY .*not set/],
    ])("%s", (_name, extra, reason) => {
      const f = withHost(host, () => extra);

      it("→ 500 server_misconfigured naming what to set, no upstream call", async () => {
        const res = await f.fns.call("supabase-data", bearer(await session()));
        expect(res.status).toBe(500);
        expect(standIns.stack.clerkCalls()).toEqual([]);
        expect(standIns.stack.supabaseCalls()).toEqual([]);
        expect((await logFor(f.fns, res.headers.get("x-request-id"))).reason).toMatch(reason);
      });
    });
  }

  describe("two users interleaved on one isolate", () => {
    // About isolation, not deadlines: a busy machine must not turn slow answers into 504s.
    const f = withHost(host, () => ({ UPSTREAM_TIMEOUT_MS: "8000" }));

    it("40 concurrent requests of alice and bob (fresh sessions, slow Supabase) → each sees only their rows", async () => {
      const users = [ALICE, BOB, ALICE, BOB];
      const tokens = await Promise.all(users.map((u) => session(u)));
      // Answers trail the requests, so every query and template fetch overlaps others of the other user.
      standIns.stack.supabase.server.fault({ path: "/rest/v1/tasks", delayMs: 50 });
      standIns.stack.clerk.server.fault({ path: /\/tokens\/supabase$/, delayMs: 50 });
      const calls = Array.from({ length: 40 }, (_, i) => ({ user: users[i % 4]!, token: tokens[i % 4]! }));
      const answers = await Promise.all(
        calls.map(async (c) => ({
          ...c,
          rows: await rowsOf(await f.fns.call("supabase-data", bearer(c.token))),
        })),
      );
      for (const a of answers) {
        expect(a.rows.length).toBeGreaterThan(0);
        expect(a.rows.every((r) => r.user_id === a.user)).toBe(true);
      }
      expect(templateCalls()).toHaveLength(4);
    });
  });
}

describe("what the key guard prevents (the query layer alone, as the function would run it)", () => {
  it("a secret key with alice's template token reads bob's rows through the gateway", async () => {
    const sid = standIns.stack.clerk.createSession(ALICE);
    const res = await fetch(`${standIns.stack.clerk.url}/v1/sessions/${sid}/tokens/supabase`, {
      method: "POST",
      headers: { authorization: `Bearer ${standIns.stack.clerk.secretKey}` },
    });
    const { jwt } = (await res.json()) as { jwt: string };
    const query = {
      url: standIns.stack.supabase.url,
      accessToken: jwt,
      table: "tasks",
      limit: 50,
      timeoutMs: 1500,
    };
    const asUser = (await selectRows({ ...query, key: standIns.stack.supabase.publishableKey })) as Row[];
    expect(asUser.every((r) => r.user_id === ALICE)).toBe(true);
    const leaked = (await selectRows({ ...query, key: standIns.stack.supabase.secretKey })) as Row[];
    expect(leaked.some((r) => r.user_id === BOB)).toBe(true);
  });
});

describe("from source, in-process", () => suite(sourceHost));
describe("Netlify bundles on Node", () => suite(nodeBundleHost));
describe("Supabase bundles under Deno", () => suite(denoHost));
