// Cross-site request forgery on cookie-authenticated writes: a browser attaches the `__session` cookie to
// a form another site posts, so such a write is accepted only from the function's own origin or an allowed
// one. Bearer requests are exempt (a browser cannot attach Authorization cross-site without a preflight).
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { useFunctions } from "./support/fixture.ts";
import { type Host, sourceHost } from "./support/hosts.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";
import { APP_ORIGIN } from "./support/stack.ts";

const EVIL = "https://evil.example";
const CORS_ONLY = "https://cors-only.example";
const ALICE = "user_alice";

const form = (firstName: string) => ({
  "content-type": "application/x-www-form-urlencoded",
  body: new URLSearchParams({ firstName }).toString(),
});

function csrf(host: Host): void {
  const session = useFunctions({ host, env: { CORS_ALLOWED_ORIGINS: `${APP_ORIGIN},${CORS_ONLY}` } });
  let cookie: string;
  beforeAll(() => {
    cookie = `__session=${session.token}; __client_uat=${Math.floor(Date.now() / 1000) - 60}; __clerk_db_jwt=dvb_local`;
  });
  beforeEach(() => {
    session.stack.resetCalls();
    session.stack.clerk.users.get(ALICE)!.first_name = "Alice";
  });

  const post = (headers: Record<string, string>, firstName = "Mallory") => {
    const { body, ...type } = form(firstName);
    return session.fns.call("update-user", {
      headers: { ...type, accept: "application/json", ...headers },
      body,
    });
  };
  const jwksBefore = () => session.stack.jwksFetches();

  const FORGED: [string, Record<string, string>][] = [
    ["Origin https://evil.example", { origin: EVIL, "sec-fetch-site": "cross-site" }],
    ["Origin null (sandboxed frame, data: URL)", { origin: "null" }],
    ["no Origin, Sec-Fetch-Site cross-site", { "sec-fetch-site": "cross-site" }],
    ["no Origin, Sec-Fetch-Site same-site (a sibling subdomain)", { "sec-fetch-site": "same-site" }],
  ];
  it.each(FORGED)("cookie + %s → 403 forbidden, no Clerk call, name unchanged", async (_name, headers) => {
    const before = jwksBefore();
    const res = await post({ cookie, ...headers });
    expect(res.status).toBe(403);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("forbidden");
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
    expect(session.stack.clerkCalls()).toEqual([]);
    expect(session.stack.jwksFetches()).toBe(before);
    expect(session.stack.clerk.users.get(ALICE)!.first_name).toBe("Alice");
    const line = session.fns.logs().findLast((l) => l.function === "update-user");
    expect(line).toMatchObject({ status: 403, reason: "cross-site-write" });
  });

  it("cookie + forged Origin without Accept: JSON → still 403, not the sign-in redirect", async () => {
    const { body, ...type } = form("Mallory");
    const res = await session.fns.call("update-user", { headers: { ...type, cookie, origin: EVIL }, body });
    expect(res.status).toBe(403);
    expect(session.stack.clerkCalls()).toEqual([]);
  });

  const ACCEPTED: [string, () => Record<string, string>][] = [
    ["Origin = an authorized party", () => ({ origin: APP_ORIGIN, "sec-fetch-site": "cross-site" })],
    ["Origin = a CORS_ALLOWED_ORIGINS entry", () => ({ origin: CORS_ONLY })],
    [
      "Origin = the function's own origin",
      () => ({ origin: new URL(session.fns.urlFor("update-user")).origin }),
    ],
    ["no Origin, Sec-Fetch-Site same-origin", () => ({ "sec-fetch-site": "same-origin" })],
    ["no Origin, no Sec-Fetch-Site (not a browser)", () => ({})],
  ];
  it.each(ACCEPTED)("cookie + %s → 200, name updated", async (_name, headers) => {
    const res = await post({ cookie, ...headers() }, "Ada");
    expect(res.status).toBe(200);
    expect(session.stack.clerk.users.get(ALICE)!.first_name).toBe("Ada");
  });

  it("Bearer + Origin https://evil.example → 200 (exempt: no ambient credential)", async () => {
    const res = await post({
      authorization: `Bearer ${session.token}`,
      origin: EVIL,
      "sec-fetch-site": "cross-site",
    });
    expect(res.status).toBe(200);
  });

  it("cookie + foreign Origin on a GET (current-user) → 200: reads change nothing", async () => {
    const res = await session.fns.call("current-user", { headers: { cookie, origin: EVIL } });
    expect(res.status).toBe(200);
  });
}

describe("source", () => csrf(sourceHost));
describe("Netlify bundles on Node", () => csrf(nodeBundleHost));
describe("Supabase bundles under Deno", () => csrf(denoHost));
