// protected: signed in by header or cookie, refused without or with a bad token, its methods, request ids,
// and Clerk's keys fetched once.
import { describe, expect, it } from "vitest";
import { logFor, requestId } from "../support/probe.ts";
import { ALICE, type Behaviour, bearer, errorCode } from "./context.ts";

export function protectedBehaviour(t: Behaviour): void {
  const { call } = t;
  describe("protected", () => {
    it("signed in → 200 Hello World, no-store, request id", async () => {
      const res = await call("protected", { headers: bearer(t.alice) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ data: { message: "Hello World" } });
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.headers.get("x-request-id")).toMatch(/^[\w.:-]{8,}$/);
    });

    it("signed in with the __session cookie → 200", async () => {
      // A browser signed in to a development instance sends __client_uat and the dev browser beside __session.
      const uat = Math.floor(Date.now() / 1000) - 60;
      // A token minted now: Clerk refuses a session token issued before __client_uat, and the suite's
      // shared one may be older than a minute by the time a second host runs this.
      const cookie = `__client_uat=${uat}; __clerk_db_jwt=dvb_local; __session=${await t.newSession()}`;
      const res = await call("protected", { headers: { cookie } });
      expect(res.status).toBe(200);
    });

    it("no token → 401 unauthorized with a bare Bearer challenge, logged as no-token", async () => {
      const id = requestId("no-token");
      const res = await call("protected", { headers: { "x-request-id": id } });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api"');
      expect(await errorCode(res)).toBe("unauthorized");
      expect(await logFor(t.fns, id)).toMatchObject({ status: 401, reason: "no-token" });
      // A browser's Clerk cookies without a session cookie carry no token either.
      const cookieId = requestId("no-token-cookies");
      const cookie = "__client_uat=0; __clerk_db_jwt=dvb_local";
      expect((await call("protected", { headers: { cookie, "x-request-id": cookieId } })).status).toBe(401);
      expect(await logFor(t.fns, cookieId)).toMatchObject({ status: 401, reason: "no-token" });
    });

    it("rejected token → 401 with error=invalid_token, reason only in the log", async () => {
      const id = requestId("reason-in-log");
      const res = await call("protected", {
        headers: bearer(`${t.alice.slice(0, -4)}AAAA`, { "x-request-id": id }),
      });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api", error="invalid_token"');
      const line = await logFor(t.fns, id);
      expect(line).toMatchObject({ status: 401, reason: "token-invalid-signature" });
      const text = await res.text();
      expect(text).not.toContain(line!.reason);
      expect(text).not.toMatch(/signature|token-/);
    });

    it("HEAD → 200 without a body", async () => {
      const res = await call("protected", { method: "HEAD", headers: bearer(t.alice) });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("");
    });

    it("POST → 405 with Allow", async () => {
      const res = await call("protected", { method: "POST", headers: bearer(t.alice) });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
      expect(await errorCode(res)).toBe("method_not_allowed");
    });

    it("echoes a sane x-request-id and replaces an unsafe one", async () => {
      const ok = await call("protected", { headers: bearer(t.alice, { "x-request-id": "req-12345678" }) });
      expect(ok.headers.get("x-request-id")).toBe("req-12345678");
      const bad = await call("protected", {
        headers: bearer(t.alice, { "x-request-id": "bad id <script>" }),
      });
      expect(bad.headers.get("x-request-id")).not.toContain("script");
    });

    it("JWKS mode fetches Clerk's keys once, then verifies without calling Clerk", async () => {
      // A fresh token each time: a verified token is remembered per isolate, so a reused one would
      // never reach the key lookup at all.
      for (let i = 0; i < 5; i++) {
        const token = await t.stack.clerk.mintSessionToken({ userId: ALICE, ttlSeconds: 3600 });
        expect((await call("protected", { headers: bearer(token) })).status).toBe(200);
      }
      // At most once per isolate (none when an earlier test already loaded the keys into it): once in all
      // on a host that keeps its isolate warm, at most once per request where each request gets its own.
      expect(t.stack.jwksFetches()).toBeLessThanOrEqual(t.host.isolatePerRequest ? 5 : 1);
      expect(t.stack.clerkCalls()).toEqual([]);
    });
  });
}
