// The one auth helper: a request in, a discriminated result out. Header tokens are verified here with a
// key imported once per isolate; cookie-borne tokens go through @clerk/backend's authenticateRequest.
import { type ClerkClient, createClerkClient } from "@clerk/backend";
import { getCookieSuffix } from "@clerk/shared/keys";
import type { JwtPayload } from "@clerk/shared/types";
import type { Config } from "../config.ts";
import type { HttpError } from "../errors.ts";
import { upstreamHttpError } from "../upstream.ts";
import { JwksStore, JwksUnavailable } from "./jwks.ts";
import { OpaqueTokenVerifier, type Verdict, verifyMachineJwt } from "./machine.ts";
import { foreignWrite, isForeignWrite } from "./origin.ts";
import { AuthFailure, fromSdk } from "./reasons.ts";
import {
  bearerToken,
  hasSessionCookie,
  jwtHeader,
  NO_COOKIES,
  readCookies,
  withoutClerkFlowState,
} from "./request.ts";
import { TokenCache } from "./token-cache.ts";
import {
  type Accept,
  type Acceptance,
  type Identity,
  identity,
  jwtTokenType,
  type MachineTokenType,
  opaqueMachineType,
  TokenType,
} from "./tokens.ts";
import { TokenRejected, verifySessionToken } from "./verify.ts";

export { AuthFailure } from "./reasons.ts";
export { type Accept, acceptance, TokenType } from "./tokens.ts";

export interface SessionSignedIn extends Identity {
  signedIn: true;
  tokenType: "session_token";
  userId: string;
  sessionId: string;
  /** The caller's own verified session token (for Supabase's native Clerk integration). */
  token: string;
}

export interface MachineSignedIn<T extends MachineTokenType = MachineTokenType> extends Identity {
  signedIn: true;
  tokenType: T;
}

export type SignedIn = SessionSignedIn | MachineSignedIn;

/** What a function declaring `accepts: A[]` can be handed once signed in. */
export type SignedInAs<A extends Accept> = A extends `${infer T extends MachineTokenType}:user`
  ? MachineSignedIn<T> & { userId: string }
  : A extends "session_token"
    ? SessionSignedIn
    : A extends MachineTokenType
      ? MachineSignedIn<A>
      : never;

export interface SignedOut {
  signedIn: false;
  reason: AuthFailure;
  /** Whether a token was sent at all: decides RFC 6750's `error="invalid_token"`. */
  tokenPresented: boolean;
  /** The presented token's type, when it could be told. */
  tokenType?: TokenType;
}

export type Auth = SignedIn | SignedOut;

/** What one isolate keeps between requests: one Clerk client, one key store, remembered tokens. */
interface IsolateAuth {
  config: Config;
  clerk: ClerkClient;
  jwks: JwksStore | undefined;
  cookieSuffix: Promise<string> | undefined;
  verified: TokenCache;
  opaque: OpaqueTokenVerifier;
}
let isolateAuth: IsolateAuth | undefined;

function authFor(config: Config): IsolateAuth {
  if (isolateAuth?.config !== config) {
    const clerk = createClerkClient({
      secretKey: config.secretKey,
      publishableKey: config.publishableKey,
      apiUrl: config.apiUrl,
      // No SDK telemetry from an API function (and no banner in the structured logs).
      telemetry: { disabled: true },
    });
    isolateAuth = {
      config,
      clerk,
      jwks: config.jwtKey
        ? undefined
        : new JwksStore({
            apiUrl: config.apiUrl,
            secretKey: config.secretKey,
            timeoutMs: config.upstreamTimeoutMs,
          }),
      cookieSuffix: undefined,
      verified: new TokenCache(),
      opaque: new OpaqueTokenVerifier(clerk, config),
    };
  }
  return isolateAuth;
}

/**
 * A header session token, checked as authenticateRequest checks one (category — told apart beforehand by
 * jwtTokenType —, then the token's signature and claims, then the pending-session rule), without building
 * its cookie and handshake context (URL parsing and a SHA-1 of the publishable key per request) and with
 * the key imported once (verify.ts).
 */
async function verifyHeaderToken(
  token: string,
  pem: string | undefined,
  config: Config,
): Promise<{ claims: JwtPayload } | { reason: AuthFailure }> {
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
  remainingMs: () => number,
): Promise<{ pem: string } | { reason: AuthFailure }> {
  let decodable = false;
  for (const token of candidates) {
    const header = jwtHeader(token);
    if (!header) continue;
    decodable = true;
    if (typeof header.kid !== "string") continue;
    const pem = await auth.jwks!.pemFor(header.kid, remainingMs);
    if (pem) return { pem };
  }
  return { reason: decodable ? AuthFailure.KidUnknown : AuthFailure.TokenInvalid };
}

export interface AuthenticateOptions {
  /** The token types the function accepts (see tokens.ts). */
  accepts: Acceptance;
  /** What is left of the request's upstream budget, for a machine token's verification call. */
  remainingMs(): number;
}

export async function authenticate(req: Request, config: Config, opts: AuthenticateOptions): Promise<Auth> {
  const isolate = authFor(config);
  const bearer = bearerToken(req);
  // The SDK reads a header token alone (cookies are ignored then), so a verified one can be remembered.
  const known = bearer && opts.accepts.session ? isolate.verified.get(bearer) : undefined;
  if (known) return sessionSignedIn(known.userId, known.sessionId, bearer!);
  // With a header token the SDK ignores cookies, and so does everything below: they are not even read.
  const jar = bearer ? NO_COOKIES : readCookies(req);
  const sessionCookie = hasSessionCookie(jar);
  const hasAuthorization = bearer !== undefined || req.headers.has("authorization");
  const tokenPresented = hasAuthorization || sessionCookie;
  let tokenType: TokenType | undefined;
  const signedOut = (reason: AuthFailure): SignedOut => ({
    signedIn: false,
    reason,
    tokenPresented,
    tokenType,
  });
  if (!tokenPresented) return signedOut(AuthFailure.NoToken);
  if (!bearer && hasAuthorization && !sessionCookie) {
    return signedOut(AuthFailure.AuthorizationSchemeUnsupported);
  }
  // The credential is the cookie: before any verification (and any Clerk call), refuse a forged write.
  if (!bearer && sessionCookie && isForeignWrite(req, config)) throw foreignWrite();
  // The SDK would take the first of two session cookies, another parser the last: refuse to guess.
  if (!bearer && jar.ambiguousSession) return signedOut(AuthFailure.AmbiguousCredential);

  if (bearer) {
    const opaque = opaqueMachineType(bearer);
    tokenType = opaque ?? jwtTokenType(bearer, jwtHeader(bearer));
    // Refused before any key lookup or verification call.
    if (!tokenType || !opts.accepts.has(tokenType)) return signedOut(AuthFailure.TokenTypeMismatch);
    if (opaque) {
      return machineResult(await isolate.opaque.verify(bearer, opaque, opts.remainingMs()), opts, signedOut);
    }
  } else if (cookieHoldsMachineToken(jar)) {
    // Machine callers authenticate with a header; a machine token in a cookie is never verified.
    return signedOut(AuthFailure.MachineTokenInCookie);
  }

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
        found = await keyForCandidates(isolate, candidates, opts.remainingMs);
      } catch (err) {
        throw jwksError(err);
      }
      if ("reason" in found) return signedOut(found.reason);
      jwtKey = found.pem;
    }
  }

  if (bearer && tokenType !== TokenType.Session) {
    const type = tokenType as MachineTokenType;
    if (!jwtKey) return signedOut(AuthFailure.KidUnknown);
    const scope = { narrowed: config.machineSecretKey !== undefined, machineId: config.machineId };
    const verdict = await verifyMachineJwt(bearer, type, jwtKey, config.issuer, scope);
    return machineResult(verdict, opts, signedOut);
  }

  if (bearer) {
    const verified = await verifyHeaderToken(bearer, jwtKey, config);
    if ("reason" in verified) return signedOut(verified.reason);
    const { sub, sid, sts, exp, nbf, iat } = verified.claims;
    if (sts === "pending") return signedOut(AuthFailure.SessionPending);
    if (!sub || !sid) return signedOut(AuthFailure.SessionClaimsMissing);
    isolate.verified.set(bearer, { userId: sub, sessionId: sid, exp, nbf, iat });
    return sessionSignedIn(sub, sid, bearer);
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
  return sessionSignedIn(auth.userId, auth.sessionId, result.token);
}

const cookieHoldsMachineToken = (jar: ReturnType<typeof readCookies>) =>
  [...jar.values].some(([name, value]) => name.startsWith("__session") && opaqueMachineType(value));

/** A machine token's verdict as the function sees it, with the user-only rule of its acceptance. */
function machineResult(
  verdict: Verdict,
  opts: AuthenticateOptions,
  signedOut: (reason: AuthFailure) => SignedOut,
): Auth {
  if ("reason" in verdict) return signedOut(verdict.reason);
  const { identity } = verdict;
  if (opts.accepts.userOnly(identity.tokenType) && !identity.userId) {
    return signedOut(AuthFailure.MachineSubjectNotUser);
  }
  return { ...identity, signedIn: true, tokenType: identity.tokenType as MachineTokenType };
}

// Template tokens for Supabase come from template-token.ts, which only supabase-data bundles.
function sessionSignedIn(userId: string, sessionId: string, token: string): SessionSignedIn {
  return {
    ...identity(TokenType.Session, userId),
    signedIn: true,
    tokenType: TokenType.Session,
    userId,
    sessionId,
    token,
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
