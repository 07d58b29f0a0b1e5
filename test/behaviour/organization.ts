// The organization functions: Clerk's authorization judged before any call of their own — an active
// organization, a permission, a recent second factor — and each one Backend API call when it passes.
import { describe, expect, it } from "vitest";
import { logFor, requestId } from "../support/probe.ts";
import { ALICE, type Behaviour, BOB, bearer, errorCode } from "./context.ts";

const ORG = "org_acme";

export function organizationBehaviour(t: Behaviour): void {
  const { call } = t;
  /** A session token of `userId` acting for `org` (null: none), its factors verified `fva` minutes ago. */
  const token = (userId: string, org: string | null, fva: [number, number] = [0, -1]) =>
    t.stack.clerk.mintSessionToken({ userId, org, fva, ttlSeconds: 3600 });
  const rename = (bearerToken: string, name: unknown, extra: Record<string, string> = {}) =>
    call("update-organization", {
      method: "POST",
      headers: { ...bearer(bearerToken), "content-type": "application/json", ...extra },
      body: JSON.stringify({ name }),
    });

  describe("organization", () => {
    it("acting for an organization → 200 with it and the membership, one Backend API call", async () => {
      const res = await call("organization", { headers: bearer(await token(ALICE, ORG)) });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { organization: { id: string }; membership: { role: string } };
      expect(body.organization.id).toBe(ORG);
      expect(body.membership.role).toBe("org:admin");
      expect(JSON.stringify(body)).not.toMatch(/private_?metadata|_raw/i);
      expect(t.stack.clerkCalls()).toEqual([`GET /v1/organizations/${ORG}`]);
    });

    it("no active organization → 403 forbidden, logged no-active-organization, no Backend API call", async () => {
      const id = requestId("no-org");
      const res = await call("organization", {
        headers: bearer(await token(ALICE, null), { "x-request-id": id }),
      });
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe("forbidden");
      expect(await logFor(t.fns, id)).toMatchObject({ status: 403, reason: "no-active-organization" });
      expect(t.stack.clerkCalls()).toEqual([]);
    });

    it("an organization's API key → 200 without a membership; a user's API key → 401", async () => {
      const orgKey = t.stack.clerk.machineAuth.createApiKey({ subject: ORG, name: "org key" });
      const res = await call("organization", { headers: bearer(orgKey) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { membership: unknown }).membership).toBeNull();
      const userKey = t.stack.clerk.machineAuth.createApiKey({ subject: ALICE, name: "user key" });
      expect((await call("organization", { headers: bearer(userKey) })).status).toBe(401);
    });
  });

  describe("update-organization", () => {
    it("a member without org:settings:manage → 403 forbidden before the body is read, no Backend API call", async () => {
      const id = requestId("no-permission");
      // Not even JSON: a refused caller's body is never read.
      const res = await call("update-organization", {
        method: "POST",
        headers: bearer(await token(BOB, ORG), { "content-type": "application/json", "x-request-id": id }),
        body: "{not json",
      });
      expect(res.status).toBe(403);
      expect(await errorCode(res)).toBe("forbidden");
      expect(await logFor(t.fns, id)).toMatchObject({ status: 403, reason: "missing-permission" });
      expect(t.stack.clerkCalls()).toEqual([]);
    });

    it("an admin whose factors are stale → 403 with Clerk's reverification body; fresh → 200, one PATCH", async () => {
      const stale = await rename(await token(ALICE, ORG, [11, -1]), "Acme Two");
      expect(stale.status).toBe(403);
      const refused = (await stale.json()) as { clerk_error: unknown; error: { code: string } };
      expect(refused.clerk_error).toEqual({
        type: "forbidden",
        reason: "reverification-error",
        metadata: { reverification: "strict" },
      });
      expect(refused.error.code).toBe("reverification_required");
      expect(t.stack.clerkCalls()).toEqual([]);

      const fresh = await rename(await token(ALICE, ORG), "Acme Two");
      expect(fresh.status).toBe(200);
      expect(((await fresh.json()) as { organization: { name: string } }).organization.name).toBe("Acme Two");
      expect(t.stack.clerkCalls()).toEqual([`PATCH /v1/organizations/${ORG}`]);
      // Put back for the other hosts sharing these stand-ins.
      expect((await rename(await token(ALICE, ORG), "Acme Inc")).status).toBe(200);
    });

    it("a name Clerk refuses → 422 with Clerk's code; an empty name → 422 without a Backend API call", async () => {
      const admin = await token(ALICE, ORG);
      const clerkRefused = await rename(admin, "Visit https://evil.example");
      expect(clerkRefused.status).toBe(422);
      const body = (await clerkRefused.json()) as { error: { code: string; upstreamCode?: string } };
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.upstreamCode).toEqual(expect.any(String));
      t.stack.resetCalls();
      expect((await rename(admin, "   ")).status).toBe(422);
      expect(t.stack.clerkCalls()).toEqual([]);
    });
  });
}
