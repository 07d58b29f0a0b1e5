// The one auth helper: a request in, a discriminated result out. Header tokens are verified here with a
// key imported once per isolate; cookie-borne tokens go through @clerk/backend's authenticateRequest.
import { type ClerkClient, createClerkClient } from "@clerk/backend";
import { getCookieSuffix } from "@clerk/shared/keys";
import type { JwtPayload } from "@clerk/shared/types";
import type { Config } from "../config.ts";
import type { HttpError } from "../errors.ts";
import { callClerk, upstreamHttpError } from "../upstream.ts";
import { JwksStore, JwksUnavailable } from "./jwks.ts";
import { foreignWrite, isForeignWrite } from "./origin.ts";
import { AuthFailure, fromSdk } from "./reasons.ts";
import { bearerToken, hasSessionCookie, jwtHeader, readCookies, withoutClerkFlowState } from "./request.ts";
import { TokenCache } from "./token-cache.ts";
import { TokenRejected, verifySessionToken } from "./verify.ts";

export { AuthFailure } from "./reasons.ts";

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
  reason: AuthFailure;
  /** Whether a token was sent at all: decides RFC 6750's `error="invalid_token"`. */
  tokenPresented: boolean;
}

export type Auth = SignedIn | SignedOut;

/** What one isolate keeps between requests: one Clerk client, one key store, remembered tokens. */
interface IsolateAuth {
  config: Config;
  clerk: ClerkClient;
  jwks: JwksStore | undefined;
  cookieSuffix: Promise<string> | undefined;
  verified: TokenCache;
}
let isolateAuth: IsolateAuth | undefined;

function authFor(config: Config): IsolateAuth {
  if (isolateAuth?.config !== config) {
    isolateAuth = {
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
  return isolateAuth;
}

/** Clerk's JWT categories (`cat` header) that a session token may carry; any other is not a session. */
const SESSION_CATEGORIES = new Set([undefined, "cl_B7d4PD111AAA", "cl_I7d4PD111III"]);

/**
 * A header token, checked as authenticateRequest checks one (category, then the token's signature and
 * claims, then the pending-session rule), without building its cookie and handshake context (URL parsing
 * and a SHA-1 of the publishable key per request) and with the key imported once (verify.ts).
 */
async function verifyHeaderToken(
  token: string,
  pem: string | undefined,
  config: Config,
): Promise<{ claims: JwtPayload } | { reason: AuthFailure }> {
  if (!SESSION_CATEGORIES.has(jwtHeader(token)?.cat as string | undefined)) {
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
  auth: IsolateAuth,
  candidates: string[],
): Promise<{ pem: string } | { reason: AuthFailure }> {
  let decodable = false;
  for (const token of candidates) {
    const header = jwtHeader(token);
    if (!header) continue;
    decodable = true;
    if (typeof header.kid !== "string") continue;
    const pem = await auth.jwks!.pemFor(header.kid);
    if (pem) return { pem };
  }
  return { reason: decodable ? AuthFailure.KidUnknown : AuthFailure.TokenInvalid };
}

export async function authenticate(req: Request, config: Config): Promise<Auth> {
  const isolate = authFor(config);
  const bearer = bearerToken(req);
  // The SDK reads a header token alone (cookies are ignored then), so a verified one can be remembered.
  const known = bearer ? isolate.verified.get(bearer) : undefined;
  if (known) return signedIn(isolate, known.userId, known.sessionId, bearer!);
  const jar = readCookies(req);
  const sessionCookie = hasSessionCookie(jar);
  const hasAuthorization = req.headers.has("authorization");
  const tokenPresented = hasAuthorization || sessionCookie;
  const signedOut = (reason: AuthFailure): SignedOut => ({ signedIn: false, reason, tokenPresented });
  if (!bearer && hasAuthorization && !sessionCookie) {
    return signedOut(AuthFailure.AuthorizationSchemeUnsupported);
  }
  // The credential is the cookie: before any verification (and any Clerk call), refuse a forged write.
  if (!bearer && sessionCookie && isForeignWrite(req, config)) throw foreignWrite();
  // The SDK would take the first of two session cookies, another parser the last: refuse to guess.
  if (!bearer && jar.ambiguousSession) return signedOut(AuthFailure.AmbiguousCredential);

  let jwtKey = config.jwtKey;
  if (!jwtKey) {
    let candidates: string[];
    if (bearer) candidates = [bearer];
    else {
      isolate.cookieSuffix ??= getCookieSuffix(config.publishableKey);
      const suffixed = jar.values.get(`__session_${await isolate.cookieSuffix}`);
      candidates = [suffixed, jar.values.get("__session")].filter((t): t is string => Boolean(t));
    }
    if (candidates.length > 0) {
      let found: Awaited<ReturnType<typeof keyForCandidates>>;
      try {
        found = await keyForCandidates(isolate, candidates);
      } catch (err) {
        throw jwksError(err);
      }
      if ("reason" in found) return signedOut(found.reason);
      jwtKey = found.pem;
    }
  }

  if (bearer) {
    const verified = await verifyHeaderToken(bearer, jwtKey, config);
    if ("reason" in verified) return signedOut(verified.reason);
    const { sub, sid, sts, exp, nbf, iat } = verified.claims;
    if (sts === "pending") return signedOut(AuthFailure.SessionPending);
    if (!sub || !sid) return signedOut(AuthFailure.SessionClaimsMissing);
    isolate.verified.set(bearer, { userId: sub, sessionId: sid, exp, nbf, iat });
    return signedIn(isolate, sub, sid, bearer);
  }

  const result = await isolate.clerk.authenticateRequest(withoutClerkFlowState(req), {
    acceptsToken: "session_token",
    jwtKey,
    authorizedParties: sdkAuthorizedParties(config),
    // The SDK checks `iss` only when asked; the issuer is the Frontend API host in the publishable key.
    issuer: config.issuer,
  });
  if (result.status === "handshake") return signedOut(AuthFailure.Handshake);
  if (result.status !== "signed-in") return signedOut(fromSdk(result.reason));

  // toAuth() treats a pending session as signed out (userId null) by default.
  const auth = result.toAuth();
  if (!auth.userId || !auth.sessionId) {
    return signedOut(
      auth.sessionStatus === "pending" ? AuthFailure.SessionPending : AuthFailure.SessionClaimsMissing,
    );
  }
  return signedIn(isolate, auth.userId, auth.sessionId, result.token);
}

function signedIn(isolate: IsolateAuth, userId: string, sessionId: string, token: string): SignedIn {
  return {
    signedIn: true,
    userId,
    sessionId,
    token,
    getToken: async (template, timeoutMs) => {
      const token: unknown = await callClerk(timeoutMs, () =>
        isolate.clerk.sessions.getToken(sessionId, template),
      );
      // The SDK hands back a body it could not read as JSON (e.g. text with status 200) as is; without a jwt
      // there is nothing to give Supabase (it would be sent `Bearer undefined`).
      const jwt = (token as { jwt?: unknown } | null | undefined)?.jwt;
      if (typeof jwt !== "string" || jwt === "") throw upstreamHttpError({ service: "clerk", status: 502 });
      return jwt;
    },
  };
}

export function clerkClient(config: Config): ClerkClient {
  return authFor(config).clerk;
}

function jwksError(err: unknown): HttpError {
  if (!(err instanceof JwksUnavailable))
    return upstreamHttpError({ service: "clerk", malformed: true, cause: err });
  const timedOut = err.cause instanceof Error && err.cause.name === "TimeoutError";
  return upstreamHttpError({
    service: "clerk",
    status: err.status,
    retryAfter: err.retryAfter,
    timedOut,
    cause: err,
  });
}
