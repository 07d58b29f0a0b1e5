import { type ClerkClient, createClerkClient } from "@clerk/backend";
import { getCookieSuffix } from "@clerk/shared/keys";
import type { JwtPayload } from "@clerk/shared/types";
import type { Config } from "./config.ts";
import type { HttpError } from "./errors.ts";
import { JwksStore, JwksUnavailable } from "./jwks.ts";
import { TokenRejected, verifySessionToken } from "./session-token.ts";
import { TokenCache } from "./token-cache.ts";
import { callClerk, upstreamHttpError } from "./upstream.ts";

/**
 * Why a request is treated as signed out, beyond @clerk/backend's own reasons (`token-expired`,
 * `token-invalid-signature`, …, which are passed through). Logged, never sent to the client.
 */
export const AuthFailure = {
  /** Clerk wanted a handshake redirect; API functions never redirect to Clerk, so: signed out. */
  Handshake: "handshake",
  /** The token's `kid` is not among Clerk's keys (checked without asking Clerk on every request). */
  KidUnknown: "jwk-kid-mismatch",
  TokenInvalid: "token-invalid",
  /** A pending session (e.g. organization selection required) is not signed in for an API. */
  SessionPending: "session-pending",
  SessionClaimsMissing: "session-claims-missing",
  TokenExpired: "token-expired",
  TokenTypeMismatch: "token-type-mismatch",
  TokenNotActiveYet: "token-not-active-yet",
  TokenIatInTheFuture: "token-iat-in-the-future",
  /** An Authorization header that is not `Bearer <token>` (the SDK would silently look for cookies). */
  AuthorizationSchemeUnsupported: "authorization-scheme-unsupported",
} as const;
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];

export interface SignedIn {
  signedIn: true;
  userId: string;
  sessionId: string;
  /** A token from the named Clerk JWT template, via the Backend API, within `timeoutMs`. */
  getToken(template: string, timeoutMs: number): Promise<string>;
  /** The caller's own verified session token (for Supabase's native Clerk integration). */
  token: string;
}

export interface SignedOut {
  signedIn: false;
  reason: string;
  /** Whether a token was sent at all: decides RFC 6750's `error="invalid_token"`. */
  tokenPresented: boolean;
}

export type Auth = SignedIn | SignedOut;

interface Isolate {
  config: Config;
  clerk: ClerkClient;
  jwks: JwksStore | undefined;
  cookieSuffix: Promise<string> | undefined;
  verified: TokenCache;
}
let isolate: Isolate | undefined;

/** One Clerk client (and key store) per isolate, reused by every request. */
function state(config: Config): Isolate {
  if (isolate?.config !== config) {
    isolate = {
      config,
      clerk: createClerkClient({
        secretKey: config.secretKey,
        publishableKey: config.publishableKey,
        apiUrl: config.apiUrl,
        // No SDK telemetry from an API function (and no banner in the structured logs).
        telemetry: { disabled: true },
      }),
      jwks: config.jwtKey
        ? undefined
        : new JwksStore({
            apiUrl: config.apiUrl,
            secretKey: config.secretKey,
            timeoutMs: config.upstreamTimeoutMs,
          }),
      cookieSuffix: undefined,
      verified: new TokenCache(),
    };
  }
  return isolate;
}

/** The header token exactly as @clerk/backend reads it (scheme `Bearer`, case-sensitive, or a bare token). */
function headerToken(req: Request): string | undefined {
  const value = req.headers.get("authorization");
  if (!value) return undefined;
  const [scheme, token] = value.split(" ", 2);
  if (!token) return scheme;
  return scheme === "Bearer" ? token : undefined;
}

function cookies(req: Request): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
}

/**
 * The request as @clerk/backend should see it: without Clerk's handshake query parameters and cookies and
 * without the refresh cookie. With them the SDK calls Clerk from inside authenticateRequest, outside our
 * deadline and JWKS bound (a handshake nonce costs a Backend API call, a handshake token a JWKS fetch for
 * any kid, an expired session token plus `__refresh_*` a refresh call), and in a development instance a
 * handshake token that fails verification makes authenticateRequest throw. These API functions never
 * complete a handshake or set cookies, so none of that applies.
 */
const SDK_ONLY_QUERY = /^__clerk_handshake/;
const SDK_ONLY_COOKIE = /^(?:__clerk_handshake|__refresh)/;
function forSdk(req: Request): Request {
  // Almost every request carries none of them: hand it over untouched.
  if (
    !req.url.includes("__clerk_handshake") &&
    !/__clerk_handshake|__refresh/.test(req.headers.get("cookie") ?? "")
  ) {
    return req;
  }
  const url = new URL(req.url);
  for (const name of [...url.searchParams.keys()])
    if (SDK_ONLY_QUERY.test(name)) url.searchParams.delete(name);
  const headers = new Headers(req.headers);
  const cookie = headers.get("cookie");
  if (cookie !== null) {
    const kept = cookie.split(";").filter((part) => !SDK_ONLY_COOKIE.test(part.split("=", 1)[0]!.trim()));
    headers.set("cookie", kept.join(";"));
  }
  // Authentication reads only the URL and headers; the body stays with the function.
  return new Request(url, { method: req.method, headers });
}

/** The JOSE header, or null when the token is not even shaped like a JWT. */
function headerOf(token: string): Record<string, unknown> | null {
  try {
    const header = JSON.parse(atob(token.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/")));
    return header && typeof header === "object" ? header : null;
  } catch {
    return null;
  }
}

function kidOf(token: string): string | undefined | null {
  const header = headerOf(token);
  if (!header) return null;
  return typeof header.kid === "string" ? header.kid : undefined;
}

/** Clerk's JWT categories (`cat` header) that a session token may carry; any other is not a session. */
const SESSION_CATEGORIES = new Set([undefined, "cl_B7d4PD111AAA", "cl_I7d4PD111III"]);

/**
 * A header token, checked as authenticateRequest checks one (category, then the token's signature and
 * claims, then the pending-session rule), without building its cookie and handshake context (URL parsing
 * and a SHA-1 of the publishable key per request) and with the key imported once (session-token.ts).
 */
async function verifyHeaderToken(
  token: string,
  pem: string | undefined,
  config: Config,
): Promise<{ claims: JwtPayload } | { reason: string }> {
  if (!SESSION_CATEGORIES.has(headerOf(token)?.cat as string | undefined)) {
    return { reason: AuthFailure.TokenTypeMismatch };
  }
  if (!pem) return { reason: AuthFailure.KidUnknown };
  try {
    const claims = await verifySessionToken(token, {
      pem,
      authorizedParties: sdkAuthorizedParties(config),
      issuer: config.issuer,
    });
    return { claims };
  } catch (err) {
    if (err instanceof TokenRejected) return { reason: err.reason };
    throw err;
  }
}

// @clerk/backend ignores authorizedParties on createClerkClient(); they only take effect per call.
const sdkAuthorizedParties = (config: Config) =>
  config.authorizedParties.length > 0 ? config.authorizedParties : undefined;

/**
 * JWKS mode: find the key for the token(s) the SDK may verify, so it can verify networklessly.
 * Returns a failure reason instead when no candidate names a key Clerk lists.
 */
async function keyForCandidates(
  s: Isolate,
  candidates: string[],
): Promise<{ pem: string } | { reason: AuthFailure }> {
  let decodable = false;
  for (const token of candidates) {
    const kid = kidOf(token);
    if (kid === null) continue;
    decodable = true;
    if (kid === undefined) continue;
    const pem = await s.jwks!.pemFor(kid);
    if (pem) return { pem };
  }
  return { reason: decodable ? AuthFailure.KidUnknown : AuthFailure.TokenInvalid };
}

export async function authenticate(req: Request, config: Config): Promise<Auth> {
  const s = state(config);
  const bearer = headerToken(req);
  // The SDK reads a header token alone (cookies are ignored then), so a verified one can be remembered.
  const known = bearer ? s.verified.get(bearer) : undefined;
  if (known) return signedIn(s, known.userId, known.sessionId, bearer!);
  const jar = cookies(req);
  const hasSessionCookie = [...jar.keys()].some((k) => k.startsWith("__session"));
  const hasAuthorization = req.headers.has("authorization");
  const tokenPresented = hasAuthorization || hasSessionCookie;
  if (!bearer && hasAuthorization && !hasSessionCookie) {
    return { signedIn: false, reason: AuthFailure.AuthorizationSchemeUnsupported, tokenPresented };
  }

  let jwtKey = config.jwtKey;
  if (!jwtKey) {
    let candidates: string[];
    if (bearer) candidates = [bearer];
    else {
      s.cookieSuffix ??= getCookieSuffix(config.publishableKey);
      const suffixed = jar.get(`__session_${await s.cookieSuffix}`);
      candidates = [suffixed, jar.get("__session")].filter((t): t is string => Boolean(t));
    }
    if (candidates.length > 0) {
      let found: Awaited<ReturnType<typeof keyForCandidates>>;
      try {
        found = await keyForCandidates(s, candidates);
      } catch (err) {
        throw jwksError(err);
      }
      if ("reason" in found) return { signedIn: false, reason: found.reason, tokenPresented };
      jwtKey = found.pem;
    }
  }

  if (bearer) {
    const verified = await verifyHeaderToken(bearer, jwtKey, config);
    if ("reason" in verified) return { signedIn: false, reason: verified.reason, tokenPresented };
    const { sub, sid, sts, exp, nbf, iat } = verified.claims;
    if (sts === "pending") return { signedIn: false, reason: AuthFailure.SessionPending, tokenPresented };
    if (!sub || !sid) return { signedIn: false, reason: AuthFailure.SessionClaimsMissing, tokenPresented };
    s.verified.set(bearer, { userId: sub, sessionId: sid, exp, nbf, iat });
    return signedIn(s, sub, sid, bearer);
  }

  const result = await s.clerk.authenticateRequest(forSdk(req), {
    acceptsToken: "session_token",
    jwtKey,
    authorizedParties: sdkAuthorizedParties(config),
    // The SDK checks `iss` only when asked; the issuer is the Frontend API host in the publishable key.
    issuer: config.issuer,
  });
  if (result.status === "handshake")
    return { signedIn: false, reason: AuthFailure.Handshake, tokenPresented };
  if (result.status !== "signed-in")
    return { signedIn: false, reason: normalizeReason(result.reason), tokenPresented };

  // toAuth() treats a pending session as signed out (userId null) by default.
  const auth = result.toAuth();
  if (!auth.userId || !auth.sessionId) {
    const reason =
      auth.sessionStatus === "pending" ? AuthFailure.SessionPending : AuthFailure.SessionClaimsMissing;
    return { signedIn: false, reason, tokenPresented };
  }
  return signedIn(s, auth.userId, auth.sessionId, result.token);
}

function signedIn(s: Isolate, userId: string, sessionId: string, token: string): SignedIn {
  return {
    signedIn: true,
    userId,
    sessionId,
    token,
    getToken: async (template, timeoutMs) => {
      const token: unknown = await callClerk(timeoutMs, () => s.clerk.sessions.getToken(sessionId, template));
      // The SDK hands back a body it could not read as JSON (e.g. text with status 200) as is; without a jwt
      // there is nothing to give Supabase (it would be sent `Bearer undefined`).
      const jwt = (token as { jwt?: unknown } | null | undefined)?.jwt;
      if (typeof jwt !== "string" || jwt === "") throw upstreamHttpError({ service: "clerk", status: 502 });
      return jwt;
    },
  };
}

/**
 * @clerk/backend reports some verification failures of a session token under session-flow names
 * (`session-token-expired-refresh-<why no refresh>`, `session-token-nbf`, …); log them under the
 * token-verification names the other failures use, so one code means one thing.
 */
function normalizeReason(reason: string): string {
  if (reason.startsWith("session-token-expired-refresh")) return AuthFailure.TokenExpired;
  if (reason === "session-token-nbf") return AuthFailure.TokenNotActiveYet;
  if (reason === "session-token-iat-in-the-future") return AuthFailure.TokenIatInTheFuture;
  return reason;
}

export function clerkClient(config: Config): ClerkClient {
  return state(config).clerk;
}

function jwksError(err: unknown): HttpError {
  if (!(err instanceof JwksUnavailable))
    return upstreamHttpError({ service: "clerk", status: 0, cause: err });
  const timedOut = err.cause instanceof Error && err.cause.name === "TimeoutError";
  return upstreamHttpError({
    service: "clerk",
    status: err.status,
    retryAfter: err.retryAfter,
    timedOut,
    cause: err,
  });
}
