// update-user: signed out → the sign-in redirect (or 401 for JSON-only clients), a JSON or form update,
// Clerk's own refusal, and its methods.
import { describe, expect, it } from "vitest";
import { ALICE, type Behaviour, bearer, errorCode } from "./context.ts";

export function updateUserBehaviour(t: Behaviour): void {
  const { call, postUpdate: post } = t;
  describe("update-user", () => {
    it("signed out → 303 to the absolute sign-in URL, whatever the body", async () => {
      const res = await post(undefined, "not json", "application/json");
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe(new URL("/sign-in", t.fns.urlFor("update-user")).href);
      expect(t.stack.clerkCalls()).toEqual([]);
    });

    it("signed out asking for JSON only → 401", async () => {
      const res = await post(undefined, "{}", "application/json", { accept: "application/json" });
      expect(res.status).toBe(401);
      expect(await errorCode(res)).toBe("unauthorized");
    });

    it("signed out accepting HTML and JSON → 303", async () => {
      const res = await post(undefined, "{}", "application/json", { accept: "text/html, application/json" });
      expect(res.status).toBe(303);
    });

    it("JSON firstName only → 200, trimmed, lastName untouched, only first_name sent", async () => {
      const before = t.stack.clerk.users.get(ALICE)!.last_name;
      const res = await post(t.alice, JSON.stringify({ firstName: "  Ada " }), "application/json");
      expect(res.status).toBe(200);
      const { user } = (await res.json()) as { user: Record<string, unknown> };
      expect(user.firstName).toBe("Ada");
      expect(user.lastName).toBe(before);
      expect(user).not.toHaveProperty("privateMetadata");
      const patch = t.stack.clerk.server.requests.find((r) => r.method === "PATCH")!;
      expect(patch.path).toBe(`/v1/users/${ALICE}`);
      expect(JSON.parse(patch.body)).toEqual({ first_name: "Ada" });
    });

    it("form body → 200", async () => {
      const res = await post(t.alice, "lastName=Lovelace", "application/x-www-form-urlencoded");
      expect(res.status).toBe(200);
      expect(((await res.json()) as { user: { lastName: string } }).user.lastName).toBe("Lovelace");
    });

    it("Clerk's own 422 → 422 validation_failed with Clerk's code", async () => {
      t.stack.clerk.server.fault({
        method: "PATCH",
        path: `/v1/users/${ALICE}`,
        status: 422,
        body: JSON.stringify({
          errors: [{ code: "form_param_format_invalid", message: "bad", long_message: "secret-detail" }],
        }),
      });
      const res = await post(t.alice, JSON.stringify({ firstName: "Ada" }), "application/json");
      expect(res.status).toBe(422);
      const text = await res.text();
      expect(JSON.parse(text).error).toMatchObject({
        code: "validation_failed",
        upstreamCode: "form_param_format_invalid",
      });
      expect(text).not.toContain("secret-detail");
    });

    it("GET → 405 with Allow: POST, OPTIONS", async () => {
      const res = await call("update-user", { method: "GET", headers: bearer(t.alice) });
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST, OPTIONS");
    });
  });
}
