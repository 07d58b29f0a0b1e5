// The authorization table (authorization-table.ts) through authenticate() and judge() on real tokens from
// the Clerk stand-in, in JWKS and networkless mode; every person verdict held to @clerk/backend's own
// authenticateRequest(...).toAuth().has(...) on the same token; and each token asked three times, the
// third answer coming from the token cache.
import { createClerkClient } from "@clerk/backend";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClerkStandIn, startClerkStandIn } from "../scripts/stand-ins/clerk.ts";
import {
  checkRequirements,
  judge,
  type Requirements,
  type RequirementsFor,
  refusal,
} from "../shared/auth/authorization.ts";
import { authFor } from "../shared/auth/clerk-client.ts";
import { acceptance, authenticate, type SignedIn } from "../shared/auth/index.ts";
import type { Config } from "../shared/config.ts";
import { errorResponse } from "../shared/http.ts";
import { AUTHZ_CASES, acceptsFor, REFUSED_AT_DEFINITION } from "./authorization-table.ts";

const PARTY = "http://localhost:8888";
const ACCEPTS = acceptance(["session_token", "api_key", "m2m_token"]);
let clerk: ClerkStandIn;

beforeAll(async () => {
  clerk = await startClerkStandIn({ authorizedParty: PARTY });
});
afterAll(async () => {
  await clerk.close();
});

function configFor(mode: "jwks" | "networkless"): Config {
  return {
    secretKey: clerk.secretKey,
    publishableKey: clerk.publishableKey,
    issuer: clerk.issuer,
    jwtKey: mode === "networkless" ? clerk.jwtKeyPem : undefined,
    apiUrl: clerk.url,
    machineSecretKey: undefined,
    machineId: undefined,
    authorizedParties: [PARTY],
    corsOrigins: [PARTY],
    upstreamTimeoutMs: 2000,
  } as unknown as Config;
}

const request = (token: string) =>
  new Request("http://localhost:8888/api/x", { headers: { authorization: `Bearer ${token}` } });

async function signedIn(token: string, config: Config): Promise<SignedIn> {
  const auth = await authenticate(request(token), config, { accepts: ACCEPTS, remainingMs: () => 2000 });
  if (!auth.signedIn) throw new Error(`not signed in: ${auth.reason}`);
  return auth;
}

const verdict = (requires: Requirements, auth: SignedIn) => {
  const j = judge(requires, auth);
  return j.ok ? "ok" : j.reason;
};

const PERSON_KEYS = ["role", "permission", "feature", "plan", "reverification"] as const;

/** @clerk/backend's own answer for a token: has() over the person requirements, all at once. */
async function sdkHas(token: string, requires: Requirements): Promise<boolean> {
  const sdk = createClerkClient({
    secretKey: clerk.secretKey,
    publishableKey: clerk.publishableKey,
    apiUrl: clerk.url,
    telemetry: { disabled: true },
  });
  const result = await sdk.authenticateRequest(request(token), {
    acceptsToken: "any",
    jwtKey: clerk.jwtKeyPem,
    authorizedParties: [PARTY],
  });
  if (result.status !== "signed-in") throw new Error(`SDK: ${result.reason}`);
  const params = Object.fromEntries(
    PERSON_KEYS.filter((k) => requires[k] !== undefined).map((k) => [k, requires[k]]),
  );
  return result.toAuth().has(params as Parameters<ReturnType<typeof result.toAuth>["has"]>[0]);
}

describe.each(["networkless", "jwks"] as const)("authorization table (%s)", (mode) => {
  let config: Config;
  beforeAll(() => {
    config = configFor(mode);
  });

  it.each(AUTHZ_CASES.map((c) => [`${c.id}: ${c.name}`, c] as const))("%s", async (_name, c) => {
    const token = await c.token(clerk);
    const { requires } = c;
    const accepts = acceptsFor(c);
    if (!REFUSED_AT_DEFINITION.has(c.id)) checkRequirements(requires, accepts);
    else expect(() => checkRequirements(requires, accepts)).toThrow(/needs "scopes"/);

    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(verdict(requires, await signedIn(token, config)));
    expect(answers).toEqual([c.expect, c.expect, c.expect]);

    const auth = await signedIn(token, config);
    if (auth.tokenType === "session_token") {
      // The third and fourth answers came from the cache: the token is remembered with its claims.
      expect(authFor(config).verified.get(token)).toBeDefined();
      if (PERSON_KEYS.some((k) => requires[k] !== undefined)) {
        expect(await sdkHas(token, requires), "toAuth().has() of @clerk/backend").toBe(c.expect === "ok");
      }
    } else {
      // Clerk's has() is false for every machine token: why machines are judged by scopes alone.
      if (mode === "networkless") expect(await sdkHas(token, requires)).toBe(false);
    }
  });
});

describe("what a function sees", () => {
  const config = () => configFor("networkless");

  it("a v2 admin: organization, role, slug, permissions decoded from the bitmasks, factor ages, has()", async () => {
    const token = await clerk.mintSessionToken({ userId: "user_alice", org: "org_acme", fva: [3, -1] });
    const auth = await signedIn(token, config());
    if (auth.tokenType !== "session_token") throw new Error("not a session");
    expect(auth).toMatchObject({
      orgId: "org_acme",
      orgRole: "org:admin",
      orgSlug: "acme",
      factorVerificationAge: [3, -1],
    });
    expect([...(auth.orgPermissions ?? [])].sort()).toEqual([
      "org:dashboard:read",
      "org:members:manage",
      "org:members:read",
      "org:settings:manage",
      "org:settings:read",
    ]);
    expect(auth.has({ permission: "org:members:manage" })).toBe(true);
    expect(auth.has({ role: "org:member" })).toBe(false);
  });

  it("a v1 token gives the same view", async () => {
    const token = await clerk.mintSessionToken({ userId: "user_bob", org: "org_acme", version: 1 });
    const auth = await signedIn(token, config());
    expect(auth).toMatchObject({ orgId: "org_acme", orgRole: "org:member", orgSlug: "acme" });
  });

  it("no organization: the fields are absent and has({role}) is false", async () => {
    const auth = await signedIn(await clerk.mintSessionToken({ userId: "user_alice" }), config());
    expect(auth).toMatchObject({ orgId: undefined, orgRole: undefined, orgPermissions: undefined });
    if (auth.tokenType === "session_token") expect(auth.has({ role: "org:admin" })).toBe(false);
  });

  it("an organization's API key: orgId, scopes and claims; an M2M JWT: its custom claims", async () => {
    const key = clerk.machineAuth.createApiKey({
      subject: "org_acme",
      scopes: ["org:read"],
      claims: { env: "ci" },
    });
    expect(await signedIn(key, config())).toMatchObject({
      tokenType: "api_key",
      orgId: "org_acme",
      scopes: ["org:read"],
      claims: { env: "ci" },
    });
    const jwt = await clerk.machineAuth.mintM2MToken({
      machineId: clerk.seedMachines.caller.id,
      format: "jwt",
      claims: { job: "nightly" },
    });
    expect(await signedIn(jwt, config())).toMatchObject({
      tokenType: "m2m_token",
      claims: { job: "nightly" },
    });
  });

  it("a token whose fea Clerk's parser cannot read signs in with no claims (fail closed)", async () => {
    const token = await clerk.mintSessionToken({
      userId: "user_alice",
      org: "org_acme",
      claims: { fea: "settings" },
    });
    const auth = await signedIn(token, config());
    expect(auth).toMatchObject({ orgId: undefined });
    expect(verdict({ role: "admin" }, auth)).toBe("no-active-organization");
    expect(verdict({}, auth)).toBe("ok");
  });
});

describe("the answers of a refusal", () => {
  it("a requirement that fails: 403 forbidden, the reason logged only", async () => {
    const err = refusal({ ok: false, reason: "missing-permission" });
    expect(err).toMatchObject({ status: 403, code: "forbidden", reason: "missing-permission" });
    const body = await errorResponse(err, "req_12345678").json();
    expect(body).toEqual({
      error: {
        code: "forbidden",
        message: "You are not allowed to use this endpoint.",
        requestId: "req_12345678",
      },
    });
  });

  it.each([
    ["strict", "strict"],
    ["an object level", { level: "second_factor", afterMinutes: 5 }],
  ] as const)("reverification (%s): Clerk's clerk_error beside our envelope", async (_name, level) => {
    const res = errorResponse(
      refusal({ ok: false, reason: "reverification-required", reverification: level }),
      "req_12345678",
    );
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      clerk_error: { type: "forbidden", reason: "reverification-error", metadata: { reverification: level } },
      error: {
        code: "reverification_required",
        message: "Verify your identity again to continue.",
        requestId: "req_12345678",
      },
    });
  });
});

describe("checkRequirements: mistakes fail where they are declared", () => {
  const session = ["session_token"] as const;
  it.each([
    [
      "a person requirement with machine tokens and no scopes",
      { permission: "org:x:y" },
      ["session_token", "api_key"],
      /needs "scopes"/,
    ],
    ["a typo'd key", { permissions: "org:x:y" }, session, /unknown requirement "permissions"/],
    ["an unknown reverification level", { reverification: "sometimes" }, session, /not a level/],
    [
      "an object level with a bad age",
      { reverification: { level: "second_factor", afterMinutes: 0 } },
      session,
      /not a level/,
    ],
    ["a feature with an unknown scope", { feature: "team:sso" }, session, /scope Clerk does not know/],
    ["a system permission", { permission: "org:sys_memberships:manage" }, session, /system permission/],
    ["an empty role", { role: "" }, session, /non-empty/],
    ["scopes on a session-only function", { scopes: ["read"] }, session, /accepts none/],
    ["empty scopes", { scopes: [] }, ["api_key"], /non-empty list/],
  ] as const)("%s", (_name, requires, accepts, message) => {
    expect(() => checkRequirements(requires as Requirements, accepts)).toThrow(message);
  });

  it.each([
    [
      "person requirements on a session-only function",
      { permission: "org:settings:manage", reverification: "strict" },
      session,
    ],
    [
      "person requirements with scopes for machines",
      { role: "admin", scopes: ["org:read"] },
      ["session_token", "api_key"],
    ],
    ["scopes alone", { scopes: ["read"] }, ["api_key:user"]],
    ["nothing", undefined, ["api_key"]],
  ] as const)("accepts %s", (_name, requires, accepts) => {
    expect(() => checkRequirements(requires as Requirements | undefined, accepts)).not.toThrow();
  });
});

describe("accepting only an organization's API keys (api_key:org)", () => {
  const attempt = async (accepts: Parameters<typeof acceptance>[0], subject: string) => {
    const key = clerk.machineAuth.createApiKey({ subject, scopes: [] });
    const auth = await authenticate(request(key), configFor("networkless"), {
      accepts: acceptance(accepts),
      remainingMs: () => 2000,
    });
    return auth.signedIn ? `ok ${(auth.tokenType === "api_key" && auth.orgId) || ""}` : auth.reason;
  };

  it.each([
    [["session_token", "api_key:org"], "org_acme", "ok org_acme"],
    [["session_token", "api_key:org"], "user_alice", "token-type-mismatch"],
    [["session_token", "api_key:org"], "mch_someone", "token-type-mismatch"],
    [["api_key:user", "api_key:org"], "user_alice", "ok "],
    [["api_key:user", "api_key:org"], "org_acme", "ok org_acme"],
    [["api_key:user", "api_key:org"], "mch_someone", "token-type-mismatch"],
    [["api_key:user"], "org_acme", "machine-subject-not-user"],
    [["api_key", "api_key:org"], "mch_someone", "ok "],
  ] as const)("%j with a key of %s → %s", async (accepts, subject, expected) => {
    expect(await attempt(accepts, subject)).toBe(expected);
  });
});

describe("RequirementsFor: the same mistake refused by the type checker", () => {
  it("compiles only declarations checkRequirements accepts", () => {
    const sessionOnly: RequirementsFor<"session_token"> = {
      permission: "org:settings:manage",
      reverification: "strict",
    };
    const withScopes: RequirementsFor<"session_token" | "api_key"> = { role: "admin", scopes: ["org:read"] };
    const scopesOnly: RequirementsFor<"api_key:org"> = { scopes: ["org:read"] };
    // @ts-expect-error a person requirement beside machine tokens needs scopes
    const missing: RequirementsFor<"session_token" | "m2m_token"> = { role: "admin" };
    // @ts-expect-error an unknown reverification level
    const level: RequirementsFor<"session_token"> = { reverification: "sometimes" };
    for (const r of [sessionOnly, withScopes, scopesOnly]) expect(r).toBeDefined();
    expect([missing, level]).toHaveLength(2);
  });
});

describe("a cookie-borne session token (authenticateRequest's path) carries the same claims", () => {
  it.each(["networkless", "jwks"] as const)("%s", async (mode) => {
    const token = await clerk.mintSessionToken({ userId: "user_bob", org: "org_acme", fva: [20, -1] });
    const now = Math.floor(Date.now() / 1000);
    const req = new Request("http://localhost:8888/api/x", {
      headers: { cookie: `__client_uat=${now - 60}; __clerk_db_jwt=dvb_local; __session=${token}` },
    });
    const auth = await authenticate(req, configFor(mode), { accepts: ACCEPTS, remainingMs: () => 2000 });
    if (!auth.signedIn) throw new Error(`not signed in: ${auth.reason}`);
    expect(auth).toMatchObject({ orgId: "org_acme", orgRole: "org:member", factorVerificationAge: [20, -1] });
    expect(verdict({ permission: "org:members:read" }, auth)).toBe("ok");
    expect(verdict({ permission: "org:settings:manage" }, auth)).toBe("missing-permission");
    expect(verdict({ reverification: "strict" }, auth)).toBe("reverification-required");
    expect(verdict({ reverification: "moderate" }, auth)).toBe("ok");
  });
});
