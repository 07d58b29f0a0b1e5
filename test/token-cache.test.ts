// A verified header token is remembered per isolate, but never past what the SDK itself would accept.
import { afterEach, describe, expect, it, vi } from "vitest";
import { useFunctions } from "./support/fixture.ts";

describe("remembered tokens", () => {
  const session = useFunctions({ mode: "networkless", users: [] });
  afterEach(() => {
    vi.useRealTimers();
  });

  const call = (token: string) =>
    session.fns.call("protected", { headers: { authorization: `Bearer ${token}` } });
  const lastReason = () => (session.fns.logs().at(-1) as { reason?: string }).reason;

  it("a token that verified stops working once it expires (exp + 5 s skew)", async () => {
    const start = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: start });
    const token = await session.stack.clerk.mintSessionToken({
      userId: "user_alice",
      ttlSeconds: 60,
      now: Math.floor(start / 1000),
    });
    expect((await call(token)).status).toBe(200);
    vi.setSystemTime(start + 64_000);
    expect((await call(token)).status).toBe(200);
    vi.setSystemTime(start + 66_000);
    expect((await call(token)).status).toBe(401);
    expect(lastReason()).toBe("token-expired");
  });

  it("an edited copy of a remembered token is verified afresh and refused", async () => {
    const token = await session.stack.clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 60 });
    expect((await call(token)).status).toBe(200);
    expect((await call(`${token}x`)).status).toBe(401);
  });

  it("the remembered user is the token's user", async () => {
    const alice = await session.stack.clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 60 });
    const bob = await session.stack.clerk.mintSessionToken({ userId: "user_bob", ttlSeconds: 60 });
    for (const [token, user] of [
      [alice, "user_alice"],
      [bob, "user_bob"],
      [alice, "user_alice"],
    ] as const) {
      expect((await call(token)).status).toBe(200);
      expect((session.fns.logs().at(-1) as { userId?: string }).userId).toBe(user);
    }
  });
});
