// Clerk's own published verification fixtures (clerk/javascript packages/backend/src/fixtures), run
// through our auth helper at the instant they are valid, in networkless and JWKS modes.
import { readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type StandInServer, serve } from "../scripts/stand-ins/http.ts";
import { type Running, sourceHost } from "./support/hosts.ts";

const fixtures = JSON.parse(
  readFileSync(new URL("./fixtures/clerk/clerk-fixtures.json", import.meta.url), "utf8"),
) as {
  publishableKey: string;
  authorizedParty: string;
  payload: { sub: string };
  validAtUnixSeconds: number;
  tokens: Record<"signedJwt" | "mockJwt" | "mockInvalidSignatureJwt" | "mockMalformedJwt", { jwt: string }>;
  keys: { pemEncodedPublicKey: string; someOtherPublicKey: string; mockJwks: unknown };
};

const baseEnv = {
  CLERK_SECRET_KEY: "sk_test_fixture",
  CLERK_PUBLISHABLE_KEY: fixtures.publishableKey,
  CLERK_AUTHORIZED_PARTIES: fixtures.authorizedParty,
};
const at = (offsetSeconds = 0) =>
  vi.useFakeTimers({ now: (fixtures.validAtUnixSeconds + offsetSeconds) * 1000, toFake: ["Date"] });

async function check(fns: Running, token: string) {
  const before = fns.logs().length;
  const res = await fns.call("protected", { headers: { authorization: `Bearer ${token}` } });
  const line = fns.logs()[before] as { userId?: string; reason?: string };
  return { status: res.status, userId: line.userId, reason: line.reason };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("Clerk fixtures, networkless (CLERK_JWT_KEY)", () => {
  let fns: Running;
  let other: Running | undefined;
  beforeAll(async () => {
    fns = await sourceHost.start({ ...baseEnv, CLERK_JWT_KEY: fixtures.keys.pemEncodedPublicKey });
  });
  afterAll(async () => {
    await fns.close();
    await other?.close();
  });

  it("signedJwt at its valid instant → signed in as its sub", async () => {
    at();
    expect(await check(fns, fixtures.tokens.signedJwt.jwt)).toEqual({
      status: 200,
      userId: fixtures.payload.sub,
      reason: undefined,
    });
  });

  it("signedJwt 66 s later (exp + 6 s, past the 5 s skew) → token-expired", async () => {
    at(66);
    expect(await check(fns, fixtures.tokens.signedJwt.jwt)).toMatchObject({
      status: 401,
      reason: "token-expired",
    });
  });

  it("signedJwt 64 s later (exp + 4 s, inside the skew) → still signed in", async () => {
    at(64);
    expect((await check(fns, fixtures.tokens.signedJwt.jwt)).status).toBe(200);
  });

  it("signedJwt 30 s before its nbf/iat → not active yet", async () => {
    at(-30);
    expect((await check(fns, fixtures.tokens.signedJwt.jwt)).status).toBe(401);
  });

  it("mockJwt (signed by the JWKS key) against the PEM → token-invalid-signature", async () => {
    at();
    expect(await check(fns, fixtures.tokens.mockJwt.jwt)).toMatchObject({
      status: 401,
      reason: "token-invalid-signature",
    });
  });

  it("mockInvalidSignatureJwt (azp tampered) → 401", async () => {
    at();
    expect((await check(fns, fixtures.tokens.mockInvalidSignatureJwt.jwt)).status).toBe(401);
  });

  it("mockMalformedJwt (payload only iat) → 401", async () => {
    at();
    expect((await check(fns, fixtures.tokens.mockMalformedJwt.jwt)).status).toBe(401);
  });

  it("signedJwt against someOtherPublicKey → token-invalid-signature", async () => {
    other = await sourceHost.start({ ...baseEnv, CLERK_JWT_KEY: fixtures.keys.someOtherPublicKey });
    at();
    expect(await check(other, fixtures.tokens.signedJwt.jwt)).toMatchObject({
      status: 401,
      reason: "token-invalid-signature",
    });
  });
});

describe("Clerk fixtures, JWKS mode (keys from a Backend API /v1/jwks)", () => {
  let jwks: StandInServer;
  let fns: Running;
  beforeAll(async () => {
    jwks = await serve((req) =>
      new URL(req.url).pathname === "/v1/jwks" &&
      req.headers.get("authorization") === "Bearer sk_test_fixture"
        ? new Response(JSON.stringify(fixtures.keys.mockJwks), {
            headers: { "content-type": "application/json" },
          })
        : new Response("{}", { status: 401, headers: { "content-type": "application/json" } }),
    );
    fns = await sourceHost.start({ ...baseEnv, CLERK_API_URL: jwks.url });
  });
  afterAll(async () => {
    await fns.close();
    await jwks.close();
  });

  it("mockJwt at its valid instant → signed in, one JWKS fetch", async () => {
    at();
    expect(await check(fns, fixtures.tokens.mockJwt.jwt)).toMatchObject({
      status: 200,
      userId: fixtures.payload.sub,
    });
    expect(await check(fns, fixtures.tokens.mockJwt.jwt)).toMatchObject({ status: 200 });
    expect(jwks.requests.map((r) => r.path)).toEqual(["/v1/jwks"]);
  });

  it("mockInvalidSignatureJwt → token-invalid-signature", async () => {
    at();
    expect(await check(fns, fixtures.tokens.mockInvalidSignatureJwt.jwt)).toMatchObject({
      status: 401,
      reason: "token-invalid-signature",
    });
  });

  it("signedJwt (same kid, other key) → token-invalid-signature", async () => {
    at();
    expect(await check(fns, fixtures.tokens.signedJwt.jwt)).toMatchObject({
      status: 401,
      reason: "token-invalid-signature",
    });
  });

  it("mockJwt 66 s later → token-expired", async () => {
    at(66);
    expect(await check(fns, fixtures.tokens.mockJwt.jwt)).toMatchObject({
      status: 401,
      reason: "token-expired",
    });
  });
});
