// Two different `__session` cookies: the SDK would verify the first, another parser (a proxy, a framework)
// might read the last, so which credential the browser meant cannot be known. Refused in every mode and
// on every host, before any Backend API call.
import { beforeEach, describe, expect, it } from "vitest";
import { type Host, sourceHost } from "./support/hosts.ts";
import { forEachMode } from "./support/modes.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";

const uat = () => `__client_uat=${Math.floor(Date.now() / 1000) - 60}; __clerk_db_jwt=dvb_local`;

function ambiguous(host: Host): void {
  forEachMode((_mode, { stack, fns }) => {
    let valid: string;
    beforeEach(async () => {
      valid = await stack().clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 3600 });
      stack().resetCalls();
    });

    const CASES: [string, () => string][] = [
      ["__session=<valid>; __session=garbage", () => `__session=${valid}; __session=garbage; ${uat()}`],
      ["__session=garbage; __session=<valid>", () => `__session=garbage; __session=${valid}; ${uat()}`],
      [
        "__session=<valid>; __session=<another valid token>",
        () => `__session=${valid}; __session=${valid.slice(0, -2)}xx; ${uat()}`,
      ],
    ];
    it.each(CASES)("protected, cookie %s → 401 ambiguous-credential", async (_name, cookie) => {
      const res = await fns().call("protected", { headers: { cookie: cookie() } });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
      expect(res.headers.get("www-authenticate")).toBe('Bearer realm="api", error="invalid_token"');
      expect(
        fns()
          .logs()
          .findLast((l) => l.function === "protected"),
      ).toMatchObject({
        status: 401,
        reason: "ambiguous-credential",
      });
      expect(stack().clerkCalls()).toEqual([]);
    });

    it("current-user, cookie __session=<valid>; __session=garbage → 401, no Backend API call", async () => {
      const res = await fns().call("current-user", {
        headers: { cookie: `__session=${valid}; __session=garbage; ${uat()}` },
      });
      expect(res.status).toBe(401);
      expect(stack().clerkCalls()).toEqual([]);
    });

    it("the same __session twice is not ambiguous → 200", async () => {
      const res = await fns().call("protected", {
        headers: { cookie: `__session=${valid}; __session=${valid}; ${uat()}` },
      });
      expect(res.status).toBe(200);
    });
  }, host);
}

describe("source", () => ambiguous(sourceHost));
describe("Netlify bundles on Node", () => ambiguous(nodeBundleHost));
describe("Supabase bundles under Deno", () => ambiguous(denoHost));
