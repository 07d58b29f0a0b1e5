// CORS: preflights from allowed and unlisted origins, and errors a browser can read.
import { describe, expect, it } from "vitest";
import { APP_ORIGIN } from "../support/stack.ts";
import type { Behaviour } from "./context.ts";

export function corsBehaviour(t: Behaviour): void {
  const { call } = t;
  describe("CORS", () => {
    it("preflight from an allowed origin → 204 with credentials, methods, headers, max-age", async () => {
      const res = await call("update-user", {
        method: "OPTIONS",
        headers: { origin: APP_ORIGIN, "access-control-request-method": "POST" },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
      expect(res.headers.get("access-control-allow-credentials")).toBe("true");
      expect(res.headers.get("access-control-allow-methods")).toBe("POST, OPTIONS");
      expect(res.headers.get("access-control-allow-headers")).toBe(
        "authorization, content-type, x-client-info, apikey, x-request-id",
      );
      expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
      expect(res.headers.get("vary")).toMatch(/origin/i);
    });

    it("preflight from an unlisted origin → 204 without CORS headers", async () => {
      const res = await call("protected", { method: "OPTIONS", headers: { origin: "https://evil.example" } });
      expect(res.status).toBe(204);
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
    });

    it("errors carry Access-Control-Allow-Origin so browsers can read them", async () => {
      const res = await call("protected", { headers: { origin: APP_ORIGIN } });
      expect(res.status).toBe(401);
      expect(res.headers.get("access-control-allow-origin")).toBe(APP_ORIGIN);
    });
  });
}
