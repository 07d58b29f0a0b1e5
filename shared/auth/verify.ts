// Verification of a Clerk session token with a key imported once per isolate.
//
// @clerk/backend's verifyToken re-derives and re-imports the key from the PEM on every call, which costs
// more than the RSA verification itself (a profile of `protected` showed ~83 µs of ~250 µs per request)
// and leaves a native key object per request for the GC. This runs the same checks, in the same order,
// with the same reason codes (chunk "jwt/verifyJwt" and "jwt/assertions" of @clerk/backend 3.x), decoding
// by the SDK's rules (jwt.ts); test/verify-parity.test.ts holds both to the same verdict on a corpus of good and
// forged tokens.
import type { JwtPayload } from "@clerk/shared/types";
import { hasExpired, isInFuture } from "./clock.ts";
import { decodeJwt } from "./jwt.ts";
import { AuthFailure } from "./reasons.ts";
import { type Rs256Verifier, rs256Verifier } from "./rsa.ts";

/** The algorithms @clerk/backend accepts in a header at all. */
const ALLOWED_ALGS = new Set(["RS256", "RS384", "RS512"]);

export interface VerifyOptions {
  /** SPKI PEM of Clerk's signing key. */
  pem: string;
  authorizedParties: string[] | undefined;
  issuer: string;
  /** The `typ` values allowed in the header; by default a session token's: none or `JWT`. */
  headerTypes?: readonly string[];
}

export class TokenRejected extends Error {
  readonly reason: AuthFailure;
  constructor(reason: AuthFailure) {
    super(reason);
    this.reason = reason;
  }
}

const verifiers = new Map<string, Promise<Rs256Verifier>>();

/** Each PEM imported once for the life of the isolate. */
function verifierFor(pem: string): Promise<Rs256Verifier> {
  let verifier = verifiers.get(pem);
  if (!verifier) {
    verifier = rs256Verifier(pem);
    // A PEM that will not import must not stay cached as a rejected promise.
    verifier.catch(() => verifiers.delete(pem));
    verifiers.set(pem, verifier);
  }
  return verifier;
}

export async function verifySessionToken(token: string, opts: VerifyOptions): Promise<JwtPayload> {
  const jwt = decodeJwt(token);
  if (!jwt) throw new TokenRejected(AuthFailure.TokenInvalid);
  const { header, payload, signature, raw } = jwt;
  const typeOk = opts.headerTypes
    ? opts.headerTypes.includes(header.typ as string)
    : header.typ === undefined || header.typ === "JWT";
  if (!typeOk) throw new TokenRejected(AuthFailure.TokenInvalid);
  if (!ALLOWED_ALGS.has(header.alg as string)) {
    throw new TokenRejected(AuthFailure.TokenInvalidAlgorithm);
  }

  // Clerk's keys are RS256 keys (the SDK's JWK from a PEM or the JWKS says so), so a token that names
  // another allowed algorithm fails to import against them: the SDK's token-verification-failed.
  if (header.alg !== "RS256") throw new TokenRejected(AuthFailure.TokenVerificationFailed);

  let valid: boolean;
  try {
    const verify = await verifierFor(opts.pem);
    valid = await verify(signature, new TextEncoder().encode(`${raw.header}.${raw.payload}`));
  } catch {
    throw new TokenRejected(AuthFailure.TokenVerificationFailed);
  }
  if (!valid) throw new TokenRejected(AuthFailure.TokenInvalidSignature);

  const { sub, azp, iss, exp, nbf, iat } = payload as Record<string, unknown>;
  if (typeof sub !== "string") throw new TokenRejected(AuthFailure.TokenVerificationFailed);
  // No audience is configured, so `aud` is not checked (as in the SDK without `audience`).
  const parties = opts.authorizedParties;
  if (parties && parties.length > 0 && (!azp || !parties.includes(azp as string))) {
    throw new TokenRejected(AuthFailure.TokenInvalidAuthorizedParties);
  }
  if (typeof iss !== "string" || iss !== opts.issuer) throw new TokenRejected(AuthFailure.TokenInvalidIssuer);
  const now = Date.now();
  if (typeof exp !== "number") throw new TokenRejected(AuthFailure.TokenVerificationFailed);
  if (hasExpired(exp, now)) throw new TokenRejected(AuthFailure.TokenExpired);
  if (nbf !== undefined) {
    if (typeof nbf !== "number") throw new TokenRejected(AuthFailure.TokenVerificationFailed);
    if (isInFuture(nbf, now)) throw new TokenRejected(AuthFailure.TokenNotActiveYet);
  }
  if (iat !== undefined) {
    if (typeof iat !== "number") throw new TokenRejected(AuthFailure.TokenVerificationFailed);
    if (isInFuture(iat, now)) throw new TokenRejected(AuthFailure.TokenIatInTheFuture);
  }
  return payload as JwtPayload;
}
