// The auth decision table: each case is a request a client could send, the status it gets and the reason
// the function logs. Run in JWKS mode and in networkless mode (CLERK_JWT_KEY).
import { expect, it } from "vitest";
import { hs256WithPublicKey, signedWithOtherKey, tamper, unsigned } from "./support/forge.ts";
import { forEachMode } from "./support/modes.ts";
import type { Stack } from "./support/stack.ts";

type Case = {
  id: string;
  name: string;
  request: (s: Stack) => Promise<Record<string, string>>;
  status: number;
  reason?: string;
};

const now = () => Math.floor(Date.now() / 1000);
const mint = (s: Stack, extra: Parameters<Stack["clerk"]["mintSessionToken"]>[0] | object = {}) =>
  s.clerk.mintSessionToken({ userId: "user_alice", ...extra });
const header = (token: string) => ({ authorization: `Bearer ${token}` });

const CASES: Case[] = [
  { id: "1", name: "valid token in the header", request: async (s) => header(await mint(s)), status: 200 },
  {
    id: "2",
    name: "valid token in the __session cookie",
    request: async (s) => ({
      cookie: `__client_uat=${now() - 60}; __clerk_db_jwt=dvb_local; __session=${await mint(s)}`,
    }),
    status: 200,
  },
  {
    id: "3",
    name: "expired beyond the 5 s skew",
    request: async (s) => header(await mint(s, { now: now() - 120, ttlSeconds: 60 })),
    status: 401,
    reason: "token-expired",
  },
  {
    id: "4",
    name: "not valid yet (nbf in the future)",
    request: async (s) => header(await mint(s, { claims: { nbf: now() + 60 } })),
    status: 401,
    reason: "token-not-active-yet",
  },
  {
    id: "5",
    name: "issued in the future",
    request: async (s) => header(await mint(s, { claims: { iat: now() + 60 } })),
    status: 401,
    reason: "token-iat-in-the-future",
  },
  {
    id: "6",
    name: "signed with a key Clerk never issued (same kid)",
    request: async (s) => header(await signedWithOtherKey(await mint(s))),
    status: 401,
    reason: "token-invalid-signature",
  },
  {
    id: "7",
    name: "payload tampered after signing (sub swapped)",
    request: async (s) => header(tamper(await mint(s), { sub: "user_bob" })),
    status: 401,
    reason: "token-invalid-signature",
  },
  {
    id: "8",
    name: "alg none, no signature",
    request: async (s) => header(unsigned(await mint(s))),
    status: 401,
    reason: "token-invalid-algorithm",
  },
  {
    id: "9",
    name: "HS256 signed with the RSA public key (algorithm confusion)",
    request: async (s) => header(hs256WithPublicKey(await mint(s), s.clerk.jwtKeyPem)),
    status: 401,
    reason: "token-invalid-algorithm",
  },
  {
    id: "10",
    name: "azp not an authorized party",
    request: async (s) => header(await mint(s, { claims: { azp: "https://evil.example" } })),
    status: 401,
    reason: "token-invalid-authorized-parties",
  },
  {
    id: "11",
    name: "azp missing while authorized parties are set",
    request: async (s) => header(await mint(s, { claims: { azp: undefined } })),
    status: 401,
    reason: "token-invalid-authorized-parties",
  },
  {
    id: "12",
    name: "iss of another Clerk instance",
    request: async (s) => header(await mint(s, { claims: { iss: "https://clerk.other.example" } })),
    status: 401,
    reason: "token-invalid-issuer",
  },
  {
    id: "13",
    name: "sub missing",
    request: async (s) => header(await mint(s, { claims: { sub: undefined } })),
    status: 401,
    reason: "token-verification-failed",
  },
  {
    id: "14",
    name: "sid missing",
    request: async (s) => header(await mint(s, { claims: { sid: undefined } })),
    status: 401,
    reason: "session-claims-missing",
  },
  {
    id: "15",
    name: "pending session",
    request: async (s) => header(await mint(s, { claims: { sts: "pending" } })),
    status: 401,
    reason: "session-pending",
  },
  {
    id: "16",
    name: "M2M token category presented as a session token",
    request: async (s) => header(await mint(s, { header: { cat: "cl_B7d4PD333AAA" } })),
    status: 401,
    reason: "token-type-mismatch",
  },
  {
    id: "17",
    name: "lowercase bearer scheme is not read as a token",
    request: async (s) => ({ authorization: `bearer ${await mint(s)}` }),
    status: 401,
    reason: "authorization-scheme-unsupported",
  },
  {
    id: "18",
    name: "not a JWT at all",
    request: async () => header("not-a-jwt"),
    status: 401,
    reason: "token-invalid",
  },
  {
    id: "19",
    name: "handshake-eligible browser GET with an expired cookie → signed out, no redirect",
    request: async (s) => ({
      cookie: `__session=${await mint(s, { now: now() - 120, ttlSeconds: 60 })}; __client_uat=${now() - 200}; __clerk_db_jwt=dvb_local`,
      "sec-fetch-dest": "document",
      accept: "text/html",
    }),
    status: 401,
    reason: "handshake",
  },
];

const JWKS_ONLY: Case[] = [
  {
    id: "20",
    name: "kid Clerk does not list",
    request: async (s) => header(await mint(s, { header: { kid: "ins_unknown" } })),
    status: 401,
    reason: "jwk-kid-mismatch",
  },
];

forEachMode((mode, ctx) => {
  const cases = mode === "jwks" ? [...CASES, ...JWKS_ONLY] : CASES;
  it.each(
    cases.map((c) => [`[${c.id}] ${c.name} → ${c.status}${c.reason ? ` ${c.reason}` : ""}`, c] as const),
  )("%s", async (_title, c) => {
    const fns = ctx.fns();
    const before = fns.logs().length;
    const res = await fns.call("protected", { headers: await c.request(ctx.stack()) });
    expect(res.status).toBe(c.status);
    const line = fns.logs()[before] as { status: number; reason?: string };
    expect(line.status).toBe(c.status);
    if (c.reason) expect(line.reason).toBe(c.reason);
    expect(res.headers.get("location")).toBeNull();
  });

  it("a rejected token's claims never reach the client", async () => {
    const token = await mint(ctx.stack(), { claims: { azp: "https://evil.example" } });
    const text = await (await ctx.fns().call("protected", { headers: header(token) })).text();
    expect(text).not.toContain(token.split(".")[1]);
    expect(text).not.toMatch(/azp|evil/);
  });

  if (mode === "networkless") {
    it("CLERK_JWT_KEY with literal \\n escapes → 200 and zero Backend API calls", async () => {
      const stack = ctx.stack();
      const fns = await ctx.restart({ CLERK_JWT_KEY: stack.clerk.jwtKeyPem.replace(/\n/g, "\\n") });
      stack.resetCalls();
      for (let i = 0; i < 3; i++) {
        expect((await fns.call("protected", { headers: header(await mint(stack)) })).status).toBe(200);
        expect(
          (await fns.call("protected", { headers: header(await mint(stack, { header: { kid: `x${i}` } })) }))
            .status,
        ).toBe(200);
      }
      expect(stack.clerkCalls()).toEqual([]);
      expect(stack.jwksFetches()).toBe(0);
    });
  }

  if (mode === "jwks") {
    it("200 tokens with random kids cost at most one JWKS fetch; valid tokens keep working", async () => {
      const stack = ctx.stack();
      const fns = ctx.fns();
      const valid = await mint(stack);
      expect((await fns.call("protected", { headers: header(valid) })).status).toBe(200);
      stack.resetCalls();
      for (let i = 0; i < 200; i++) {
        const forged = tamper(valid, { kid: `ins_random_${i}` }, 0);
        expect((await fns.call("protected", { headers: header(forged) })).status).toBe(401);
      }
      expect((await fns.call("protected", { headers: header(valid) })).status).toBe(200);
      expect(stack.jwksFetches()).toBeLessThanOrEqual(1);
    });

    it("a rotated key is picked up by a fresh isolate; the old key keeps verifying", async () => {
      const stack = ctx.stack();
      const old = await mint(stack);
      await stack.clerk.rotateKey();
      const fns = await ctx.restart();
      expect((await fns.call("protected", { headers: header(await mint(stack)) })).status).toBe(200);
      expect((await fns.call("protected", { headers: header(old) })).status).toBe(200);
    });

    it("Clerk's JWKS failing before any key is known → 502 upstream, not a sign-out", async () => {
      const stack = ctx.stack();
      stack.clerk.server.fault({ path: "/v1/jwks", status: 500, body: "{}" });
      const fns = await ctx.restart();
      const res = await fns.call("protected", { headers: header(await mint(stack)) });
      expect(res.status).toBe(502);
      stack.clerk.server.clearFaults();
    });
  }
});

// The handshake/refresh cases (Clerk's page machinery must not run in API functions) live in
// test/attacks.test.ts, on every host.
