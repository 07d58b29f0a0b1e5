// Machine tokens: opaque M2M tokens, API keys and OAuth access tokens verified by the Backend API at a
// bounded cost, and JWT-format M2M and OAuth tokens verified locally like session tokens.
//
// Why not authenticateRequest({ acceptsToken }): it reports a verify answer with `revoked: true` or
// `expired: true` as signed in, and turns Clerk's 429, 5xx and dropped connections into "signed out", losing
// the status and Retry-After. The client's own verify methods throw ClerkAPIResponseError with both, and
// the answer is judged here.
import type { ClerkClient } from "@clerk/backend";
import type { Config } from "../config.ts";
import { ErrorCode, HttpError } from "../errors.ts";
import { ExpiringMap } from "../expiring-map.ts";
import { callClerk, upstreamHttpError } from "../upstream.ts";
import { AuthFailure } from "./reasons.ts";
import { jwtHeader } from "./request.ts";
import {
  type Identity,
  identity,
  M2M_CATEGORY,
  type MachineTokenType,
  OAUTH_JWT_TYPES,
  TokenType,
} from "./tokens.ts";
import { TokenRejected, verifySessionToken } from "./verify.ts";

/** A verified opaque token is reused this long at most, so a revocation is seen within it. */
export const REUSE_MS = 10_000;
/** A token Clerk refused (unknown, revoked, expired) is answered from memory this long. */
export const REFUSED_MS = 60_000;
/** Verification calls per isolate: this many at once, refilled at this many per second. */
export const CALLS_PER_SECOND = 20;
/**
 * Tokens Clerk refused (unknown, revoked, expired) that one client may have asked about at once, and how
 * many more per second. Below the isolate's bound, so one client's flood of made-up tokens leaves room
 * for everyone else's verifications; a client whose tokens verify is never held back by it.
 */
export const REFUSALS_PER_CLIENT = 15;
export const REFUSALS_PER_CLIENT_PER_SECOND = 1;
const MAX_CLIENTS = 10_000;
const MAX_VERIFIED = 1_000;
const MAX_REFUSED = 10_000;
/**
 * Clerk's opaque tokens are a prefix and a few dozen characters; anything much longer is not one, and
 * is refused without a call and without being remembered (the caches hold at most this much per entry).
 */
const MAX_OPAQUE_LENGTH = 512;

export type Verdict = { identity: Identity } | { reason: AuthFailure };

/** A token bucket: `size` at once, refilled continuously at `perSecond`. */
class Bucket {
  private tokens: number;
  private at: number;
  private readonly size: number;
  private readonly perSecond: number;
  constructor(size: number, perSecond: number, now: number) {
    this.size = size;
    this.perSecond = perSecond;
    this.tokens = size;
    this.at = now;
  }

  has(now: number): boolean {
    // A clock that steps back refills nothing (and must not drain the bucket).
    this.tokens = Math.min(this.size, this.tokens + (Math.max(0, now - this.at) / 1000) * this.perSecond);
    this.at = now;
    return this.tokens >= 1;
  }

  take(): void {
    this.tokens -= 1;
  }

  giveBack(): void {
    this.tokens = Math.min(this.size, this.tokens + 1);
  }
}

/** Clerk's verify answers, as the SDK's M2MToken, APIKey and IdPOAuthAccessToken expose them. */
interface VerifyAnswer {
  subject?: unknown;
  scopes?: unknown;
  revoked?: unknown;
  expired?: unknown;
  /** Milliseconds since the epoch, or null for a token that does not expire. */
  expiration?: unknown;
  /** `false` is Clerk's answer for an OAuth JWT access token that is no longer active. */
  active?: unknown;
  /** Custom claims of an M2M token or API key (null when none). */
  claims?: unknown;
}

/** Clerk documents `expiration` in milliseconds; a value only plausible as seconds is read as seconds. */
const expirationMs = (value: number) => (value < 1e11 ? value * 1000 : value);

export class OpaqueTokenVerifier {
  private verified = new ExpiringMap<string, Identity>(MAX_VERIFIED);
  private refused = new ExpiringMap<string, AuthFailure>(MAX_REFUSED);
  private inflight = new Map<string, Promise<Verdict>>();
  private calls: Bucket;
  /** Per client address (`""`: clients the platform did not name); least recently asking first. */
  private refusals = new Map<string, Bucket>();
  private readonly clerk: ClerkClient;
  private readonly config: Config;
  private readonly now: () => number;

  constructor(clerk: ClerkClient, config: Config, now: () => number = () => Date.now()) {
    this.clerk = clerk;
    this.config = config;
    this.now = now;
    this.calls = new Bucket(CALLS_PER_SECOND, CALLS_PER_SECOND, now());
  }

  /** Verifies `token` with Clerk, or from memory; throws HttpError when Clerk cannot say (or is not asked). */
  verify(token: string, type: MachineTokenType, timeoutMs: number, client = ""): Promise<Verdict> {
    if (token.length > MAX_OPAQUE_LENGTH) return Promise.resolve({ reason: AuthFailure.TokenInvalid });
    const now = this.now();
    const known = this.verified.get(token, now);
    if (known) return Promise.resolve({ identity: known });
    const refused = this.refused.get(token, now);
    if (refused) return Promise.resolve({ reason: refused });
    // Concurrent requests with one token share one call.
    let pending = this.inflight.get(token);
    if (!pending) {
      const refusals = this.refusalsOf(client, now);
      if (!refusals.has(now) || !this.calls.has(now)) {
        throw new HttpError(
          503,
          ErrorCode.UpstreamUnavailable,
          "Too many token verifications; retry shortly.",
          {
            headers: { "retry-after": "1" },
            reason: AuthFailure.MachineVerificationThrottled,
          },
        );
      }
      this.calls.take();
      refusals.take();
      pending = this.ask(token, type, timeoutMs).finally(() => this.inflight.delete(token));
      // Only a refusal stays charged to the client: a token that verifies, or Clerk failing to answer, is
      // not a made-up token.
      pending.then(
        (verdict) => "reason" in verdict || refusals.giveBack(),
        () => refusals.giveBack(),
      );
      this.inflight.set(token, pending);
    }
    return pending;
  }

  private refusalsOf(client: string, now: number): Bucket {
    let bucket = this.refusals.get(client);
    if (bucket) this.refusals.delete(client);
    else {
      bucket = new Bucket(REFUSALS_PER_CLIENT, REFUSALS_PER_CLIENT_PER_SECOND, now);
      if (this.refusals.size >= MAX_CLIENTS) this.refusals.delete(this.refusals.keys().next().value!);
    }
    this.refusals.set(client, bucket);
    return bucket;
  }

  private async ask(token: string, type: MachineTokenType, timeoutMs: number): Promise<Verdict> {
    let answer: unknown;
    try {
      answer = await callClerk(timeoutMs, (): Promise<unknown> => {
        if (type === TokenType.M2M) {
          // With a machine secret key the SDK sends it as the bearer instead of the instance's secret key,
          // and Clerk accepts only tokens scoped to that machine.
          return this.clerk.m2m.verify({ token, machineSecretKey: this.config.machineSecretKey });
        }
        if (type === TokenType.ApiKey) return this.clerk.apiKeys.verify(token);
        return this.clerk.idPOAuthAccessToken.verify(token);
      });
    } catch (err) {
      // Clerk's answer for a token it does not know (404), or cannot read as one of its tokens (400).
      const status = err instanceof HttpError ? err.upstream?.status : undefined;
      if (status === 404 || status === 400) return this.refuse(token, AuthFailure.MachineTokenUnknown);
      throw err;
    }
    return this.judge(token, type, answer);
  }

  /** A 200 answer is not yet a yes: Clerk also answers revoked and expired tokens that way. */
  private judge(token: string, type: MachineTokenType, answer: unknown): Verdict {
    if (typeof answer !== "object" || answer === null) {
      throw upstreamHttpError({ service: "clerk", malformed: true });
    }
    const { subject, scopes, revoked, expired, expiration, active, claims } = answer as VerifyAnswer;
    const now = this.now();
    const expiresAt = typeof expiration === "number" ? expirationMs(expiration) : undefined;
    if (revoked === true) return this.refuse(token, AuthFailure.MachineTokenRevoked);
    if (expired === true || active === false || (expiresAt !== undefined && expiresAt <= now)) {
      return this.refuse(token, AuthFailure.TokenExpired);
    }
    if (typeof subject !== "string" || subject === "") {
      throw upstreamHttpError({ service: "clerk", malformed: true });
    }
    const granted = identity(type, subject, stringsOf(scopes), recordOf(claims));
    this.verified.set(token, granted, Math.min(now + REUSE_MS, expiresAt ?? Number.POSITIVE_INFINITY));
    return { identity: granted };
  }

  private refuse(token: string, reason: AuthFailure): Verdict {
    this.refused.set(token, reason, this.now() + REFUSED_MS);
    return { reason };
  }
}

const recordOf = (value: unknown): Record<string, unknown> | null =>
  typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/** An M2M JWT's custom claims: all but the registered ones (the SDK's M2MToken.fromJwtPayload rule). */
const RESERVED_M2M_CLAIMS = new Set(["iss", "sub", "exp", "nbf", "iat", "jti"]);
function customClaims(payload: Record<string, unknown>): Record<string, unknown> | null {
  const entries = Object.entries(payload).filter(([key]) => !RESERVED_M2M_CLAIMS.has(key));
  return entries.length > 0 ? Object.fromEntries(entries) : null;
}

const stringsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];

/**
 * A JWT-format M2M or OAuth token, checked like a session token (signature with Clerk's key, exp/nbf/iat
 * with the shared clock rule, and `iss`, which the SDK's verifyMachineAuthToken leaves unchecked) but
 * without `azp`: machine tokens are not minted by a browser, and the SDK does not check it for them.
 */
export interface MachineScope {
  /** CLERK_MACHINE_SECRET_KEY is set: M2M tokens must be scoped to this machine. */
  narrowed: boolean;
  /** CLERK_MACHINE_ID: the machine an M2M JWT's scopes must name (Clerk checks opaque ones itself). */
  machineId: string | undefined;
}

export async function verifyMachineJwt(
  token: string,
  type: MachineTokenType,
  pem: string,
  issuer: string,
  scope: MachineScope,
): Promise<Verdict> {
  // An M2M JWT carries the M2M category or none (the SDK's verifyM2MJwt rule).
  const cat = jwtHeader(token)?.cat;
  if (type === TokenType.M2M && cat !== undefined && cat !== M2M_CATEGORY) {
    return { reason: AuthFailure.TokenInvalid };
  }
  let claims: Record<string, unknown>;
  try {
    claims = (await verifySessionToken(token, {
      pem,
      authorizedParties: undefined,
      issuer,
      headerTypes: type === TokenType.OAuth ? OAUTH_JWT_TYPES : undefined,
    })) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof TokenRejected) return { reason: err.reason };
    throw err;
  }
  const sub = claims.sub as string;
  if (type === TokenType.M2M && !sub.startsWith("mch_")) return { reason: AuthFailure.TokenInvalid };
  // The SDK's M2MToken/IdPOAuthAccessToken.fromJwtPayload read scopes from these claims.
  const scopes =
    type === TokenType.M2M
      ? typeof claims.scopes === "string"
        ? claims.scopes.split(" ")
        : stringsOf(claims.aud)
      : Array.isArray(claims.scp)
        ? stringsOf(claims.scp)
        : typeof claims.scope === "string"
          ? claims.scope.split(" ")
          : [];
  // Clerk narrows an opaque M2M token to the machine whose key verifies it; a JWT is checked here, so it
  // must name that machine among its scopes — and without the machine's id it cannot be told apart.
  if (type === TokenType.M2M && scope.narrowed && !(scope.machineId && scopes.includes(scope.machineId))) {
    return { reason: AuthFailure.MachineTokenNotScoped };
  }
  // The SDK gives OAuth access tokens no custom claims.
  return { identity: identity(type, sub, scopes, type === TokenType.M2M ? customClaims(claims) : null) };
}
