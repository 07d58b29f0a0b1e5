// Upstream faults as a client sees them: Clerk and Supabase refusing, failing, slow or gone answer
// 502/503/504 within the upstream timeout, Retry-After passed on, nothing of their bodies echoed.
import { describe, expect, it } from "vitest";
import { ALICE, type Behaviour, bearer, errorCode, TIMEOUT_MS } from "./context.ts";

export function upstreamBehaviour(t: Behaviour): void {
  const { call, newSession } = t;
  describe("supabase-data", () => {
    it("Clerk 429 with Retry-After → 503 upstream_unavailable passing Retry-After on", async () => {
      t.stack.clerk.server.fault({
        path: /\/tokens\/supabase$/,
        status: 429,
        headers: { "retry-after": "7" },
        body: JSON.stringify({ errors: [{ code: "too_many_requests", message: "slow down secret-detail" }] }),
      });
      const res = await call("supabase-data", { headers: bearer(await newSession()) });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("7");
      expect(await errorCode(res)).toBe("upstream_unavailable");
      expect(t.stack.supabaseCalls()).toEqual([]);
    });

    it("Supabase 429 → 503 with its Retry-After", async () => {
      t.stack.supabase.server.fault({
        path: "/rest/v1/tasks",
        status: 429,
        headers: { "retry-after": "3" },
        body: "{}",
      });
      const res = await call("supabase-data", { headers: bearer(t.alice) });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("3");
    });

    it("Supabase 500 with details → 502 upstream_error, nothing echoed, one attempt", async () => {
      t.stack.supabase.server.fault({
        path: "/rest/v1/tasks",
        status: 500,
        body: JSON.stringify({ code: "XX000", message: "secret-detail", details: "stack here", hint: null }),
      });
      const res = await call("supabase-data", { headers: bearer(t.alice) });
      expect(res.status).toBe(502);
      const text = await res.text();
      expect(text).toContain("upstream_error");
      expect(text).not.toMatch(/secret-detail|t.stack here|XX000/);
    });

    it("Supabase 503 is not retried past the deadline", async () => {
      t.stack.supabase.server.fault({ path: "/rest/v1/tasks", status: 503, body: "{}" });
      const res = await call("supabase-data", { headers: bearer(t.alice) });
      expect(res.status).toBe(502);
      expect(t.stack.supabaseCalls()).toHaveLength(1);
    });

    it("Supabase slower than the upstream timeout → 504 (a function that waited would have had its 200)", async () => {
      t.stack.supabase.server.fault({ path: "/rest/v1/tasks", delayMs: TIMEOUT_MS + 1500 });
      const res = await call("supabase-data", { headers: bearer(t.alice) });
      expect(res.status).toBe(504);
      expect(await errorCode(res)).toBe("upstream_timeout");
    });

    it("Clerk and Supabase each slow but under the timeout → one deadline for both: 504", async () => {
      t.stack.clerk.server.fault({ path: /\/tokens\/supabase$/, delayMs: TIMEOUT_MS * 0.7 });
      t.stack.supabase.server.fault({ path: "/rest/v1/tasks", delayMs: TIMEOUT_MS * 0.7 });
      const token = await newSession();
      const res = await call("supabase-data", { headers: bearer(token) });
      expect(res.status).toBe(504);
    });

    it("Supabase drops the connection → 502", async () => {
      t.stack.supabase.server.fault({ path: "/rest/v1/tasks", drop: true });
      const res = await call("supabase-data", { headers: bearer(t.alice) });
      expect(res.status).toBe(502);
    });
  });

  describe("current-user", () => {
    it.each([
      [500, 502, "upstream_error"],
      [502, 502, "upstream_error"],
      [429, 503, "upstream_unavailable"],
    ])("Clerk %i → %i %s", async (upstream, status, code) => {
      t.stack.clerk.server.fault({
        path: `/v1/users/${ALICE}`,
        status: upstream,
        body: "<html>secret-detail</html>",
        contentType: "text/html",
      });
      const res = await call("current-user", { headers: bearer(t.alice) });
      expect(res.status).toBe(status);
      const text = await res.text();
      expect(JSON.parse(text).error.code).toBe(code);
      expect(text).not.toContain("secret-detail");
    });

    it("Clerk drops the connection → 502", async () => {
      t.stack.clerk.server.fault({ path: `/v1/users/${ALICE}`, drop: true });
      expect((await call("current-user", { headers: bearer(t.alice) })).status).toBe(502);
    });

    it("Clerk slower than the upstream timeout → 504", async () => {
      t.stack.clerk.server.fault({ path: `/v1/users/${ALICE}`, delayMs: TIMEOUT_MS + 1500 });
      const res = await call("current-user", { headers: bearer(t.alice) });
      expect(res.status).toBe(504);
    });
  });
}
