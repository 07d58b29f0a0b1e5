// The per-isolate template-token cache at a controlled clock: the reuse threshold, its bound, and what it
// never remembers. test/supabase-data.test.ts counts the same behaviour as Backend API calls on every host.
import { describe, expect, it } from "vitest";
import { MIN_LIFE_MS, TemplateTokenCache } from "../shared/auth/template-token.ts";

const NOW = 1_800_000_000_000;
const b64url = (o: unknown) =>
  btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
/** A JWT-shaped token expiring `lifeMs` after NOW (the cache reads `exp` only; Supabase checks the rest). */
const jwt = (lifeMs: number, tag = "") =>
  `${b64url({ alg: "HS256" })}.${b64url({ exp: (NOW + lifeMs) / 1000, tag })}.sig`;
const key = (sessionId = "sess_1", userId = "user_alice") => ({ template: "supabase", sessionId, userId });

function counted(make: (n: number) => string) {
  let calls = 0;
  return { fetch: async () => make(++calls), calls: () => calls };
}

describe("TemplateTokenCache", () => {
  it("reuses a token while it has more than 10 s to live, then fetches afresh", async () => {
    const cache = new TemplateTokenCache();
    const f = counted((n) => jwt(60_000, String(n)));
    const first = await cache.get(key(), f.fetch, NOW);
    expect(await cache.get(key(), f.fetch, NOW + 60_000 - MIN_LIFE_MS - 1)).toBe(first);
    expect(f.calls()).toBe(1);
    const second = await cache.get(key(), f.fetch, NOW + 60_000 - MIN_LIFE_MS);
    expect(second).not.toBe(first);
    expect(f.calls()).toBe(2);
  });

  it("shares one fetch between concurrent callers of a session", async () => {
    const cache = new TemplateTokenCache();
    const f = counted(() => jwt(60_000));
    const tokens = await Promise.all(Array.from({ length: 10 }, () => cache.get(key(), f.fetch, NOW)));
    expect(new Set(tokens).size).toBe(1);
    expect(f.calls()).toBe(1);
  });

  it("keeps sessions and users apart: the same session id for another user is another entry", async () => {
    const cache = new TemplateTokenCache();
    const f = counted((n) => jwt(60_000, String(n)));
    const a = await cache.get(key("sess_1", "user_alice"), f.fetch, NOW);
    const b = await cache.get(key("sess_1", "user_bob"), f.fetch, NOW);
    const c = await cache.get(key("sess_2", "user_alice"), f.fetch, NOW);
    expect(new Set([a, b, c]).size).toBe(3);
    expect(await cache.get({ ...key(), template: "other" }, f.fetch, NOW)).not.toBe(a);
  });

  it("remembers no failure and no token without a readable exp", async () => {
    const cache = new TemplateTokenCache();
    await expect(cache.get(key(), () => Promise.reject(new Error("clerk down")), NOW)).rejects.toThrow(
      "clerk down",
    );
    expect(cache.size).toBe(0);
    const f = counted(() => "not-a-jwt");
    await cache.get(key(), f.fetch, NOW);
    await cache.get(key(), f.fetch, NOW);
    expect(f.calls()).toBe(2);
    expect(cache.size).toBe(0);
  });

  it("holds at most 1,000 sessions, dropping the least recently fetched", async () => {
    const cache = new TemplateTokenCache();
    const f = counted((n) => jwt(60_000, String(n)));
    for (let i = 0; i < 1_200; i++) await cache.get(key(`sess_${i}`), f.fetch, NOW);
    expect(cache.size).toBe(1_000);
    await cache.get(key("sess_1199"), f.fetch, NOW);
    expect(f.calls()).toBe(1_200);
    await cache.get(key("sess_0"), f.fetch, NOW);
    expect(f.calls()).toBe(1_201);
  });
});
