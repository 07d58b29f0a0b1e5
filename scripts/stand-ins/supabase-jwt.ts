// PostgREST's JWT check in the Supabase stand-in: HS256 tokens with the project's JWT secret, and RS256
// tokens against Clerk's JWKS (Supabase's Clerk third-party auth), with PostgREST's errors for each failure.
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from "jose";
import { jwtError, RestError } from "./supabase-errors.ts";

export interface Auth {
  role: string;
  claims: JWTPayload;
}

export interface JwtOptions {
  jwtSecret: string;
  clerkJwksUrl?: string;
  clerkSecretKey?: string;
  clerkIssuer?: string;
}

/** Maps a jose failure to PostgREST's answer. */
function jwtFailure(e: unknown, noKey: (details: string) => RestError): RestError {
  if (e instanceof RestError) return e;
  if (e instanceof errors.JWTExpired) return jwtError("PGRST303", "JWT expired");
  if (e instanceof errors.JWTClaimValidationFailed) {
    // Supabase picks the third-party key set by issuer: an unknown issuer has no key.
    if (e.claim === "iss") return noKey(`The issuer ${JSON.stringify(e.payload.iss)} is not trusted`);
    if (e.claim === "nbf" && e.reason === "check_failed") return jwtError("PGRST303", "JWT not yet valid");
    if (e.reason === "invalid") return jwtError("PGRST303", `The JWT '${e.claim}' claim must be a number`);
    return jwtError("PGRST303", "Parsing claims failed");
  }
  if (e instanceof errors.JWSSignatureVerificationFailed)
    return jwtError("PGRST301", "JWT cryptographic operation failed");
  if (e instanceof errors.JWKSNoMatchingKey) return noKey("No key in the JWKS matches the token");
  if (e instanceof errors.JWTInvalid) return jwtError("PGRST303", "Parsing claims failed");
  if (e instanceof errors.JWSInvalid) return jwtError("PGRST301", "JWT couldn't be decoded");
  // The JWKS could not be fetched: a server-side configuration problem, not the client's.
  return new RestError(500, "PGRST300", "Server lacks JWT secret", { details: String(e) });
}

/** The bearer's role and claims, or a RestError as PostgREST would answer. */
export function jwtAuthenticator(opts: JwtOptions): (token: string) => Promise<Auth> {
  const secret = new TextEncoder().encode(opts.jwtSecret);
  const jwks: JWTVerifyGetKey | undefined = opts.clerkJwksUrl
    ? createRemoteJWKSet(new URL(opts.clerkJwksUrl), {
        headers: opts.clerkSecretKey ? { authorization: `Bearer ${opts.clerkSecretKey}` } : {},
      })
    : undefined;
  const noKey = (details: string) => jwtError("PGRST301", "No suitable key or wrong key type", details);

  return async (token) => {
    if (token === "") throw jwtError("PGRST301", "Empty JWT is sent in Authorization header");
    const parts = token.split(".").length;
    if (parts !== 3) throw jwtError("PGRST301", `Expected 3 parts in JWT; got ${parts}`);
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw jwtError("PGRST301", "JWT couldn't be decoded");
    }
    // PostgREST allows 30 s of clock skew on exp/nbf/iat.
    const common = { clockTolerance: 30 };
    let payload: JWTPayload;
    try {
      if (alg === "HS256") {
        ({ payload } = await jwtVerify(token, secret, { ...common, algorithms: ["HS256"] }));
      } else if (alg === "RS256") {
        if (!jwks) throw noKey("No JWKS is configured for RS256 tokens");
        ({ payload } = await jwtVerify(token, jwks, {
          ...common,
          algorithms: ["RS256"],
          issuer: opts.clerkIssuer,
        }));
      } else {
        throw jwtError("PGRST301", "Wrong or unsupported encoding algorithm", `Unsupported algorithm ${alg}`);
      }
    } catch (e) {
      throw jwtFailure(e, noKey);
    }
    if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + 30)
      throw jwtError("PGRST303", "JWT issued at future");
    // No role claim means the anonymous role, as in PostgREST.
    const role = typeof payload.role === "string" ? payload.role : "anon";
    return { role, claims: payload };
  };
}
