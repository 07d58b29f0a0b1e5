// Logs: one JSON line per request with the reason, never a token or a key.
import { describe, expect, it } from "vitest";
import { logFor, requestId } from "../support/probe.ts";
import { type Behaviour, bearer } from "./context.ts";

export function logsBehaviour(t: Behaviour): void {
  const { call } = t;
  describe("logs", () => {
    it("one JSON line per request, with the reason, never a token", async () => {
      const id = requestId("one-line");
      await call("protected", { headers: bearer(`${t.alice.slice(0, -4)}AAAA`, { "x-request-id": id }) });
      // A child process's line arrives through its stdout a moment after the answer: wait for it, by id.
      expect(await logFor(t.fns, id)).toMatchObject({
        function: "protected",
        method: "GET",
        status: 401,
        reason: "token-invalid-signature",
      });
      expect(t.fns.logs().filter((line) => line.requestId === id)).toHaveLength(1);
      expect(JSON.stringify(t.fns.logs())).not.toContain(t.alice.split(".")[2]);
      expect(JSON.stringify(t.fns.logs())).not.toContain(t.stack.clerk.secretKey);
    });
  });
}
