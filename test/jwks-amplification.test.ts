// A token with an unknown `kid` must not cost a JWKS fetch per request. @clerk/backend
// alone refetches on every unknown kid, so random kids would turn each request into a Backend API call;
// shared/auth/jwks.ts bounds refetches per isolate while still picking up a real rotation within 30 s.
import { afterEach, describe, expect, it, vi } from "vitest";
import { useFunctions } from "./support/fixture.ts";
import { decodePart, tamper } from "./support/forge.ts";
import type { Host, Running } from "./support/hosts.ts";
import { attackerKey, inPool } from "./support/probe.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";
import type { Stack } from "./support/stack.ts";

const mint = (s: Stack, extra: Omit<Parameters<Stack["clerk"]["mintSessionToken"]>[0], "userId"> = {}) =>
  s.clerk.mintSessionToken({ userId: "user_alice", ...extra });
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
const randomKid = () => `ins_${crypto.randomUUID().replace(/-/g, "")}`;

/** The statuses of `protected` for each token, 20 requests in flight. */
const statuses = (fns: Running, tokens: string[]) =>
  inPool(tokens, 20, async (token) => {
    const res = await fns.call("protected", bearer(token));
    await res.body?.cancel();
    return res.status;
  });

function amplification(host: Host): void {
  describe("JWKS mode", () => {
    const session = useFunctions({ host, users: [] });

    it("1,000 tokens with random kids → 401 each, ≤ 5 JWKS fetches; fresh valid tokens keep working", async () => {
      const template = await mint(session.stack);
      // Every 50th request is a freshly minted valid token (never remembered before), so verification
      // itself, not the isolate's memory of verified tokens, has to keep working under the attack.
      const plan = await Promise.all(
        Array.from({ length: 1000 }, async (_, i) =>
          i % 50 === 0
            ? { token: await mint(session.stack), status: 200 }
            : { token: tamper(template, { kid: randomKid() }, 0), status: 401 },
        ),
      );
      const got = await statuses(
        session.fns,
        plan.map((p) => p.token),
      );
      expect(got).toEqual(plan.map((p) => p.status));
      expect(session.stack.jwksFetches()).toBeGreaterThanOrEqual(1);
      expect(session.stack.jwksFetches()).toBeLessThanOrEqual(5);
      expect(session.stack.clerkCalls()).toEqual([]);
    });
  });

  describe("networkless mode (CLERK_JWT_KEY)", () => {
    const session = useFunctions({ host, mode: "networkless", users: [] });

    it("200 random-kid requests → zero JWKS fetches and zero Backend API calls", async () => {
      const attacker = await attackerKey();
      const claims = decodePart(await mint(session.stack), 1);
      // Half signed by Clerk's key under a kid Clerk never listed (the pinned key verifies them: 200), half
      // by an attacker's key under random kids (401).
      const plan = await Promise.all(
        Array.from({ length: 200 }, async (_, i) =>
          i % 2 === 0
            ? { token: await mint(session.stack, { header: { kid: randomKid() } }), status: 200 }
            : { token: await attacker.sign(claims, { kid: randomKid(), typ: "JWT" }), status: 401 },
        ),
      );
      const got = await statuses(
        session.fns,
        plan.map((p) => p.token),
      );
      expect(got).toEqual(plan.map((p) => p.status));
      expect(session.stack.jwksFetches()).toBe(0);
      expect(session.stack.clerkCalls()).toEqual([]);
    });
  });
}

describe("Netlify bundles on Node", () => amplification(nodeBundleHost));
describe("Supabase bundles under Deno", () => amplification(denoHost));

describe("key rotation (source, controlled clock)", () => {
  const session = useFunctions({ users: [] });
  afterEach(() => {
    vi.useRealTimers();
  });

  const lastReason = () => (session.fns.logs().at(-1) as { reason?: string }).reason;

  it("a new kid → 401 at once (no refetch inside 30 s), 200 once 31 s have passed; the old key keeps working", async () => {
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: start });
    const old = await mint(session.stack, { ttlSeconds: 600 });
    const oldUnused = await mint(session.stack, { ttlSeconds: 600 });
    expect((await session.fns.call("protected", bearer(old))).status).toBe(200);
    expect(session.stack.jwksFetches()).toBe(1);

    await session.stack.clerk.rotateKey();
    const rotated = await mint(session.stack, { ttlSeconds: 600 });
    expect((await session.fns.call("protected", bearer(rotated))).status).toBe(401);
    expect(lastReason()).toBe("jwk-kid-mismatch");
    vi.setSystemTime(start + 29_000);
    expect(
      (await session.fns.call("protected", bearer(await mint(session.stack, { ttlSeconds: 600 })))).status,
    ).toBe(401);
    expect(session.stack.jwksFetches()).toBe(1);

    vi.setSystemTime(start + 31_000);
    expect((await session.fns.call("protected", bearer(rotated))).status).toBe(200);
    expect(session.stack.jwksFetches()).toBe(2);
    // A token from before the rotation, never verified by this isolate: the old key is still listed.
    expect((await session.fns.call("protected", bearer(oldUnused))).status).toBe(200);
    expect(session.stack.jwksFetches()).toBe(2);

    // And the bound holds again after the refetch: random kids cost nothing for another 30 s.
    for (let i = 0; i < 20; i++) {
      const forged = tamper(rotated, { kid: randomKid() }, 0);
      expect((await session.fns.call("protected", bearer(forged))).status).toBe(401);
    }
    expect(session.stack.jwksFetches()).toBe(2);
  });
});
