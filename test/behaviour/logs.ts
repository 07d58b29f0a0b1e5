// Logs: one JSON line per request with the reason, never a token or a key.
import { describe, expect, it } from "vitest";
import { type Behaviour, bearer } from "./context.ts";

export function logsBehaviour(t: Behaviour): void {
  const { call } = t;
  describe("logs", () => {
    it("one JSON line per request, with the reason, never a token", async () => {
      const before = t.fns.logs().length;
      await call("protected", { headers: bearer(`${t.alice.slice(0, -4)}AAAA`) });
      const lines = t.fns.logs().slice(before);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatchObject({
        function: "protected",
        method: "GET",
        status: 401,
        reason: "token-invalid-signature",
      });
      expect(JSON.stringify(t.fns.logs())).not.toContain(t.alice.split(".")[2]);
      expect(JSON.stringify(t.fns.logs())).not.toContain(t.stack.clerk.secretKey);
    });
  });
}
