// supabase-data: only the caller's rows, through the `supabase` template, and the limit it accepts.
import { describe, expect, it } from "vitest";
import { ALICE, type Behaviour, BOB, bearer, errorCode } from "./context.ts";

export function supabaseDataBehaviour(t: Behaviour): void {
  const { call, newSession } = t;
  describe("supabase-data", () => {
    it("signed out → 401 and no call to Clerk or Supabase", async () => {
      const res = await call("supabase-data");
      expect(res.status).toBe(401);
      expect(t.stack.clerkCalls()).toEqual([]);
      expect(t.stack.supabaseCalls()).toEqual([]);
    });

    it("signed in → 200 with only the caller's rows, via the supabase template", async () => {
      const res = await call("supabase-data", { headers: bearer(await newSession()) });
      expect(res.status).toBe(200);
      const { data } = (await res.json()) as { data: { user_id: string }[] };
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((row) => row.user_id === ALICE)).toBe(true);
      expect(t.stack.clerkCalls()).toEqual([
        expect.stringMatching(/^POST \/v1\/sessions\/sess_\w+\/tokens\/supabase$/),
      ]);
      expect(t.stack.supabaseCalls()).toEqual(["GET /rest/v1/tasks"]);
      const sent = t.stack.supabase.server.requests[0]!;
      expect(sent.headers.apikey).toBe(t.stack.env.SUPABASE_PUBLISHABLE_KEY);
      expect(sent.search).toContain("limit=50");
    });

    it("user B never sees user A's rows", async () => {
      const res = await call("supabase-data", { headers: bearer(t.bob) });
      const { data } = (await res.json()) as { data: { user_id: string }[] };
      expect(data.length).toBeGreaterThan(0);
      expect(data.every((row) => row.user_id === BOB)).toBe(true);
    });

    it("limit=1 → one row", async () => {
      const res = await call("supabase-data", { headers: bearer(t.alice), query: "limit=1" });
      expect(((await res.json()) as { data: unknown[] }).data).toHaveLength(1);
    });

    it.each([
      "limit=0",
      "limit=101",
      "limit=abc",
      "limit=1.5",
      "limit=-1",
      "limit=",
      "limit=1&limit=2",
      "limit=01",
    ])("%s → 400 invalid_query and no upstream call", async (query) => {
      const res = await call("supabase-data", { headers: bearer(t.alice), query });
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe("invalid_query");
      expect(t.stack.clerkCalls()).toEqual([]);
      expect(t.stack.supabaseCalls()).toEqual([]);
    });
  });
}
