// The try-it page for local servers: public/ as the site, /openapi.json generated from the schemas, and
// (with the stand-ins only) a local sign-in that plays Clerk's front end: it asks the Clerk stand-in for a
// session and a 60 s session token through the Backend API and sets the cookies Clerk's front end sets.
// Local servers only: none of this is in the function bundles.
import { readFile } from "node:fs/promises";
import { extname, join, normalize, resolve } from "node:path";
import { startLocalServices } from "./local-services.ts";
import { loadHandlers, serveFunctions } from "./serve.ts";
import { DEFAULT_SEED_USERS } from "./stand-ins/clerk.ts";

export type SiteHandler = (req: Request) => Promise<Response>;

export type SiteMode =
  | { kind: "stand-ins"; clerkApiUrl: string; clerkSecretKey: string; users: readonly string[] }
  | { kind: "real" };

/** Sign-in through the Clerk stand-in that `env` (the local services' environment) points at. */
export function standInMode(env: Record<string, string>): SiteMode {
  return {
    kind: "stand-ins",
    clerkApiUrl: env.CLERK_API_URL!,
    clerkSecretKey: env.CLERK_SECRET_KEY!,
    users: DEFAULT_SEED_USERS.map((u) => u.id),
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
  return async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/openapi.json") {
      // Loaded on first ask: building JSON Schemas from zod is not worth delaying every start for.
      const { openApiDocument } = await import("./openapi.ts");
      return jsonResponse(openApiDocument());
    }
    if (url.pathname === "/__local/mode") {
      return jsonResponse(
        mode.kind === "stand-ins" ? { mode: "stand-ins", users: mode.users } : { mode: "real" },
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
      const session = await bapi(mode, "/sessions", { user_id: userId });
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
