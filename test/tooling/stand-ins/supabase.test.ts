// The Supabase stand-in, driven through the real supabase-js client where possible and raw fetch
// where a test needs the wire (headers, malformed requests).
import { existsSync } from "node:fs";
import { createClient } from "@supabase/supabase-js";
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandInServer, serve } from "../../../scripts/stand-ins/http.ts";
import { type SupabaseStandIn, startSupabaseStandIn } from "../../../scripts/stand-ins/supabase.ts";
import { snapshotFile } from "../../../scripts/stand-ins/supabase-db.ts";

const JWT_SECRET = "super-secret-jwt-token-with-at-least-32-characters-long";
const CLERK_ISSUER = "https://clerk.stand-in.test";
const CLERK_SECRET = "sk_test_stand_in";

let sb: SupabaseStandIn;
let jwksServer: StandInServer;
let rsaKey: CryptoKey;
let startupMs = 0;

const secret = new TextEncoder().encode(JWT_SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** A Clerk "supabase" JWT-template token: HS256 with the project's JWT secret. */
function hsToken(sub: string, claims: JWTPayload = {}, key: Uint8Array = secret) {
  return new SignJWT({
    role: "authenticated",
    aud: "authenticated",
    iat: now(),
    exp: now() + 60,
    sub,
    ...claims,
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .sign(key);
}

/** A Clerk session token as Supabase's native third-party integration sees it: RS256 via JWKS. */
function rsToken(sub: string, iss = CLERK_ISSUER) {
  return new SignJWT({ role: "authenticated", iat: now(), exp: now() + 60, sub, iss })
    .setProtectedHeader({ alg: "RS256", kid: "clerk-test-key" })
    .sign(rsaKey);
}

const client = (token?: string, key = sb.anonKey) =>
  createClient(sb.url, key, { accessToken: async () => token ?? null });

const rest = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${sb.url}/rest/v1/${path}`, { headers: { apikey: sb.anonKey, ...headers } });

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  rsaKey = privateKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: "clerk-test-key", alg: "RS256", use: "sig" };
  // Like the Clerk stand-in's /v1/jwks: only answers with the secret key as bearer.
  jwksServer = await serve((req) =>
    req.headers.get("authorization") === `Bearer ${CLERK_SECRET}`
      ? Response.json({ keys: [jwk] })
      : Response.json({ errors: [{ code: "authentication_invalid" }] }, { status: 401 }),
  );
  const started = performance.now();
  sb = await startSupabaseStandIn({
    jwtSecret: JWT_SECRET,
    clerkJwksUrl: `${jwksServer.url}/v1/jwks`,
    clerkSecretKey: CLERK_SECRET,
    clerkIssuer: CLERK_ISSUER,
  });
  startupMs = performance.now() - started;
});

afterAll(async () => {
  await sb?.close();
  await jwksServer?.close();
});

describe("Supabase stand-in: RLS over real Postgres", () => {
  it("gives alice only her rows, honouring limit", async () => {
    const { data, error, status } = await client(await hsToken("user_alice"))
      .from("tasks")
      .select("*")
      .limit(2);
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toHaveLength(2);
    expect(data?.every((t) => t.user_id === "user_alice")).toBe(true);
    // PostgREST row shape: bigint id as a number, timestamptz as an ISO string.
    expect(data?.[0]).toMatchObject({ id: 1, title: expect.any(String), done: false });
    expect(data?.[0].created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$/);
  });

  it("gives bob only his rows", async () => {
    const { data } = await client(await hsToken("user_bob"))
      .from("tasks")
      .select("id,user_id,title");
    expect(data).toHaveLength(2);
    expect(data?.map((t) => t.user_id)).toEqual(["user_bob", "user_bob"]);
    expect(Object.keys(data?.[0] ?? {})).toEqual(["id", "user_id", "title"]);
  });

  it("gives the anon role no rows (no policy), without an error", async () => {
    const { data, error, status } = await client().from("tasks").select("*");
    expect(error).toBeNull();
    expect(status).toBe(200);
    expect(data).toEqual([]);
  });

  it("lets service_role bypass RLS", async () => {
    const { data } = await client(undefined, sb.serviceRoleKey).from("tasks").select("*");
    expect(data).toHaveLength(5);
  });

  it("applies eq filters and ordering", async () => {
    const { data, error } = await client(await hsToken("user_alice"))
      .from("tasks")
      .select("id,done")
      .eq("done", false)
      .order("id", { ascending: false });
    expect(error).toBeNull();
    expect(data).toEqual([
      { id: 3, done: false },
      { id: 1, done: false },
    ]);
  });

  it("supports in/is/neq filters, offset, count=exact and HEAD", async () => {
    const db = client(undefined, sb.serviceRoleKey);
    const inList = await db.from("tasks").select("id").in("id", [1, 4, 5]).neq("id", 5).order("id");
    expect(inList.data).toEqual([{ id: 1 }, { id: 4 }]);
    const page = await db.from("tasks").select("id").order("id").range(1, 2);
    expect(page.data).toEqual([{ id: 2 }, { id: 3 }]);
    const notNull = await db.from("tasks").select("id").not("title", "is", null);
    expect(notNull.data).toHaveLength(5);
    const head = await client(await hsToken("user_alice"))
      .from("tasks")
      .select("*", { count: "exact", head: true });
    expect(head).toMatchObject({ count: 3, data: null, error: null });
  });

  it("returns a single object or PGRST116 for vnd.pgrst.object+json", async () => {
    const alice = client(await hsToken("user_alice"));
    const one = await alice.from("tasks").select("id,title").eq("id", 1).single();
    expect(one.data).toEqual({ id: 1, title: "Buy oat milk" });
    const none = await alice.from("tasks").select("*").eq("id", 4).single();
    expect(none.status).toBe(406);
    expect(none.error?.code).toBe("PGRST116");
  });

  it("keeps concurrent requests' roles and claims apart", async () => {
    const [alice, bob] = [client(await hsToken("user_alice")), client(await hsToken("user_bob"))];
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? bob : alice).from("tasks").select("user_id")),
    );
    results.forEach(({ data }, i) => {
      expect(data).toHaveLength(i % 2 ? 2 : 3);
      expect(new Set(data?.map((t) => t.user_id))).toEqual(new Set([i % 2 ? "user_bob" : "user_alice"]));
    });
  });

  it("answers with PostgREST's content-range and content-type", async () => {
    const res = await rest("tasks?select=id&limit=2", {
      authorization: `Bearer ${await hsToken("user_alice")}`,
    });
    expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
    expect(res.headers.get("content-range")).toBe("0-1/*");
    const empty = await rest("tasks");
    expect(empty.headers.get("content-range")).toBe("*/*");
  });
});

describe("Supabase stand-in: gateway and JWT errors", () => {
  it("rejects an expired token with PGRST303 and WWW-Authenticate", async () => {
    const expired = await hsToken("user_alice", { iat: now() - 3600, exp: now() - 120 });
    const { data, error, status } = await client(expired).from("tasks").select("*");
    expect(data).toBeNull();
    expect(status).toBe(401);
    expect(error).toMatchObject({ code: "PGRST303", message: "JWT expired" });
    const res = await rest("tasks", { authorization: `Bearer ${expired}` });
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer error="invalid_token", error_description="JWT expired"',
    );
  });

  it("rejects a bad signature and malformed tokens with PGRST301", async () => {
    const forged = await hsToken(
      "user_alice",
      {},
      new TextEncoder().encode("not-the-project-secret-at-all-0123456789"),
    );
    const { error, status } = await client(forged).from("tasks").select("*");
    expect(status).toBe(401);
    expect(error?.code).toBe("PGRST301");
    const res = await rest("tasks", { authorization: "Bearer not-a-jwt" });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "PGRST301", message: "Expected 3 parts in JWT; got 1" });
  });

  it("checks the apikey like Kong", async () => {
    const { error, status } = await client(await hsToken("user_alice"), "wrong-key")
      .from("tasks")
      .select("*");
    expect(status).toBe(401);
    expect(error?.message).toBe("Invalid API key");
    const res = await fetch(`${sb.url}/rest/v1/tasks`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: "No API key found in request" });
    const viaQuery = await fetch(`${sb.url}/rest/v1/tasks?apikey=${sb.serviceRoleKey}`);
    expect(await viaQuery.json()).toHaveLength(5);
  });

  it("refuses JWT roles Supabase doesn't grant", async () => {
    const superuser = await client(await hsToken("user_alice", { role: "postgres" }))
      .from("tasks")
      .select("*");
    expect(superuser.status).toBe(403);
    expect(superuser.error).toMatchObject({
      code: "42501",
      message: 'permission denied to set role "postgres"',
    });
    const unknown = await client(await hsToken("user_alice", { role: "admin" }))
      .from("tasks")
      .select("*");
    expect(unknown.status).toBe(401);
    expect(unknown.error?.code).toBe("22023");
  });
});

describe("Supabase stand-in: PostgREST query errors", () => {
  it("reports a missing table as 42P01 / 404", async () => {
    const { error, status } = await client(await hsToken("user_alice"))
      .from("nope")
      .select("*");
    expect(status).toBe(404);
    expect(error).toMatchObject({ code: "42P01", message: 'relation "public.nope" does not exist' });
  });

  it("reports an unknown column as 42703 and leaves the connection usable", async () => {
    const alice = client(await hsToken("user_alice"));
    const bad = await alice.from("tasks").select("id,nope");
    expect(bad.status).toBe(400);
    expect(bad.error?.code).toBe("42703");
    const good = await alice.from("tasks").select("id");
    expect(good.data).toHaveLength(3);
  });

  it("maps missing grants to 42501: 401 for anon, 403 when authenticated", async () => {
    await sb.db.exec("create table if not exists public.private_notes (id int)");
    const anon = await client().from("private_notes").select("*");
    expect(anon.status).toBe(401);
    expect(anon.error?.code).toBe("42501");
    const alice = await client(await hsToken("user_alice"))
      .from("private_notes")
      .select("*");
    expect(alice.status).toBe(403);
  });

  it("binds filter values and validates identifiers (no SQL injection)", async () => {
    const service = { authorization: `Bearer ${sb.serviceRoleKey}` };
    const value = await rest(`tasks?select=*&user_id=eq.${encodeURIComponent("x' or '1'='1")}`, service);
    expect(value.status).toBe(200);
    expect(await value.json()).toEqual([]);
    const viaClient = await client(undefined, sb.serviceRoleKey)
      .from("tasks")
      .select("*")
      .eq("user_id", "x' or '1'='1");
    expect(viaClient).toMatchObject({ data: [], error: null });

    const select = await rest(`tasks?select=${encodeURIComponent("id;drop table tasks")}`, service);
    expect(select.status).toBe(400);
    expect(await select.json()).toMatchObject({ code: "PGRST100" });
    const column = await rest(`tasks?${encodeURIComponent('id"=1 or "1')}=eq.1`, service);
    expect(column.status).toBe(400);
    const table = await rest(`${encodeURIComponent('tasks"; drop table tasks; --')}`, service);
    expect(table.status).toBe(404);

    const { rows } = await sb.db.query("select count(*)::int as n from public.tasks");
    expect(rows).toEqual([{ n: 5 }]);
  });

  it("only serves reads", async () => {
    const { error, status } = await client(await hsToken("user_alice"))
      .from("tasks")
      .insert({ title: "x" });
    expect(status).toBe(405);
    expect(error?.code).toBe("PGRST117");
  });
});

describe("Supabase stand-in: Clerk third-party auth (RS256 via JWKS)", () => {
  it("verifies RS256 tokens against the JWKS, fetched with the secret key", async () => {
    const { data, error } = await client(await rsToken("user_bob"))
      .from("tasks")
      .select("*");
    expect(error).toBeNull();
    expect(data?.map((t) => t.user_id)).toEqual(["user_bob", "user_bob"]);
    expect(jwksServer.requests.at(-1)?.headers.authorization).toBe(`Bearer ${CLERK_SECRET}`);
  });

  it("rejects an RS256 token from another issuer", async () => {
    const { error, status } = await client(await rsToken("user_bob", "https://evil.example"))
      .from("tasks")
      .select("*");
    expect(status).toBe(401);
    expect(error?.code).toBe("PGRST301");
  });
});

describe("Supabase stand-in: recording and fault injection", () => {
  it("records requests as the client sent them", async () => {
    sb.server.requests.length = 0;
    const token = await hsToken("user_alice");
    await client(token).from("tasks").select("id").limit(1);
    const [req] = sb.server.requests;
    expect(req).toMatchObject({ method: "GET", path: "/rest/v1/tasks", search: "?select=id&limit=1" });
    expect(req.headers.apikey).toBe(sb.anonKey);
    expect(req.headers.authorization).toBe(`Bearer ${token}`);
  });

  it("injects a 503 once; supabase-js retries it (Retry-After: 0) or surfaces it with retry(false)", async () => {
    const alice = client(await hsToken("user_alice"));
    sb.server.requests.length = 0;
    sb.server.fault({ path: "/rest/v1/tasks", status: 503, times: 1, headers: { "retry-after": "0" } });
    const retried = await alice.from("tasks").select("id");
    expect(retried.data).toHaveLength(3);
    expect(sb.server.requests.map((r) => r.headers["x-retry-count"])).toEqual([undefined, "1"]);

    sb.server.fault({ path: "/rest/v1/tasks", status: 503, times: 1, body: '{"message":"down"}' });
    const failed = await alice.from("tasks").select("id").retry(false);
    expect(failed.status).toBe(503);
    expect(failed.error?.message).toBe("down");
    expect((await alice.from("tasks").select("id")).data).toHaveLength(3);
  });

  it("can drop the connection", async () => {
    sb.server.fault({ path: "/rest/v1/tasks", drop: true, times: 1 });
    const { error, status } = await client(await hsToken("user_alice"))
      .from("tasks")
      .select("id")
      .retry(false);
    expect(status).toBe(0);
    expect(error?.message).toMatch(/fetch failed/i);
    sb.server.clearFaults();
  });
});

describe("Supabase stand-in: startup", () => {
  // How fast that is belongs to the bench, not to a timed test on a shared machine: this checks that the
  // snapshot is kept and that a start from it serves its own data.
  it("keeps a Postgres snapshot, and a start from it serves its own seed", async () => {
    expect(existsSync(await snapshotFile())).toBe(true);
    const started = performance.now();
    const second = await startSupabaseStandIn({
      jwtSecret: JWT_SECRET,
      tasks: [{ userId: "u", title: "t" }],
    });
    const ms = performance.now() - started;
    console.info(`startSupabaseStandIn: first ${Math.round(startupMs)} ms, cached ${Math.round(ms)} ms`);
    try {
      const { data } = await createClient(second.url, second.serviceRoleKey)
        .from("tasks")
        .select("user_id,title");
      expect(data).toEqual([{ user_id: "u", title: "t" }]);
    } finally {
      await second.close();
    }
  });
});

describe("Supabase stand-in: current API keys at the gateway", () => {
  it("a publishable key is the anon role: no rows alone, the user's rows with their token", async () => {
    const alone = await client(undefined, sb.publishableKey).from("tasks").select("*");
    expect(alone).toMatchObject({ data: [], error: null });
    const { data } = await client(await hsToken("user_bob"), sb.publishableKey)
      .from("tasks")
      .select("*");
    expect(data?.map((t) => t.user_id)).toEqual(["user_bob", "user_bob"]);
  });

  it("a secret key bypasses Row Level Security, whatever token comes with it", async () => {
    const { data } = await client(await hsToken("user_alice"), sb.secretKey)
      .from("tasks")
      .select("*");
    expect(data).toHaveLength(5);
  });

  it("an unknown sb_ key → 401 Invalid API key", async () => {
    const res = await rest("tasks", { apikey: "sb_publishable_unknown" });
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ message: "Invalid API key" });
  });
});
