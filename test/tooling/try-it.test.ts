// The try-it site's local routes without a browser: the local sign-in answers only the page itself and
// only with the stand-ins, and none of it reaches the function bundles users deploy.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FUNCTION_NAMES } from "../../scripts/lib/functions.ts";
import { type LocalServer, serveFunctions } from "../../scripts/serve.ts";
import { type SiteHandler, standInMode, tryItSite } from "../../scripts/try-it.ts";
import { useStandIns } from "../support/fixture.ts";
import { rawSocket, statusLine } from "../support/probe.ts";

const ORIGIN = "http://localhost:8888";
const post = (path: string, headers: Record<string, string> = { origin: ORIGIN }) =>
  new Request(`${ORIGIN}${path}`, { method: "POST", headers });

describe("the try-it site", () => {
  const standIns = useStandIns();
  let site: SiteHandler;
  beforeAll(() => {
    site = tryItSite(standInMode(standIns.stack.env));
  });

  it("serves the page, the sign-in page and the mode", async () => {
    const page = await site(new Request(`${ORIGIN}/`));
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<script src="app.js" defer></script>');
    expect((await site(new Request(`${ORIGIN}/sign-in`))).status).toBe(200);
    expect(await (await site(new Request(`${ORIGIN}/__local/mode`))).json()).toEqual({
      mode: "stand-ins",
      users: ["user_alice", "user_bob"],
      // The organizations the page offers, with each member's role.
      organizations: [
        { id: "org_acme", name: "Acme Inc", roles: { user_alice: "org:admin", user_bob: "org:member" } },
        { id: "org_globex", name: "Globex", roles: { user_alice: "org:member" } },
      ],
    });
    expect((await site(new Request(`${ORIGIN}/../package.json`))).status).toBe(404);
  });

  it("signs in through the Clerk stand-in's Backend API and sets Clerk's cookies with a 60 s token", async () => {
    standIns.stack.resetCalls();
    const res = await site(post("/__local/sign-in?user=user_bob"));
    expect(res.status).toBe(200);
    expect(standIns.stack.clerkCalls()).toEqual([
      "POST /v1/sessions",
      expect.stringMatching(/^POST \/v1\/sessions\/sess_\w+\/tokens$/),
    ]);
    const cookies = res.headers.getSetCookie();
    expect(cookies.map((c) => c.split("=")[0])).toEqual([
      "__session",
      "__client_uat",
      "__clerk_db_jwt",
      "__local_session_id",
    ]);
    const jwt = cookies[0]!.split(";")[0]!.slice("__session=".length);
    const claims = JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString());
    expect(claims.sub).toBe("user_bob");
    expect(claims.exp - claims.iat).toBe(60);
  });

  it("answers only the page itself, only known users, and with real keys not at all", async () => {
    expect(
      (await site(post("/__local/sign-in?user=user_alice", { origin: "http://evil.example" }))).status,
    ).toBe(403);
    expect((await site(post("/__local/sign-in?user=user_alice", {}))).status).toBe(403);
    expect((await site(new Request(`${ORIGIN}/__local/sign-in?user=user_alice`))).status).toBe(403);
    expect((await site(post("/__local/sign-in?user=user_mallory"))).status).toBe(400);
    expect((await site(post("/__local/refresh"))).status).toBe(401);
    const real = tryItSite({ kind: "real" });
    expect(await (await real(new Request(`${ORIGIN}/__local/mode`))).json()).toEqual({ mode: "real" });
    expect((await real(post("/__local/sign-in?user=user_alice"))).status).toBe(404);
  });

  it("is no part of the function bundles", () => {
    const root = resolve(import.meta.dirname, "../..");
    for (const fn of FUNCTION_NAMES) {
      for (const file of [`dist/netlify/${fn}.mjs`, `dist/supabase/functions/${fn}/index.js`]) {
        expect(readFileSync(resolve(root, file), "utf8")).not.toContain("__local");
      }
    }
  });
});

describe("try-it local sign-in under DNS rebinding", () => {
  const standIns = useStandIns();
  let server: LocalServer;
  beforeAll(async () => {
    // The local host as npm start runs it, serving the page and its stand-in sign-in.
    server = await serveFunctions({}, { site: tryItSite(standInMode(standIns.stack.env)) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("a page served under another host name that resolves to loopback cannot sign in", async () => {
    const host = `attacker.example:${server.port}`;
    const res = await rawSocket(
      server.port,
      `POST /__local/sign-in?user=user_alice HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    // Only the status line and a yes/no: a failure must not print the minted session token.
    expect(statusLine(res)).not.toMatch(/ 200 /);
    expect(/set-cookie: __session=/i.test(res)).toBe(false);
  });
});
