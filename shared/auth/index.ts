// The one auth helper: a request in, a discriminated result out. Header tokens are verified here with a
// key imported once per isolate (header-token.ts); cookie-borne tokens go through @clerk/backend's
// authenticateRequest (cookie-token.ts); opaque and JWT machine tokens in machine.ts. Authorization beyond
// sign-in (`requires`) is judged afterwards by authorization.ts.
import type { Config } from "../config.ts";
import type { HttpError } from "../errors.ts";
import { upstreamHttpError } from "../upstream.ts";
import { authFor, type IsolateAuth } from "./clerk-client.ts";
import { cookieCandidates, verifyCookieToken } from "./cookie-token.ts";
import { knownHeaderToken, verifyHeaderToken } from "./header-token.ts";
import { JwksUnavailable } from "./jwks.ts";
import { type Verdict, verifyMachineJwt } from "./machine.ts";
import { foreignWrite, isForeignWrite } from "./origin.ts";
import { AuthFailure } from "./reasons.ts";
import { bearerToken, hasSessionCookie, jwtHeader, NO_COOKIES, readCookies } from "./request.ts";
import type { Auth, SignedOut } from "./signed-in.ts";
import {
  type Acceptance,
  jwtTokenType,
  type MachineTokenType,
  opaqueMachineType,
  TokenType,
} from "./tokens.ts";

export {
  checkRequirements,
  forbidden,
  type Judgement,
  judge,
  type MachineRequirements,
  type PersonRequirements,
  type Requirements,
  type RequirementsFor,
  refusal,
  reverificationRequired,
} from "./authorization.ts";
export type { Has, HasParams, PersonClaims } from "./claims.ts";
export { clerkClient } from "./clerk-client.ts";
export { AuthFailure, type Denial } from "./reasons.ts";
export type {
  Auth,
  MachineSignedIn,
  SessionSignedIn,
  SignedIn,
  SignedInAs,
  SignedOut,
} from "./signed-in.ts";
export { type Accept, acceptance, TokenType } from "./tokens.ts";

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
  /** Who is asking, as the platform saw it: verification calls are shared fairly between clients. */
  client?: string | undefined;
}

/**
 * The client's address as the platform reports it: Netlify hands it to the handler as `context.ip`
 * (Functions v2 and Edge); Supabase's gateway puts it first in x-forwarded-for.
 */
export function clientAddress(req: Request, context: unknown): string | undefined {
  const ip = (context as { ip?: unknown } | null | undefined)?.ip;
  if (typeof ip === "string" && ip !== "") return ip;
  const forwarded = req.headers.get("x-forwarded-for");
  return forwarded ? forwarded.split(",", 1)[0]!.trim() || undefined : undefined;
}

export async function authenticate(req: Request, config: Config, opts: AuthenticateOptions): Promise<Auth> {
  const isolate = authFor(config);
  const bearer = bearerToken(req);
  // The SDK reads a header token alone (cookies are ignored then), so a verified one can be remembered.
  const known = bearer && opts.accepts.session ? knownHeaderToken(isolate, bearer) : undefined;
  if (known) return known;
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
      const verdict = await isolate.opaque.verify(bearer, opaque, opts.remainingMs(), opts.client);
      return machineResult(verdict, opts, signedOut);
    }
  } else if (cookieHoldsMachineToken(jar)) {
    // Machine callers authenticate with a header; a machine token in a cookie is never verified.
    return signedOut(AuthFailure.MachineTokenInCookie);
  }

  let jwtKey = config.jwtKey;
  if (!jwtKey) {
    const candidates = bearer ? [bearer] : await cookieCandidates(isolate, jar);
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

  const session = bearer
    ? await verifyHeaderToken(isolate, bearer, jwtKey)
    : await verifyCookieToken(isolate, req, jwtKey);
  return "reason" in session ? signedOut(session.reason) : session;
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
  const subjects = opts.accepts.subjects(identity.tokenType);
  const subject = identity.userId ? "user" : identity.orgId ? "org" : undefined;
  if (subjects && !(subject && subjects.has(subject))) {
    // A user-only function names the rule that refused; otherwise the key is not of a kind it takes.
    return signedOut(
      opts.accepts.userOnly(identity.tokenType)
        ? AuthFailure.MachineSubjectNotUser
        : AuthFailure.TokenTypeMismatch,
    );
  }
  return { ...identity, signedIn: true, tokenType: identity.tokenType as MachineTokenType };
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
