// update-user's body rules: malformed, empty, mistyped or oversized bodies and unsupported content types
// are refused with a stable code, each schema issue named, before anything reaches Clerk.
import { describe, expect, it } from "vitest";
import { type Behaviour, errorCode } from "./context.ts";

export function updateUserBodyBehaviour(t: Behaviour): void {
  const { call, postUpdate: post, patches } = t;
  describe("update-user", () => {
    it.each([
      {
        name: "malformed JSON",
        body: "{firstName:",
        type: "application/json",
        status: 400,
        code: "invalid_json",
      },
      { name: "empty object", body: "{}", type: "application/json", status: 422, code: "validation_failed" },
      {
        name: "empty name",
        body: JSON.stringify({ firstName: "   " }),
        type: "application/json",
        status: 422,
        code: "validation_failed",
      },
      {
        name: "number name",
        body: JSON.stringify({ firstName: 5 }),
        type: "application/json",
        status: 422,
        code: "validation_failed",
      },
      { name: "array body", body: "[]", type: "application/json", status: 422, code: "validation_failed" },
      { name: "null body", body: "null", type: "application/json", status: 422, code: "validation_failed" },
      {
        name: "text/plain",
        body: "firstName=a",
        type: "text/plain",
        status: 415,
        code: "unsupported_media_type",
      },
      {
        name: "no content type",
        body: JSON.stringify({ firstName: "A" }),
        type: undefined,
        status: 415,
        code: "unsupported_media_type",
      },
    ] as { name: string; body: string; type?: string; status: number; code: string }[])(
      "$name → $status $code and nothing reaches Clerk",
      async ({ body, type, status, code }) => {
        const res = await post(t.alice, body, type);
        expect(res.status).toBe(status);
        expect(await errorCode(res)).toBe(code);
        expect(patches()).toEqual([]);
      },
    );

    it("firstName=%FF is a 400 bad_request, not a name of U+FFFD stored at Clerk", async () => {
      const res = await post(t.alice, "firstName=%FF%FE", "application/x-www-form-urlencoded");
      expect(res.status).toBe(400);
      // `post` holds it to the document, which lists bad_request for update-user's 400.
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("bad_request");
      expect(t.stack.clerkCalls()).toEqual([]);
    });

    it("a streamed body (no Content-Length) is cut off at 16 KiB → 413, nothing reaches Clerk", async () => {
      let sent = 0;
      const chunk = new TextEncoder().encode(`{"firstName":"${"x".repeat(4096)}`);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          // Up to 4 MiB if nobody stops reading: the function must stop long before.
          if (sent > 4 * 1024 * 1024) controller.close();
          else {
            sent += chunk.byteLength;
            controller.enqueue(chunk);
          }
        },
      });
      const res = await call("update-user", {
        method: "POST",
        headers: { authorization: `Bearer ${t.alice}`, "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(413);
      expect(await errorCode(res)).toBe("payload_too_large");
      expect(patches()).toEqual([]);
    });

    it("schema failures list each issue's path and message", async () => {
      const res = await post(t.alice, JSON.stringify({ firstName: "" }), "application/json");
      const body = (await res.json()) as { error: { issues: { path: string[]; message: string }[] } };
      expect(body.error.issues[0]!.path).toEqual(["firstName"]);
      expect(body.error.issues[0]!.message).toEqual(expect.any(String));
    });
  });
}
