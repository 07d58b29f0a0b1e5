// The Clerk BAPI stand-in checked two ways: its HTTP responses against Clerk's published OpenAPI spec,
// and its behaviour through the official @clerk/backend SDK (the client our functions use), machine
// authentication included.
import { readFileSync } from "node:fs";
import { createClerkClient, verifyToken } from "@clerk/backend";
import { ClerkAPIResponseError } from "@clerk/backend/errors";
import { verifyMachineAuthToken } from "@clerk/backend/internal";
import { Ajv } from "ajv";
import addFormats from "ajv-formats";
import { createLocalJWKSet, decodeProtectedHeader, importSPKI, type JSONWebKeySet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type ClerkStandIn, startClerkStandIn } from "../../../scripts/stand-ins/clerk.ts";

const specUrl = new URL("../../fixtures/clerk/clerk-bapi-2026-05-12.yml", import.meta.url);
const spec = parse(readFileSync(specUrl, "utf8"));

/** OpenAPI 3.0 → JSON Schema: `nullable` becomes a null alternative, `discriminator` (a hint) goes. */
function toJsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toJsonSchema);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "nullable" && typeof value === "boolean") continue;
    if (key === "discriminator" && typeof value === "object" && value !== null && "propertyName" in value)
      continue;
    out[key] = toJsonSchema(value);
  }
  return (node as { nullable?: unknown }).nullable === true ? { anyOf: [out, { type: "null" }] } : out;
}

const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
// ajv-formats is CommonJS; its default import is the plugin function at runtime.
(addFormats as unknown as (a: Ajv) => void)(ajv);
ajv.addSchema(toJsonSchema(spec) as object, "clerk-bapi");

/** Escapes a JSON pointer segment. */
const seg = (s: string) => s.replaceAll("~", "~0").replaceAll("/", "~1");

/** Asserts `body` matches the schema the spec declares for `method path` answering `status`. */
function expectSpecResponse(method: string, path: string, status: number, body: unknown) {
  const declared = spec.paths[path]?.[method]?.responses?.[String(status)];
  expect(declared, `spec declares ${method.toUpperCase()} ${path} → ${status}`).toBeDefined();
  // Responses are mostly `$ref: '#/components/responses/X'`; the token endpoints inline theirs.
  const responsePointer: string =
    declared.$ref?.slice(1) ?? `/paths/${seg(path)}/${method}/responses/${status}`;
  const pointer = `${responsePointer}/content/${seg("application/json")}/schema`;
  const validate = ajv.getSchema(`clerk-bapi#${pointer.split("/").map(encodeURIComponent).join("/")}`);
  expect(validate).toBeDefined();
  const valid = validate!(body);
  expect(valid, ajv.errorsText(validate!.errors, { separator: "\n" })).toBe(true);
}

interface RawResponse {
  status: number;
  contentType: string | null;
  body: unknown;
}

async function bapi(
  standIn: ClerkStandIn,
  method: string,
  path: string,
  body?: unknown,
  secretKey = standIn.secretKey,
): Promise<RawResponse> {
  const res = await fetch(`${standIn.url}/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${secretKey}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, contentType: res.headers.get("content-type"), body: await res.json() };
}

const secretBytes = (secret: string) => new TextEncoder().encode(secret);

describe("Clerk stand-in responses match the BAPI 2026-05-12 OpenAPI spec", () => {
  let standIn: ClerkStandIn;
  beforeAll(async () => {
    standIn = await startClerkStandIn();
  });
  afterAll(() => standIn.close());

  it("serves the JWKS as one RS256 signing key", async () => {
    const res = await bapi(standIn, "GET", "/jwks");
    expect(res.status).toBe(200);
    expect(res.contentType).toBe("application/json");
    expectSpecResponse("get", "/jwks", 200, res.body);
    expect(res.body).toEqual({
      keys: [{ use: "sig", kty: "RSA", kid: standIn.kid, alg: "RS256", n: expect.any(String), e: "AQAB" }],
    });
  });

  it("serves a seeded user as a complete User object", async () => {
    const res = await bapi(standIn, "GET", "/users/user_alice");
    expect(res.status).toBe(200);
    expect(res.contentType).toBe("application/json");
    expectSpecResponse("get", "/users/{user_id}", 200, res.body);
    expect(res.body).toMatchObject({
      object: "user",
      id: "user_alice",
      first_name: "Alice",
      last_name: "Example",
      email_addresses: [{ email_address: "alice@example.com", verification: { status: "verified" } }],
      private_metadata: { secret: expect.any(String) },
    });
  });

  it("really checks the schema: a User with an unknown or missing property is rejected", async () => {
    const { body } = await bapi(standIn, "GET", "/users/user_alice");
    const { first_name: _dropped, ...withoutFirstName } = body as Record<string, unknown>;
    expect(() => expectSpecResponse("get", "/users/{user_id}", 200, withoutFirstName)).toThrow(/first_name/);
    expect(() =>
      expectSpecResponse("get", "/users/{user_id}", 200, { ...(body as object), timezone: "UTC" }),
    ).toThrow(/additional/);
  });

  it("answers an unknown user with a 404 ClerkErrors envelope", async () => {
    const res = await bapi(standIn, "GET", "/users/user_nobody");
    expect(res.status).toBe(404);
    expect(res.contentType).toBe("application/json");
    expectSpecResponse("get", "/users/{user_id}", 404, res.body);
    expect(res.body).toMatchObject({
      errors: [{ code: "resource_not_found" }],
      clerk_trace_id: expect.any(String),
    });
  });

  it("rejects a missing or wrong secret key with a 401 envelope", async () => {
    const wrong = await bapi(standIn, "GET", "/users/user_alice", undefined, "sk_test_wrong");
    expect(wrong.status).toBe(401);
    expectSpecResponse("get", "/users/{user_id}", 401, wrong.body);
    expect(wrong.body).toMatchObject({ errors: [{ code: "clerk_key_invalid" }] });

    const missing = await fetch(`${standIn.url}/v1/jwks`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("content-type")).toBe("application/json");
    const body = await missing.json();
    // The spec declares only a 200 for GET /jwks, so check the envelope against another operation's 401.
    expectSpecResponse("get", "/users/{user_id}", 401, body);
    expect(body).toMatchObject({ errors: [{ code: "authorization_header_format_invalid" }] });
  });

  it("updates only the given user fields and bumps updated_at", async () => {
    const before = (await bapi(standIn, "GET", "/users/user_bob")).body as Record<string, unknown>;
    const res = await bapi(standIn, "PATCH", "/users/user_bob", { first_name: "Robert" });
    expect(res.status).toBe(200);
    expectSpecResponse("patch", "/users/{user_id}", 200, res.body);
    const after = res.body as Record<string, unknown>;
    expect(after.first_name).toBe("Robert");
    expect(after.updated_at as number).toBeGreaterThan(before.updated_at as number);
    expect({ ...after, first_name: before.first_name, updated_at: before.updated_at }).toEqual(before);
  });

  it("refuses over-long names and unknown parameters with a 422 naming each parameter", async () => {
    const res = await bapi(standIn, "PATCH", "/users/user_bob", {
      last_name: "x".repeat(257),
      public_metadata: { plan: "pro" },
    });
    expect(res.status).toBe(422);
    expectSpecResponse("patch", "/users/{user_id}", 422, res.body);
    expect(res.body).toMatchObject({
      errors: [
        { code: "form_param_max_length_exceeded", meta: { param_name: "last_name" } },
        { code: "form_param_unknown", meta: { param_name: "public_metadata" } },
      ],
    });
    expect((await bapi(standIn, "GET", "/users/user_bob")).body).toMatchObject({ last_name: "Example" });
  });

  it("answers PATCH of an unknown user with 404", async () => {
    const res = await bapi(standIn, "PATCH", "/users/user_nobody", { first_name: "X" });
    expect(res.status).toBe(404);
    expectSpecResponse("patch", "/users/{user_id}", 404, res.body);
  });

  it("creates an active session for a known user", async () => {
    const res = await bapi(standIn, "POST", "/sessions", { user_id: "user_alice" });
    expect(res.status).toBe(200);
    expectSpecResponse("post", "/sessions", 200, res.body);
    expect(res.body).toMatchObject({ object: "session", user_id: "user_alice", status: "active" });
  });

  it("refuses a session for an unknown user (404) or without user_id (422)", async () => {
    const unknown = await bapi(standIn, "POST", "/sessions", { user_id: "user_nobody" });
    expect(unknown.status).toBe(404);
    expectSpecResponse("post", "/sessions", 404, unknown.body);
    const missing = await bapi(standIn, "POST", "/sessions", {});
    expect(missing.status).toBe(422);
    expectSpecResponse("post", "/sessions", 422, missing.body);
    expect(missing.body).toMatchObject({
      errors: [{ code: "form_param_missing", meta: { param_name: "user_id" } }],
    });
  });

  it("issues session tokens and supabase template tokens for an active session", async () => {
    const sid = standIn.createSession("user_alice");
    const plain = await bapi(standIn, "POST", `/sessions/${sid}/tokens`, { expires_in_seconds: 120 });
    expect(plain.status).toBe(200);
    expectSpecResponse("post", "/sessions/{session_id}/tokens", 200, plain.body);
    const { payload } = await jwtVerify(
      (plain.body as { jwt: string }).jwt,
      await importSPKI(standIn.jwtKeyPem, "RS256"),
    );
    expect(payload).toMatchObject({ sid, sub: "user_alice" });
    expect(payload.exp! - payload.iat!).toBe(120);

    const templated = await bapi(standIn, "POST", `/sessions/${sid}/tokens/supabase`);
    expect(templated.status).toBe(200);
    expectSpecResponse("post", "/sessions/{session_id}/tokens/{template_name}", 200, templated.body);
    expect(templated.body).toMatchObject({ object: "token", jwt: expect.any(String) });
  });

  it("answers unknown templates and unknown or ended sessions with 404", async () => {
    const sid = standIn.createSession("user_alice");
    const noTemplate = await bapi(standIn, "POST", `/sessions/${sid}/tokens/hasura`);
    expect(noTemplate.status).toBe(404);
    expectSpecResponse("post", "/sessions/{session_id}/tokens/{template_name}", 404, noTemplate.body);

    const noSession = await bapi(standIn, "POST", "/sessions/sess_nope/tokens");
    expect(noSession.status).toBe(404);
    expectSpecResponse("post", "/sessions/{session_id}/tokens", 404, noSession.body);

    standIn.sessions.get(sid)!.status = "ended";
    const ended = await bapi(standIn, "POST", `/sessions/${sid}/tokens/supabase`);
    expect(ended.status).toBe(404);
  });

  it("answers unrouted paths with a 404 envelope", async () => {
    const res = await bapi(standIn, "GET", "/organizations");
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ errors: [{ code: "resource_not_found" }] });
  });
});

describe("Clerk stand-in through the official @clerk/backend SDK", () => {
  let standIn: ClerkStandIn;
  let clerk: ReturnType<typeof createClerkClient>;
  beforeAll(async () => {
    standIn = await startClerkStandIn();
    clerk = createClerkClient({ secretKey: standIn.secretKey, apiUrl: standIn.url });
  });
  afterAll(() => standIn.close());

  it("getUser returns the user, sending the secret key and API version", async () => {
    const user = await clerk.users.getUser("user_alice");
    expect(user.firstName).toBe("Alice");
    expect(user.primaryEmailAddress?.emailAddress).toBe("alice@example.com");
    expect(user.privateMetadata).toEqual({ secret: expect.any(String) });
    const request = standIn.server.requests.at(-1)!;
    expect(request.path).toBe("/v1/users/user_alice");
    expect(request.headers.authorization).toBe(`Bearer ${standIn.secretKey}`);
    expect(request.headers["clerk-api-version"]).toBe("2026-05-12");
  });

  it("updateUser changes only firstName", async () => {
    const before = await clerk.users.getUser("user_bob");
    const after = await clerk.users.updateUser("user_bob", { firstName: "Robert" });
    expect(standIn.server.requests.at(-1)).toMatchObject({
      method: "PATCH",
      path: "/v1/users/user_bob",
      body: JSON.stringify({ first_name: "Robert" }),
    });
    expect(after.firstName).toBe("Robert");
    expect(after.lastName).toBe(before.lastName);
    expect(after.primaryEmailAddress?.emailAddress).toBe(before.primaryEmailAddress?.emailAddress);
    expect(after.publicMetadata).toEqual(before.publicMetadata);
  });

  it("surfaces validation errors as ClerkAPIResponseError with the parameter name", async () => {
    const error = await clerk.users.updateUser("user_bob", { firstName: "x".repeat(257) }).catch((e) => e);
    expect(error).toBeInstanceOf(ClerkAPIResponseError);
    expect(error.status).toBe(422);
    expect(error.errors[0]).toMatchObject({
      code: "form_param_max_length_exceeded",
      meta: { paramName: "first_name" },
    });
  });

  it("getToken with the supabase template returns an HS256 JWT for Supabase", async () => {
    const session = await clerk.sessions.createSession({ userId: "user_alice" });
    const { jwt } = await clerk.sessions.getToken(session.id, "supabase");
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: "HS256", typ: "JWT" });
    const { payload } = await jwtVerify(jwt, secretBytes(standIn.supabaseJwtSecret), {
      audience: "authenticated",
      issuer: standIn.issuer,
    });
    expect(payload).toMatchObject({ sub: "user_alice", role: "authenticated", email: "alice@example.com" });
    expect(payload.exp! - payload.iat!).toBe(60);
  });

  it("mints Clerk v2 session tokens that verify against the JWKS and the PEM key", async () => {
    const token = await standIn.mintSessionToken({ userId: "user_alice" });
    expect(decodeProtectedHeader(token)).toEqual({
      alg: "RS256",
      kid: standIn.kid,
      typ: "JWT",
      cat: "cl_B7d4PD111AAA",
    });

    const jwks = (await bapi(standIn, "GET", "/jwks")).body as JSONWebKeySet;
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: standIn.issuer });
    expect(Object.keys(payload).sort()).toEqual([
      "azp",
      "exp",
      "fva",
      "iat",
      "iss",
      "nbf",
      "role",
      "sid",
      "sub",
      "v",
    ]);
    expect(payload).toMatchObject({
      sub: "user_alice",
      v: 2,
      role: "authenticated",
      azp: "http://localhost:8888",
    });
    expect(payload.iat! - payload.nbf!).toBe(10);
    expect(standIn.sessions.get(payload.sid as string)?.user_id).toBe("user_alice");

    await jwtVerify(token, await importSPKI(standIn.jwtKeyPem, "RS256"));
    const claims = await verifyToken(token, { jwtKey: standIn.jwtKeyPem, issuer: standIn.issuer });
    expect(claims.sub).toBe("user_alice");
  });

  it("lets callers override or delete claims and header parameters", async () => {
    const now = Math.floor(Date.now() / 1000) - 3600;
    const token = await standIn.mintSessionToken({
      userId: "user_bob",
      sessionId: "sess_fixed",
      now,
      ttlSeconds: 30,
      claims: { role: undefined, org: "acme" },
      header: { cat: undefined },
    });
    expect(decodeProtectedHeader(token)).toEqual({ alg: "RS256", kid: standIn.kid, typ: "JWT" });
    const [, body] = token.split(".");
    const payload = JSON.parse(Buffer.from(body, "base64url").toString());
    expect(payload).toMatchObject({ sid: "sess_fixed", iat: now, exp: now + 30, org: "acme" });
    expect(payload).not.toHaveProperty("role");
    // An hour-old token is expired for the SDK too.
    await expect(verifyToken(token, { jwtKey: standIn.jwtKeyPem })).rejects.toMatchObject({
      reason: "token-expired",
    });
  });

  it("authenticateRequest in JWKS mode accepts a session token fetched via BAPI", async () => {
    const session = await clerk.sessions.createSession({ userId: "user_bob" });
    const { jwt } = await clerk.sessions.getToken(session.id);
    const state = await clerk.authenticateRequest(
      new Request("http://localhost:8888/api/me", { headers: { authorization: `Bearer ${jwt}` } }),
      {
        secretKey: standIn.secretKey,
        publishableKey: standIn.publishableKey,
        apiUrl: standIn.url,
        authorizedParties: ["http://localhost:8888"],
      },
    );
    expect(state.isAuthenticated).toBe(true);
    expect(state.toAuth()).toMatchObject({ userId: "user_bob", sessionId: session.id });
    expect(standIn.server.requests.some((r) => r.path === "/v1/jwks")).toBe(true);
  });

  // Slow (~3 s): the SDK retries the JWKS fetch before giving up.
  it("reports a wrong secret key the way the SDK recognises (clerk_key_invalid)", async () => {
    const token = await standIn.mintSessionToken({ userId: "user_alice" });
    await expect(
      verifyToken(token, { secretKey: "sk_test_wrong", apiUrl: standIn.url }),
    ).rejects.toMatchObject({
      reason: "secret-key-invalid",
    });
    const wrongClient = createClerkClient({ secretKey: "sk_test_wrong", apiUrl: standIn.url });
    const error = await wrongClient.users.getUser("user_alice").catch((e) => e);
    expect(error).toBeInstanceOf(ClerkAPIResponseError);
    expect(error.status).toBe(401);
  });

  it("passes injected faults through: a 429 becomes ClerkAPIResponseError with retryAfter", async () => {
    standIn.server.fault({
      path: "/v1/users/user_alice",
      status: 429,
      headers: { "retry-after": "7" },
      body: JSON.stringify({
        errors: [{ code: "too_many_requests", message: "Too many requests", long_message: "Slow down." }],
      }),
      times: 1,
    });
    const error = await clerk.users.getUser("user_alice").catch((e) => e);
    expect(error).toBeInstanceOf(ClerkAPIResponseError);
    expect(error.status).toBe(429);
    expect(error.retryAfter).toBe(7);
    expect(error.errors[0].code).toBe("too_many_requests");
    expect((await clerk.users.getUser("user_alice")).firstName).toBe("Alice");
  });
});

describe("Clerk stand-in key rotation and options", () => {
  it("serves old and new keys after rotateKey, and the SDK accepts tokens from both", async () => {
    const standIn = await startClerkStandIn();
    try {
      const oldKid = standIn.kid;
      const oldPem = standIn.jwtKeyPem;
      const oldToken = await standIn.mintSessionToken({ userId: "user_alice" });
      await standIn.rotateKey();
      expect(standIn.kid).not.toBe(oldKid);
      expect(standIn.jwtKeyPem).not.toBe(oldPem);

      const { body } = await bapi(standIn, "GET", "/jwks");
      expectSpecResponse("get", "/jwks", 200, body);
      expect((body as JSONWebKeySet).keys.map((k) => k.kid)).toEqual([oldKid, standIn.kid]);

      const newToken = await standIn.mintSessionToken({ userId: "user_alice" });
      expect(decodeProtectedHeader(newToken).kid).toBe(standIn.kid);
      const options = { secretKey: standIn.secretKey, apiUrl: standIn.url };
      expect((await verifyToken(oldToken, options)).sub).toBe("user_alice");
      expect((await verifyToken(newToken, options)).sub).toBe("user_alice");
      // The PEM is one key: the old one no longer verifies new tokens.
      await expect(verifyToken(newToken, { jwtKey: oldPem })).rejects.toMatchObject({
        reason: "token-invalid-signature",
      });
    } finally {
      await standIn.close();
    }
  });

  it("honours custom keys, host, users and a null session role", async () => {
    const standIn = await startClerkStandIn({
      secretKey: "sk_test_custom",
      supabaseJwtSecret: "super-secret-jwt-token-with-at-least-32-characters",
      frontendApiHost: "clerk.example.test",
      authorizedParty: "https://app.example.test",
      sessionTokenRole: null,
      users: [{ id: "user_carol", firstName: null, lastName: null, email: "carol@example.test" }],
    });
    try {
      expect(standIn.publishableKey).toBe(`pk_test_${btoa("clerk.example.test$").replace(/=+$/, "")}`);
      expect(atob(standIn.publishableKey.slice("pk_test_".length))).toBe("clerk.example.test$");
      expect(standIn.issuer).toBe("https://clerk.example.test");
      expect([...standIn.users.keys()]).toEqual(["user_carol"]);

      const res = await bapi(standIn, "GET", "/users/user_carol");
      expectSpecResponse("get", "/users/{user_id}", 200, res.body);
      expect(res.body).toMatchObject({ first_name: null, last_name: null, username: null });

      const token = await standIn.mintSessionToken({ userId: "user_carol" });
      const { payload } = await jwtVerify(token, await importSPKI(standIn.jwtKeyPem, "RS256"));
      expect(payload).not.toHaveProperty("role");
      expect(payload.azp).toBe("https://app.example.test");

      const clerk = createClerkClient({ secretKey: "sk_test_custom", apiUrl: standIn.url });
      const { jwt } = await clerk.sessions.getToken(standIn.createSession("user_carol"), "supabase");
      await jwtVerify(jwt, secretBytes("super-secret-jwt-token-with-at-least-32-characters"));
    } finally {
      await standIn.close();
    }
  });
});

describe("Clerk stand-in machine authentication (M2M tokens, API keys, OAuth tokens)", () => {
  let standIn: ClerkStandIn;
  let clerk: ReturnType<typeof createClerkClient>;
  beforeAll(async () => {
    standIn = await startClerkStandIn();
    clerk = createClerkClient({ secretKey: standIn.secretKey, apiUrl: standIn.url });
  });
  afterAll(() => standIn.close());
  /** A user id of Clerk's shape (the seeded `user_alice` is shorter than the spec's pattern). */
  const USER = "user_2xhFjEI5X2qWRvtV13BzSj8H6Dk";

  it("creates a machine with its secret key (POST /v1/machines)", async () => {
    const res = await bapi(standIn, "POST", "/machines", {
      name: "reporting",
      scoped_machines: [standIn.seedMachines.api.id],
    });
    expect(res.status).toBe(200);
    expectSpecResponse("post", "/machines", 200, res.body);
    expect(res.body).toMatchObject({
      object: "machine",
      id: expect.stringMatching(/^mch_\w{27}$/),
      secret_key: expect.stringMatching(/^ak_/),
      scoped_machines: [{ id: standIn.seedMachines.api.id }],
    });
  });

  it("mints an M2M token only for a machine's secret key, and verifies it (201, 200, 404)", async () => {
    const { caller, api } = standIn.seedMachines;
    const created = await bapi(
      standIn,
      "POST",
      "/m2m_tokens",
      { seconds_until_expiration: 60 },
      caller.secretKey,
    );
    expect(created.status).toBe(201);
    expectSpecResponse("post", "/m2m_tokens", 201, created.body);
    const token = (created.body as { token: string }).token;
    expect(created.body).toMatchObject({
      subject: caller.id,
      scopes: [api.id],
      token: expect.stringMatching(/^mt_/),
    });

    const refused = await bapi(standIn, "POST", "/m2m_tokens", {});
    expect(refused.status).toBe(401);

    const verified = await bapi(standIn, "POST", "/m2m_tokens/verify", { token });
    expect(verified.status).toBe(200);
    expectSpecResponse("post", "/m2m_tokens/verify", 200, verified.body);
    expect(verified.body).not.toHaveProperty("token");
    // Verified as a machine: only tokens scoped to it exist.
    expect((await bapi(standIn, "POST", "/m2m_tokens/verify", { token }, api.secretKey)).status).toBe(200);
    expect((await bapi(standIn, "POST", "/m2m_tokens/verify", { token }, caller.secretKey)).status).toBe(404);

    standIn.machineAuth.revoke(token);
    const revoked = await bapi(standIn, "POST", "/m2m_tokens/verify", { token });
    expectSpecResponse("post", "/m2m_tokens/verify", 200, revoked.body);
    expect(revoked.body).toMatchObject({ revoked: true, revocation_reason: expect.any(String) });

    const unknown = await bapi(standIn, "POST", "/m2m_tokens/verify", { token: "mt_unknown" });
    expect(unknown.status).toBe(404);
    expectSpecResponse("post", "/m2m_tokens/verify", 404, unknown.body);
  });

  it("answers at the unversioned paths @clerk/backend calls", async () => {
    const token = await standIn.machineAuth.mintM2MToken({ machineId: standIn.seedMachines.caller.id });
    const res = await fetch(`${standIn.url}/m2m_tokens/verify`, {
      method: "POST",
      headers: { authorization: `Bearer ${standIn.secretKey}`, "content-type": "application/json" },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
  });

  it("creates and verifies API keys, expired ones flagged (200), unknown ones 404", async () => {
    const created = await bapi(standIn, "POST", "/api_keys", { name: "ci", subject: USER, scopes: ["read"] });
    expect(created.status).toBe(200);
    expectSpecResponse("post", "/api_keys", 200, created.body);
    const secret = (created.body as { secret: string }).secret;

    const verified = await bapi(standIn, "POST", "/api_keys/verify", { secret });
    expect(verified.status).toBe(200);
    expectSpecResponse("post", "/api_keys/verify", 200, verified.body);
    expect(verified.body).toMatchObject({ subject: USER, scopes: ["read"], revoked: false, expired: false });

    standIn.machineAuth.expire(secret);
    const expired = await bapi(standIn, "POST", "/api_keys/verify", { secret });
    expectSpecResponse("post", "/api_keys/verify", 200, expired.body);
    expect(expired.body).toMatchObject({ expired: true });

    const unknown = await bapi(standIn, "POST", "/api_keys/verify", { secret: "ak_unknown" });
    expect(unknown.status).toBe(404);
    expectSpecResponse("post", "/api_keys/verify", 404, unknown.body);
  });

  it("verifies OAuth access tokens: opaque (200, 404) and an expired JWT ({active: false})", async () => {
    const opaque = await standIn.machineAuth.mintOAuthToken({ userId: USER });
    const path = "/oauth_applications/access_tokens/verify";
    const verified = await bapi(standIn, "POST", path, { access_token: opaque });
    expect(verified.status).toBe(200);
    expectSpecResponse("post", path, 200, verified.body);
    expect(verified.body).toMatchObject({ object: "clerk_idp_oauth_access_token", subject: USER });

    const jwt = await standIn.machineAuth.mintOAuthToken({ userId: USER, format: "jwt", ttlSeconds: -60 });
    const inactive = await bapi(standIn, "POST", path, { access_token: jwt });
    expectSpecResponse("post", path, 200, inactive.body);
    expect(inactive.body).toEqual({ active: false });

    const unknown = await bapi(standIn, "POST", path, { access_token: "oat_unknown" });
    expect(unknown.status).toBe(404);
    expectSpecResponse("post", path, 404, unknown.body);
  });

  it("the SDK creates and verifies all three kinds through the stand-in", async () => {
    const { caller, api } = standIn.seedMachines;
    const created = await clerk.m2m.createToken({
      machineSecretKey: caller.secretKey,
      secondsUntilExpiration: 60,
    });
    const m2m = await clerk.m2m.verify({ token: created.token!, machineSecretKey: api.secretKey });
    expect(m2m).toMatchObject({ subject: caller.id, scopes: [api.id], revoked: false });
    expect(standIn.server.requests.at(-1)).toMatchObject({
      path: "/m2m_tokens/verify",
      headers: { authorization: `Bearer ${api.secretKey}` },
    });

    const key = await clerk.apiKeys.create({ name: "ci", subject: USER });
    expect((await clerk.apiKeys.verify(key.secret!)).subject).toBe(USER);
    const oat = await standIn.machineAuth.mintOAuthToken({ userId: USER, scopes: ["email"] });
    expect(await clerk.idPOAuthAccessToken.verify(oat)).toMatchObject({ subject: USER, scopes: ["email"] });

    const missing = await clerk.apiKeys.verify("ak_nope").catch((e) => e);
    expect(missing).toBeInstanceOf(ClerkAPIResponseError);
    expect(missing.status).toBe(404);
  });

  it("passes injected faults on the verify endpoints through: 429 with retryAfter, 5xx", async () => {
    const token = await standIn.machineAuth.mintM2MToken({ machineId: standIn.seedMachines.caller.id });
    standIn.server.fault({
      path: "/m2m_tokens/verify",
      status: 429,
      headers: { "retry-after": "9" },
      body: '{"errors":[]}',
      times: 1,
    });
    const limited = await clerk.m2m.verify({ token }).catch((e) => e);
    expect(limited).toBeInstanceOf(ClerkAPIResponseError);
    expect(limited).toMatchObject({ status: 429, retryAfter: 9 });
    standIn.server.fault({ path: "/api_keys/verify", status: 502, body: '{"errors":[]}', times: 1 });
    expect(await clerk.apiKeys.verify("ak_any").catch((e) => e.status)).toBe(502);
    expect((await clerk.m2m.verify({ token })).subject).toBe(standIn.seedMachines.caller.id);
  });

  // Why the functions verify machine tokens through the client's verify methods instead.
  it("authenticateRequest({ acceptsToken }) calls a revoked key signed in and Clerk's 429 signed out", async () => {
    const secret = standIn.machineAuth.createApiKey({ subject: USER });
    standIn.machineAuth.revoke(secret);
    const request = () =>
      new Request("http://localhost:8888/api", { headers: { authorization: `Bearer ${secret}` } });
    const options = { acceptsToken: "api_key" as const, publishableKey: standIn.publishableKey };
    const revoked = await clerk.authenticateRequest(request(), options);
    expect(revoked.isAuthenticated).toBe(true);

    standIn.server.fault({
      path: "/api_keys/verify",
      status: 429,
      headers: { "retry-after": "9" },
      body: '{"errors":[]}',
      times: 1,
    });
    const limited = await clerk.authenticateRequest(request(), options);
    expect(limited).toMatchObject({ isAuthenticated: false, reason: "unexpected-error" });
  });

  it("mints M2M and OAuth JWTs the SDK's verifyMachineAuthToken accepts with the PEM key", async () => {
    const m2mJwt = await standIn.machineAuth.mintM2MToken({
      machineId: standIn.seedMachines.caller.id,
      format: "jwt",
    });
    expect(decodeProtectedHeader(m2mJwt)).toMatchObject({ typ: "JWT", cat: "cl_B7d4PD333AAA" });
    const m2m = await verifyMachineAuthToken(m2mJwt, { jwtKey: standIn.jwtKeyPem });
    expect(m2m.errors).toBeUndefined();
    expect(m2m).toMatchObject({ tokenType: "m2m_token", data: { subject: standIn.seedMachines.caller.id } });

    const oauthJwt = await standIn.machineAuth.mintOAuthToken({ userId: USER, format: "jwt" });
    expect(decodeProtectedHeader(oauthJwt).typ).toBe("at+jwt");
    const oauth = await verifyMachineAuthToken(oauthJwt, { jwtKey: standIn.jwtKeyPem });
    expect(oauth.errors).toBeUndefined();
    expect(oauth).toMatchObject({
      tokenType: "oauth_token",
      data: { subject: USER, scopes: ["profile", "email"] },
    });
  });
});

describe("Clerk stand-in: ended sessions and session look-ups", () => {
  let standIn: ClerkStandIn;
  beforeAll(async () => {
    standIn = await startClerkStandIn({
      users: [{ id: "user_dave", firstName: "Dave", lastName: null, email: "dave@example.test" }],
    });
  });
  afterAll(() => standIn.close());

  it("GET /v1/sessions/{id} serves a Session, with the status endSession set", async () => {
    const sid = standIn.createSession("user_dave");
    const live = await bapi(standIn, "GET", `/sessions/${sid}`);
    expect(live.status).toBe(200);
    expectSpecResponse("get", "/sessions/{session_id}", 200, live.body);
    expect(live.body).toMatchObject({ id: sid, status: "active", user_id: "user_dave" });

    standIn.endSession(sid, "revoked");
    const revoked = await bapi(standIn, "GET", `/sessions/${sid}`);
    expectSpecResponse("get", "/sessions/{session_id}", 200, revoked.body);
    expect(revoked.body).toMatchObject({ status: "revoked" });
    const token = await bapi(standIn, "POST", `/sessions/${sid}/tokens/supabase`);
    expect(token.status).toBe(404);
    expectSpecResponse("post", "/sessions/{session_id}/tokens/{template_name}", 404, token.body);
  });

  it("GET /v1/sessions/{id} of an unknown session → 404 ResourceNotFound", async () => {
    const res = await bapi(standIn, "GET", "/sessions/sess_unknown");
    expect(res.status).toBe(404);
    expectSpecResponse("get", "/sessions/{session_id}", 404, res.body);
  });

  it("deleteUser removes the user and its sessions; the SDK reads the status with getSession", async () => {
    const sid = standIn.createSession("user_dave");
    standIn.deleteUser("user_dave");
    expect((await bapi(standIn, "GET", "/users/user_dave")).status).toBe(404);
    const clerk = createClerkClient({ secretKey: standIn.secretKey, apiUrl: standIn.url });
    expect((await clerk.sessions.getSession(sid)).status).toBe("removed");
    await expect(clerk.sessions.getToken(sid, "supabase")).rejects.toMatchObject({ status: 404 });
  });

  it("templateTtlSeconds sets the life of template tokens minted without expires_in_seconds", async () => {
    const other = await startClerkStandIn();
    try {
      other.templateTtlSeconds = 10;
      const clerk = createClerkClient({ secretKey: other.secretKey, apiUrl: other.url });
      const { jwt } = await clerk.sessions.getToken(other.createSession("user_alice"), "supabase");
      const { payload } = await jwtVerify(jwt, secretBytes(other.supabaseJwtSecret));
      expect(payload.exp! - payload.iat!).toBe(10);
    } finally {
      await other.close();
    }
  });
});

describe("Clerk stand-in organizations, v2 authorization claims and factor ages", () => {
  let standIn: ClerkStandIn;
  beforeAll(async () => {
    standIn = await startClerkStandIn();
  });
  afterAll(() => standIn.close());

  const control = async (sessionId: string, action: string, body: unknown = {}) => {
    const res = await fetch(`${standIn.url}/__stand-in/sessions/${sessionId}/${action}`, {
      method: "POST",
      headers: { authorization: `Bearer ${standIn.secretKey}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const claimsOf = async (sessionId: string) => {
    const { body } = await bapi(standIn, "POST", `/sessions/${sessionId}/tokens`, {});
    return (await jwtVerify((body as { jwt: string }).jwt, await importSPKI(standIn.jwtKeyPem, "RS256")))
      .payload;
  };

  it("serves a seeded organization (by id or slug) as the spec's Organization, with members_count on request", async () => {
    const res = await bapi(standIn, "GET", "/organizations/org_acme");
    expect(res.status).toBe(200);
    expectSpecResponse("get", "/organizations/{organization_id}", 200, res.body);
    expect(res.body).toMatchObject({
      object: "organization",
      id: "org_acme",
      name: "Acme Inc",
      slug: "acme",
    });
    expect(res.body).not.toHaveProperty("members_count");
    const counted = await bapi(standIn, "GET", "/organizations/acme?include_members_count=true");
    expectSpecResponse("get", "/organizations/{organization_id}", 200, counted.body);
    expect(counted.body).toMatchObject({ id: "org_acme", members_count: 2 });
    const missing = await bapi(standIn, "GET", "/organizations/org_gone");
    expect(missing.status).toBe(404);
    expectSpecResponse("get", "/organizations/{organization_id}", 404, missing.body);
  });

  it("PATCH renames; a name with a URL or HTML, an over-long one, or dropped metadata is a 422 per parameter", async () => {
    const renamed = await bapi(standIn, "PATCH", "/organizations/org_globex", { name: "Globex Corp." });
    expect(renamed.status).toBe(200);
    expectSpecResponse("patch", "/organizations/{organization_id}", 200, renamed.body);
    expect(renamed.body).toMatchObject({ name: "Globex Corp." });
    for (const name of ["Visit evil.example", "https://x.test", "<b>Acme</b>", "x".repeat(257)]) {
      const refused = await bapi(standIn, "PATCH", "/organizations/org_globex", { name });
      expect(refused.status, name).toBe(422);
      expectSpecResponse("patch", "/organizations/{organization_id}", 422, refused.body);
      expect(refused.body).toMatchObject({ errors: [{ meta: { param_name: "name" } }] });
    }
    const metadata = await bapi(standIn, "PATCH", "/organizations/org_globex", { private_metadata: {} });
    expect(metadata.body).toMatchObject({ errors: [{ code: "form_param_unknown" }] });
    expect(standIn.organizations.get("org_globex")?.name).toBe("Globex Corp.");
    expect((await bapi(standIn, "PATCH", "/organizations/org_gone", { name: "A" })).status).toBe(404);
  });

  it("the SDK reads and updates organizations; its 422 carries Clerk's code", async () => {
    const sdk = createClerkClient({ secretKey: standIn.secretKey, apiUrl: standIn.url });
    const org = await sdk.organizations.getOrganization({
      organizationId: "org_acme",
      includeMembersCount: true,
    });
    expect(org).toMatchObject({
      id: "org_acme",
      membersCount: 2,
      privateMetadata: { secret: "acme-private-note" },
    });
    const err = await sdk.organizations
      .updateOrganization("org_acme", { name: "see www.acme.test" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClerkAPIResponseError);
    expect((err as ClerkAPIResponseError).errors[0]?.code).toBe("form_param_value_invalid");
  });

  it("a session in an organization gets a v2 token with o, fea, pla and fva that Clerk's parser reads back", async () => {
    const { body } = await bapi(standIn, "POST", "/sessions", {
      user_id: "user_bob",
      active_organization_id: "org_acme",
    });
    const payload = await claimsOf((body as { id: string }).id);
    expect(payload).toMatchObject({
      v: 2,
      o: { id: "org_acme", rol: "member", slg: "acme", per: "read", fpm: "1,1,1" },
      fea: "o:settings,o:members,o:dashboard",
      pla: "o:pro",
      fva: [0, -1],
    });
  });

  it("ageing the factors makes the next token's fva stale; re-verifying (and enrolling a second factor) freshens it", async () => {
    const sessionId = standIn.createSession("user_alice", "org_acme");
    const aged = await control(sessionId, "age-factors", { minutes: 90 });
    expect(aged).toEqual({
      status: 200,
      body: { session_id: sessionId, active_organization_id: "org_acme", fva: [90, -1] },
    });
    expect((await claimsOf(sessionId)).fva).toEqual([90, -1]);
    expect((await control(sessionId, "reverify", { second_factor: true })).body.fva).toEqual([0, 0]);
    await control(sessionId, "age-factors");
    expect((await claimsOf(sessionId)).fva).toEqual([1441, 1441]);
    expect((await control(sessionId, "age-factors", { minutes: -1 })).status).toBe(422);
  });

  it("switching the active organization changes the token's o claim; a non-member or unknown session is refused", async () => {
    const sessionId = standIn.createSession("user_alice");
    expect(await claimsOf(sessionId)).not.toHaveProperty("o");
    await control(sessionId, "organization", { organization_id: "org_globex" });
    expect((await claimsOf(sessionId)).o).toMatchObject({ id: "org_globex", rol: "member" });
    const bob = standIn.createSession("user_bob");
    expect((await control(bob, "organization", { organization_id: "org_globex" })).status).toBe(422);
    expect((await control("sess_unknown", "reverify")).status).toBe(404);
  });

  it("mints v1 organization claims on request, and org-owned API keys with claims", async () => {
    const token = await standIn.mintSessionToken({ userId: "user_alice", org: "org_acme", version: 1 });
    const { payload } = await jwtVerify(token, await importSPKI(standIn.jwtKeyPem, "RS256"));
    expect(payload).not.toHaveProperty("v");
    expect(payload).toMatchObject({ org_id: "org_acme", org_role: "org:admin", org_slug: "acme" });
    const key = standIn.machineAuth.createApiKey({
      subject: "org_acme",
      scopes: ["org:read"],
      claims: { a: 1 },
    });
    const verified = await createClerkClient({
      secretKey: standIn.secretKey,
      apiUrl: standIn.url,
    }).apiKeys.verify(key);
    expect(verified).toMatchObject({ subject: "org_acme", scopes: ["org:read"], claims: { a: 1 } });
  });
});
