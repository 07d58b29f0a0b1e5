// The try-it page and the functions in a real browser (headless Chromium from the system): the
// same-origin cookie flow through the page's own controls, Bearer calls from a second origin with CORS
// preflight (an unlisted origin is blocked by the browser itself), the update form's 303, and a foreign
// page's forged form POST.
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import { extname, join, resolve } from "node:path";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Chromium, hasChromium, INSTALL_HINT, launchChromium } from "../scripts/browser.ts";
import { type LocalServer, serveFunctions } from "../scripts/serve.ts";
import { type LocalSite, startLocalSite, tryItSite } from "../scripts/try-it.ts";
import { ErrorCode } from "../shared/errors.ts";

// Outside CI a machine without Chromium skips this file, saying how to get it; CI must run it.
const skip = !hasChromium() && process.env.CI !== "true";
if (skip) console.log(`test/browser.test.ts skipped: no Chromium here. Install it with: ${INSTALL_HINT}`);

// The cross-site write rule answers 403 forbidden; until that code exists the forged POST still lands.
const hasOriginRule = (Object.values(ErrorCode) as string[]).includes("forbidden");

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createNetServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** A tiny site on another port: another origin for the browser. */
async function pageServer(port: number, html: string): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return server;
}

/** public/ alone, as Netlify publishes it: no /__local routes. */
async function staticSite(port: number): Promise<Server> {
  const root = resolve(import.meta.dirname, "..", "public");
  const types: Record<string, string> = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
  };
  const server = createServer(async (req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = join(root, path === "/" ? "index.html" : path.slice(1));
    try {
      const body = await readFile(file);
      res.writeHead(200, { "content-type": types[extname(file)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404).end("Not Found");
    }
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", () => r()));
  return server;
}

// Chromium keeps (and pre-opens) connections: close them too, or close() waits for them to time out.
const close = (server?: Server) =>
  new Promise<void>((r) => {
    if (!server) return r();
    server.closeAllConnections();
    server.close(() => r());
  });

describe.skipIf(skip)("the try-it page in headless Chromium", () => {
  let browser: Chromium;
  let site: LocalSite;
  let allowed: { url: string; server: Server };
  let blocked: { url: string; server: Server };
  let foreign: { url: string; server: Server };

  /** The user as the Clerk stand-in holds it (the Backend API, with the secret key). */
  async function clerkUser(id: string): Promise<{ first_name: string | null }> {
    const res = await fetch(`${site.env.CLERK_API_URL}/v1/users/${id}`, {
      headers: { authorization: `Bearer ${site.env.CLERK_SECRET_KEY}` },
    });
    return (await res.json()) as { first_name: string | null };
  }

  async function openPage(): Promise<Page> {
    const page = await browser.context.newPage();
    await page.goto(`${site.url}/`);
    await expect.poll(() => page.locator("#mode-text").textContent()).toContain("stand-ins");
    return page;
  }

  async function signIn(page: Page, user: string): Promise<void> {
    await page.getByRole("button", { name: `Sign in as ${user}` }).click();
    await expect.poll(() => page.locator("#session-status").textContent()).toContain(`Signed in as ${user}`);
  }

  /** Clicks a function's Send and reads what the page shows: status line, headers, body. */
  async function sendFrom(page: Page, fn: string, auth = "cookie") {
    const section = page.locator(`.fn[data-fn="${fn}"]`);
    await section.locator(`input[name="auth-${fn}"][value="${auth}"]`).check();
    await section.locator(".result").evaluate((el) => el.replaceChildren());
    await section.getByRole("button", { name: "Send", exact: true }).click();
    return readResult(section);
  }

  async function readResult(section: Locator) {
    const status = section.locator(".result .status");
    await status.waitFor();
    const headers: Record<string, string> = {};
    const dts = await section.locator(".result dt").allTextContents();
    const dds = await section.locator(".result dd").allTextContents();
    dts.forEach((name, i) => {
      headers[name] = dds[i]!;
    });
    const text = (await section.locator(".result pre.body").textContent()) ?? "";
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // Not JSON: compared as text.
    }
    return { status: (await status.textContent()) ?? "", headers, body };
  }

  beforeAll(async () => {
    const [sitePort, allowedPort, blockedPort, foreignPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    allowed = {
      url: `http://localhost:${allowedPort}`,
      server: await pageServer(allowedPort, "<title>app</title>"),
    };
    blocked = {
      url: `http://localhost:${blockedPort}`,
      server: await pageServer(blockedPort, "<title>other</title>"),
    };
    site = await startLocalSite(sitePort, { CORS_ALLOWED_ORIGINS: allowed.url });
    // Same site as the functions (ports do not make a site), so the Lax __session cookie goes along: the
    // case only an origin check stops.
    const forged = `<!doctype html><title>prize</title>
      <form id="f" method="post" action="${site.url}/api/update-user"><input name="firstName" value="Mallory"></form>
      <script>document.getElementById("f").submit()</script>`;
    foreign = { url: `http://localhost:${foreignPort}`, server: await pageServer(foreignPort, forged) };
    browser = await launchChromium();
    console.log(`Chromium ${browser.version}`);
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await Promise.all([close(allowed?.server), close(blocked?.server), close(foreign?.server)]);
  });

  it("signs in as user_alice through the page and calls all four functions with the cookie", async () => {
    const page = await openPage();
    await signIn(page, "user_alice");
    const cookies = await browser.context.cookies(site.url);
    const names = cookies.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(["__session", "__client_uat"]));
    expect(cookies.find((c) => c.name === "__session")?.sameSite).toBe("Lax");

    const hello = await sendFrom(page, "protected");
    expect(hello.status).toMatch(/^200 OK · \d+ ms · GET \/api\/protected/);
    expect(hello.body).toEqual({ data: { message: "Hello World" } });
    expect(hello.headers["cache-control"]).toBe("no-store");
    expect(hello.headers["x-request-id"]).toMatch(/^[\w.:-]{8,}$/);

    await page.locator("#supabase-data-limit").fill("2");
    const rows = await sendFrom(page, "supabase-data");
    expect(rows.status).toMatch(/^200 OK/);
    const data = (rows.body as { data: { user_id: string }[] }).data;
    expect(data.length).toBeGreaterThan(0);
    expect(data.length).toBeLessThanOrEqual(2);
    expect(data.every((r) => r.user_id === "user_alice")).toBe(true);

    const me = await sendFrom(page, "current-user");
    expect(me.status).toMatch(/^200 OK/);
    const user = (me.body as { user: Record<string, unknown> }).user;
    expect(user.id).toBe("user_alice");
    expect(user).not.toHaveProperty("privateMetadata");

    await page.locator("#update-user-firstName").fill("Grace");
    const updated = await sendFrom(page, "update-user");
    expect(updated.status).toMatch(/^200 OK · \d+ ms · POST \/api\/update-user/);
    expect((updated.body as { user: { firstName: string } }).user.firstName).toBe("Grace");
    expect((await clerkUser("user_alice")).first_name).toBe("Grace");
    await page.close();
  });

  it("submits the update form as a real HTML form: signed in, the JSON lands in the frame", async () => {
    const page = await openPage();
    await signIn(page, "user_alice");
    const posted = page.waitForRequest((r) => r.url().endsWith("/api/update-user") && r.method() === "POST");
    await page.locator("#update-user-firstName").fill("Hopper");
    await page
      .locator('.fn[data-fn="update-user"]')
      .getByRole("button", { name: "Submit as an HTML form" })
      .click();
    const request = await posted;
    expect(request.headers()["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(request.postData()).toBe("firstName=Hopper");
    await expect.poll(() => page.locator("#update-user-outcome").textContent()).toContain("→ 200");
    const frameText = await page.frameLocator("#update-user-frame").locator("body").textContent();
    expect(JSON.parse(frameText ?? "").user.firstName).toBe("Hopper");
    expect((await clerkUser("user_alice")).first_name).toBe("Hopper");
    await page.close();
  });

  it("acts for an organization: a member's 403, then an admin's re-verification round trip", async () => {
    const page = await openPage();
    await page.locator("#organization").selectOption("org_acme");
    await signIn(page, "user_bob");
    expect(await page.locator("#session-status").textContent()).toContain("org_acme as member");
    const org = await sendFrom(page, "organization");
    expect(org.status).toMatch(/^200 OK/);
    expect((org.body as { membership: { role: string } }).membership.role).toBe("org:member");
    // A member lacks org:settings:manage: a plain 403, which re-verifying would not help.
    await page.locator("#update-organization-name").fill("Acme Browser");
    const member = await sendFrom(page, "update-organization");
    expect(member.status).toMatch(/^403 Forbidden · .* — forbidden: /);
    expect(await page.getByRole("button", { name: "Re-verify and retry" }).count()).toBe(0);

    await signIn(page, "user_alice");
    await page.getByRole("button", { name: "Make factors stale" }).click();
    await expect
      .poll(() => page.locator("#session-status").textContent())
      .toMatch(/factors verified \d{3,} min ago/);
    const stale = await sendFrom(page, "update-organization");
    expect(stale.status).toMatch(/^403 Forbidden · .* — reverification_required: /);
    expect((stale.body as { clerk_error: { reason: string } }).clerk_error.reason).toBe(
      "reverification-error",
    );
    // What Clerk's useReverification does: verify again, then the same call once more.
    const section = page.locator('.fn[data-fn="update-organization"]');
    await section.getByRole("button", { name: "Re-verify and retry" }).click();
    await expect.poll(() => section.locator(".result .status").textContent()).toMatch(/^200 OK/);
    const renamed = await readResult(section);
    expect((renamed.body as { organization: { name: string } }).organization.name).toBe("Acme Browser");
    await page.close();
  });

  it("shows a signed-out call's 401 with its code and challenge, and Bearer with the session's token", async () => {
    const page = await openPage();
    await signIn(page, "user_bob");
    const none = await sendFrom(page, "protected", "none");
    expect(none.status).toMatch(/^401 Unauthorized · .* — unauthorized: /);
    expect(none.headers["www-authenticate"]).toBe('Bearer realm="api"');
    expect((none.body as { error: { code: string } }).error.code).toBe("unauthorized");

    const bearer = await sendFrom(page, "current-user", "bearer");
    expect(bearer.status).toMatch(/^200 OK/);
    expect((bearer.body as { user: { id: string } }).user.id).toBe("user_bob");

    await page.locator("#token").fill("not-a-token");
    const pasted = await sendFrom(page, "protected", "bearer");
    expect(pasted.status).toMatch(/^401/);
    expect(pasted.headers["www-authenticate"]).toBe('Bearer realm="api", error="invalid_token"');
    await page.close();
  });

  it("from an allowed second origin, Bearer calls pass the preflight and read 200 and 401 bodies", async () => {
    const page = await openPage();
    await signIn(page, "user_alice");
    const token = (await browser.context.cookies(site.url)).find((c) => c.name === "__session")!.value;
    await page.goto(allowed.url);
    const seen = await page.evaluate(
      async ({ api, token }) => {
        const read = async (res: Response) => ({
          status: res.status,
          body: await res.json(),
          requestId: res.headers.get("x-request-id"),
          challenge: res.headers.get("www-authenticate"),
        });
        const ok = await fetch(`${api}/api/protected`, { headers: { authorization: `Bearer ${token}` } });
        const bad = await fetch(`${api}/api/protected`, { headers: { authorization: "Bearer nope" } });
        const update = await fetch(`${api}/api/update-user`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify({ lastName: "Lovelace" }),
        });
        return { ok: await read(ok), bad: await read(bad), update: await read(update) };
      },
      { api: site.url, token },
    );
    expect(seen.ok.status).toBe(200);
    expect(seen.ok.body).toEqual({ data: { message: "Hello World" } });
    expect(seen.ok.requestId).toMatch(/^[\w.:-]{8,}$/);
    expect(seen.bad.status).toBe(401);
    expect(seen.bad.body.error.code).toBe("unauthorized");
    expect(seen.bad.challenge).toBe('Bearer realm="api", error="invalid_token"');
    expect(seen.update.status).toBe(200);
    expect(seen.update.body.user.lastName).toBe("Lovelace");
    await page.close();
  });

  it("from an origin not on the list, the browser itself blocks the call: fetch rejects", async () => {
    const page = await browser.context.newPage();
    await page.goto(blocked.url);
    const outcome = await page.evaluate(async (api) => {
      try {
        const res = await fetch(`${api}/api/protected`, { headers: { authorization: "Bearer x" } });
        return `resolved ${res.status}`;
      } catch (err) {
        return `rejected ${(err as Error).name}: ${(err as Error).message}`;
      }
    }, site.url);
    expect(outcome).toBe("rejected TypeError: Failed to fetch");
    await page.close();
  });

  it("signed out, the HTML form's POST is answered 303 and lands on the sign-in URL", async () => {
    const page = await openPage();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect.poll(() => page.locator("#session-status").textContent()).toContain("Signed out");
    const before = (await clerkUser("user_alice")).first_name;
    const answered = page.waitForResponse((r) => r.url().endsWith("/api/update-user"));
    await page.locator("#update-user-firstName").fill("Nobody");
    await page
      .locator('.fn[data-fn="update-user"]')
      .getByRole("button", { name: "Submit as an HTML form" })
      .click();
    const res = await answered;
    expect(res.status()).toBe(303);
    expect(res.headers().location).toBe(`${site.url}/sign-in`);
    await expect
      .poll(() => page.locator("#update-user-outcome").textContent())
      .toContain(`followed to ${site.url}/sign-in`);
    expect(page.frame({ name: "update-user-frame" })?.url()).toBe(`${site.url}/sign-in`);
    await expect
      .poll(() => page.frameLocator("#update-user-frame").locator("h1").textContent())
      .toBe("Sign in");

    // The page's own Send (fetch, form body) follows the same redirect and says so.
    const sent = await sendFrom(page, "update-user");
    expect(sent.status).toContain(`(redirected to ${site.url}/sign-in)`);
    expect((await clerkUser("user_alice")).first_name).toBe(before);
    await page.close();
  });

  // Until the origin rule for cookie-authenticated writes is in, the forged POST still updates the name:
  // this case is then expected to fail, and runs as a plain test once ErrorCode has `forbidden`.
  (hasOriginRule ? it : it.fails)(
    "a foreign page's auto-submitting form POST does not change the signed-in user's name",
    async () => {
      const page = await openPage();
      await signIn(page, "user_alice");
      const before = (await clerkUser("user_alice")).first_name;
      expect(before).not.toBe("Mallory");
      const answered = page.waitForResponse((r) => r.url() === `${site.url}/api/update-user`);
      await page.goto(foreign.url);
      const res = await answered;
      // The browser did attach the session cookie: only the functions can refuse this request.
      expect((await res.request().allHeaders()).cookie ?? "").toContain("__session=");
      await page.waitForLoadState();
      expect((await clerkUser("user_alice")).first_name).toBe(before);
      expect(res.status()).toBe(403);
      await page.close();
    },
  );

  it("says how to get a token from your front end with real keys, and on a deployment", async () => {
    const real: LocalServer = await serveFunctions(
      {},
      { port: await freePort(), site: tryItSite({ kind: "real" }) },
    );
    const deployedPort = await freePort();
    const deployed = await staticSite(deployedPort);
    try {
      for (const [url, text] of [
        [real.url.replace("127.0.0.1", "localhost"), "real Clerk and Supabase keys"],
        [`http://localhost:${deployedPort}`, "A real deployment"],
      ] as const) {
        const page = await browser.context.newPage();
        await page.goto(`${url}/`);
        await expect.poll(() => page.locator("#mode-text").textContent()).toContain(text);
        expect(await page.locator("#real-help").isVisible()).toBe(true);
        expect(await page.locator("#real-help").textContent()).toContain(
          "await window.Clerk.session.getToken()",
        );
        expect(await page.getByRole("button", { name: "Sign in as user_alice" }).isVisible()).toBe(false);
        await page.close();
      }
    } finally {
      await real.close();
      await close(deployed);
    }
  });

  it("works from the keyboard, labels every control and fits 320 px", async () => {
    const page = await openPage();
    await page.setViewportSize({ width: 320, height: 900 });
    let focused = "";
    for (let i = 0; i < 40 && focused !== "Sign in as user_bob"; i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    }
    expect(focused).toBe("Sign in as user_bob");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("#session-status").textContent()).toContain("Signed in as user_bob");
    await sendFrom(page, "current-user");
    const unlabelled = await page.locator("input, textarea, button, iframe").evaluateAll(
      (els) =>
        els.filter((e) => {
          if (e instanceof HTMLButtonElement) return e.textContent?.trim() === "";
          if (e instanceof HTMLIFrameElement) return !e.title;
          return (e as HTMLInputElement).labels?.length === 0;
        }).length,
    );
    expect(unlabelled).toBe(0);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(320);
    await page.close();
  });

  it("refreshes the 60 s session token before it expires, as Clerk's front end does", async () => {
    const page = await browser.context.newPage();
    // The page's clock runs ahead on demand; the servers keep real time. Playwright installs the fake
    // clock in the whole browser context (fake `performance` too), so this case runs last.
    await page.clock.install();
    await page.goto(`${site.url}/`);
    await expect.poll(() => page.locator("#mode-text").textContent()).toContain("stand-ins");
    await signIn(page, "user_alice");
    const token = async () =>
      (await browser.context.cookies(site.url)).find((c) => c.name === "__session")!.value;
    const first = await token();
    const claims = JSON.parse(Buffer.from(first.split(".")[1]!, "base64url").toString());
    expect(claims.exp - claims.iat).toBe(60);
    // Tokens are signed deterministically: a new one differs only once a real second has passed.
    await new Promise((r) => setTimeout(r, 1100));
    await page.clock.fastForward(30_000);
    expect(await token()).toBe(first);
    // 45 s in, under 20 s of life is left: the page's timer asks the local sign-in for a new token.
    await page.clock.fastForward(15_000);
    await expect.poll(token).not.toBe(first);
    expect(JSON.parse(Buffer.from((await token()).split(".")[1]!, "base64url").toString()).sid).toBe(
      claims.sid,
    );
    expect((await sendFrom(page, "protected")).status).toMatch(/^200/);
    await page.close();
  });
});
