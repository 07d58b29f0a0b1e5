// current-user: the caller's user without private metadata, one Backend API call; signed out or deleted → 401.
import { describe, expect, it } from "vitest";
import { ALICE, type Behaviour, bearer } from "./context.ts";

export function currentUserBehaviour(t: Behaviour): void {
  const { call } = t;
  describe("current-user", () => {
    it("signed in → 200 with the user, one Backend API call, no private metadata", async () => {
      const res = await call("current-user", { headers: bearer(t.alice) });
      expect(res.status).toBe(200);
      const text = await res.text();
      const { user } = JSON.parse(text) as { user: Record<string, unknown> };
      expect(user).toMatchObject({
        id: ALICE,
        firstName: expect.any(String),
        publicMetadata: expect.any(Object),
      });
      expect(user).toHaveProperty("emailAddresses");
      expect(user).toHaveProperty("primaryEmailAddressId");
      expect(user).not.toHaveProperty("privateMetadata");
      expect(user).not.toHaveProperty("_raw");
      expect(text).not.toMatch(/private_?metadata/i);
      expect(t.stack.clerkCalls()).toEqual([`GET /v1/users/${ALICE}`]);
    });

    it("signed out → 401 and no Backend API call", async () => {
      const res = await call("current-user");
      expect(res.status).toBe(401);
      expect(t.stack.clerkCalls()).toEqual([]);
    });

    it("a user deleted at Clerk → 401, not 5xx", async () => {
      const ghost = await t.stack.clerk.mintSessionToken({ userId: ALICE, claims: { sub: "user_deleted" } });
      const res = await call("current-user", { headers: bearer(ghost) });
      expect(res.status).toBe(401);
    });
  });
}
