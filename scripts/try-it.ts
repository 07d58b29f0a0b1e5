// The try-it page for local servers: public/ as the site, /openapi.json generated from the schemas, and
// (with the stand-ins only) a local sign-in that plays Clerk's front end: it asks the Clerk stand-in for a
// session and a 60 s session token through the Backend API and sets the cookies Clerk's front end sets.
// Local servers only: none of this is in the function bundles.
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { startLocalServices } from "./local-services.ts";
import { loadHandlers, serveFunctions } from "./serve.ts";
import { DEFAULT_SEED_USERS } from "./stand-ins/clerk.ts";
import { DEFAULT_SEED_ORGANIZATIONS } from "./stand-ins/clerk-organizations.ts";

export type SiteHandler = (req: Request) => Promise<Response>;

/** An organization the page offers, with each member's role in it. */
export interface SiteOrganization {
  id: string;
  name: string;
  roles: Record<string, string>;
}

export type SiteMode =
  | {
      kind: "stand-ins";
      clerkApiUrl: string;
      clerkSecretKey: string;
      users: readonly string[];
      organizations: readonly SiteOrganization[];
    }
  | { kind: "real" };

/** Sign-in through the Clerk stand-in that `env` (the local services' environment) points at. */
export function standInMode(env: Record<string, string>): SiteMode {
  return {
    kind: "stand-ins",
    clerkApiUrl: env.CLERK_API_URL!,
    clerkSecretKey: env.CLERK_SECRET_KEY!,
    users: DEFAULT_SEED_USERS.map((u) => u.id),
    organizations: DEFAULT_SEED_ORGANIZATIONS.map((o) => ({
      id: o.id,
      name: o.name,
      roles: Object.fromEntries(o.members.map((m) => [m.userId, m.role])),
    })),
  };
}

const PUBLIC = resolve(import.meta.dirname, "..", "public");
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};
/** Clerk's front end keeps the dev browser id in this cookie on development instances; the SDK wants it. */
const DEV_BROWSER_COOKIE = "__clerk_db_jwt";
/** Where this sign-in remembers the session to mint fresh tokens for, as Clerk's __client cookie does. */
const SESSION_ID_COOKIE = "__local_session_id";

const jsonResponse = (data: unknown, status = 200, headers: HeadersInit = {}) => {
  const res = Response.json(data, { status, headers });
  res.headers.set("cache-control", "no-store");
  return res;
};

function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

async function staticFile(pathname: string): Promise<Response> {
  const relative =
    pathname === "/" ? "index.html" : pathname === "/sign-in" ? "sign-in.html" : pathname.slice(1);
  const file = normalize(join(PUBLIC, relative));
  if (!file.startsWith(PUBLIC)) return new Response("Not Found", { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "cache-control": "no-cache",
      },
    });
  } catch {
    return new Response("Not Found", { status: 404, headers: { "content-type": "text/plain" } });
  }
}

/** A Backend API call to the Clerk stand-in, as any server holding the secret key would make it. */
async function bapi(mode: Extract<SiteMode, { kind: "stand-ins" }>, path: string, body: unknown) {
  const res = await fetch(`${mode.clerkApiUrl}/v1${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${mode.clerkSecretKey}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`Clerk stand-in answered ${res.status} to POST ${path}`);
  return (await res.json()) as Record<string, unknown>;
}

/** The page's session controls and the stand-in's (`/__stand-in/sessions/{id}/…`) they map to. */
const SESSION_CONTROLS: Record<string, string> = {
  "/__local/organization": "organization",
  "/__local/age-factors": "age-factors",
  "/__local/reverify": "reverify",
};

/** One of the Clerk stand-in's session controls, with the page's JSON body passed on. */
async function bapiControl(
  mode: Extract<SiteMode, { kind: "stand-ins" }>,
  sessionId: string,
  action: string,
  body: string,
): Promise<{ ok: true; fva: unknown } | { ok: false; status: number; error: string }> {
  const res = await fetch(
    `${mode.clerkApiUrl}/__stand-in/sessions/${encodeURIComponent(sessionId)}/${action}`,
    {
      method: "POST",
      headers: { authorization: `Bearer ${mode.clerkSecretKey}`, "content-type": "application/json" },
      body: body || "{}",
    },
  );
  const answer = (await res.json().catch(() => ({}))) as {
    fva?: unknown;
    errors?: { long_message?: string }[];
  };
  if (!res.ok)
    return {
      ok: false,
      status: res.status === 404 ? 401 : 400,
      error: answer.errors?.[0]?.long_message ?? "refused",
    };
  return { ok: true, fva: answer.fva };
}

function expiresAt(jwt: string): number {
  const payload = JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as { exp: number };
  return payload.exp;
}

const LOOPBACK = /^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/;

/** The cookies Clerk's front end keeps on the app's origin: readable by the page, Lax like Clerk's. */
function sessionCookies(jwt: string, clientUat: number, sessionId: string, devBrowser: string): Headers {
  const headers = new Headers();
  headers.append("set-cookie", `__session=${jwt}; Path=/; SameSite=Lax`);
  headers.append("set-cookie", `__client_uat=${clientUat}; Path=/; SameSite=Lax`);
  headers.append("set-cookie", `${DEV_BROWSER_COOKIE}=${devBrowser}; Path=/; SameSite=Lax`);
  headers.append("set-cookie", `${SESSION_ID_COOKIE}=${sessionId}; Path=/__local; HttpOnly; SameSite=Strict`);
  return headers;
}

export function tryItSite(mode: SiteMode): SiteHandler {
  // The functions' declarations, read once: the page renders a card per operation of this document.
  let document: Promise<Record<string, unknown>> | undefined;
  return async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/openapi.json") {
      // Loaded on first ask: building JSON Schemas from zod is not worth delaying every start for.
      document ??= import("./openapi.ts").then((m) => m.loadOpenApiDocument());
      return jsonResponse(await document);
    }
    if (url.pathname === "/__local/mode") {
      return jsonResponse(
        mode.kind === "stand-ins"
          ? { mode: "stand-ins", users: mode.users, organizations: mode.organizations }
          : { mode: "real" },
      );
    }
    if (!url.pathname.startsWith("/__local/")) {
      if (req.method !== "GET" && req.method !== "HEAD")
        return new Response("Method Not Allowed", { status: 405 });
      return staticFile(url.pathname);
    }
    if (mode.kind !== "stand-ins") {
      return jsonResponse(
        { error: "Sign in through your own front end: this server uses real Clerk keys." },
        404,
      );
    }
    // Only the page itself may sign this browser in or out, and only as served from this machine: a name
    // an attacker rebinds to 127.0.0.1 (or this host's LAN address) makes a matching Origin too.
    if (req.method !== "POST" || req.headers.get("origin") !== url.origin || !LOOPBACK.test(url.hostname)) {
      return jsonResponse({ error: "POST from this page only" }, 403);
    }
    if (url.pathname === "/__local/sign-in") {
      const userId = url.searchParams.get("user") ?? "";
      if (!mode.users.includes(userId)) return jsonResponse({ error: `Unknown user ${userId}` }, 400);
      // The organization the session acts for, as Clerk's front end sets it (setActive) after sign-in.
      const orgId = url.searchParams.get("org") || null;
      if (orgId && !mode.organizations.some((o) => o.id === orgId && o.roles[userId])) {
        return jsonResponse({ error: `${userId} is not a member of ${orgId}` }, 400);
      }
      const session = await bapi(mode, "/sessions", { user_id: userId, active_organization_id: orgId });
      const sessionId = session.id as string;
      const { jwt } = (await bapi(mode, `/sessions/${sessionId}/tokens`, {})) as { jwt: string };
      const clientUat = Math.floor(Date.now() / 1000) - 1;
      const devBrowser = cookie(req, DEV_BROWSER_COOKIE) ?? `dvb_${crypto.randomUUID().replaceAll("-", "")}`;
      return jsonResponse(
        { userId, sessionId, expiresAt: expiresAt(jwt) },
        200,
        sessionCookies(jwt, clientUat, sessionId, devBrowser),
      );
    }
    const control = SESSION_CONTROLS[url.pathname];
    if (control) {
      const sessionId = cookie(req, SESSION_ID_COOKIE);
      const uat = Number(cookie(req, "__client_uat"));
      const devBrowser = cookie(req, DEV_BROWSER_COOKIE);
      if (!sessionId || !uat || !devBrowser) return jsonResponse({ error: "Not signed in" }, 401);
      // What Clerk's front end does through its Frontend API (setActive, a reverification), then a new token.
      const changed = await bapiControl(mode, sessionId, control, await req.text());
      if (!changed.ok) return jsonResponse({ error: changed.error }, changed.status);
      const minted = await bapi(mode, `/sessions/${encodeURIComponent(sessionId)}/tokens`, {});
      const jwt = minted.jwt as string;
      return jsonResponse(
        { sessionId, expiresAt: expiresAt(jwt), fva: changed.fva },
        200,
        sessionCookies(jwt, uat, sessionId, devBrowser),
      );
    }
    if (url.pathname === "/__local/refresh") {
      const sessionId = cookie(req, SESSION_ID_COOKIE);
      const uat = Number(cookie(req, "__client_uat"));
      const devBrowser = cookie(req, DEV_BROWSER_COOKIE);
      if (!sessionId || !uat || !devBrowser) return jsonResponse({ error: "Not signed in" }, 401);
      // Clerk's front end refreshes the 60 s token before it expires; the session id picks the session.
      const minted = await bapi(mode, `/sessions/${encodeURIComponent(sessionId)}/tokens`, {}).catch(
        () => undefined,
      );
      // A session that ended at Clerk (or a stand-in restarted since) cannot be refreshed: sign in again.
      if (!minted) return jsonResponse({ error: "Session ended" }, 401);
      const jwt = minted.jwt as string;
      return jsonResponse(
        { sessionId, expiresAt: expiresAt(jwt) },
        200,
        sessionCookies(jwt, uat, sessionId, devBrowser),
      );
    }
    if (url.pathname === "/__local/sign-out") {
      const headers = new Headers();
      for (const [name, path] of [
        ["__session", "/"],
        ["__client_uat", "/"],
        [SESSION_ID_COOKIE, "/__local"],
      ]) {
        headers.append("set-cookie", `${name}=; Path=${path}; Max-Age=0; SameSite=Lax`);
      }
      return jsonResponse({ signedOut: true }, 200, headers);
    }
    return jsonResponse({ error: "Not found" }, 404);
  };
}

export interface LocalSite {
  url: string;
  /** The functions' environment (Clerk stand-in URL and secret key among it). */
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * What `npm start` serves with the stand-ins, in this process: the functions from source, the page and
 * the local sign-in, on `port` (the origin the stand-in's tokens are minted for). `env` adds settings.
 */
export async function startLocalSite(port: number, env: Record<string, string> = {}): Promise<LocalSite> {
  const url = `http://localhost:${port}`;
  const services = await startLocalServices(url);
  Object.assign(process.env, services.env, env);
  const server = await serveFunctions(await loadHandlers(), {
    port,
    site: tryItSite(standInMode(services.env)),
  });
  return {
    url,
    env: services.env,
    async close() {
      await server.close();
      await services.close();
    },
  };
}
