// Signing in the Clerk Backend API stand-in: the instance's RSA keys (served as JWKS), session tokens, and
// JWT templates.
import { exportJWK, exportSPKI, generateKeyPair, type JWTHeaderParameters, SignJWT } from "jose";
import { randomId } from "./bapi.ts";
import type { BapiUser } from "./clerk-users.ts";

export interface MintSessionTokenOptions {
  userId: string;
  /** A new active session is created when absent. */
  sessionId?: string;
  ttlSeconds?: number;
  /** Issue time in unix SECONDS (JWT time), default the current time. */
  now?: number;
  /** Added to / overriding the default claims; a value of `undefined` deletes the claim. */
  claims?: Record<string, unknown>;
  /** Added to / overriding the default header; a value of `undefined` deletes the parameter. */
  header?: Record<string, unknown>;
}

/** Header `cat` Clerk puts on session tokens; @clerk/backend rejects other categories as session tokens. */
const SESSION_TOKEN_CATEGORY = "cl_B7d4PD111AAA";

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
  pem: string;
}

export async function newSigningKey(): Promise<SigningKey> {
  // 2048 bits: @clerk/backend's CLERK_JWT_KEY loader slices the modulus out of a 2048-bit SPKI PEM.
  const { privateKey, publicKey } = await generateKeyPair("RS256", {
    modulusLength: 2048,
    extractable: true,
  });
  const kid = `ins_${randomId()}`;
  const { n, e } = await exportJWK(publicKey);
  return {
    kid,
    privateKey,
    jwk: { use: "sig", kty: "RSA", kid, alg: "RS256", n, e },
    pem: await exportSPKI(publicKey),
  };
}

/** Applies overrides in place; an `undefined` value deletes the key. */
function applyOverrides(target: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete target[key];
    else target[key] = value;
  }
  return target;
}

export interface SessionTokenSigner {
  issuer: string;
  authorizedParty: string;
  /** `role` claim; null omits it. */
  role: string | null;
  key(): SigningKey;
  createSession(userId: string): string;
}

export function sessionTokenMinter(signer: SessionTokenSigner) {
  return async (o: MintSessionTokenOptions): Promise<string> => {
    const now = o.now ?? Math.floor(Date.now() / 1000);
    // Clerk's v2 session token claims; nbf is 10 s before iat, as in Clerk's own tokens.
    const claims: Record<string, unknown> = {
      azp: signer.authorizedParty,
      exp: now + (o.ttlSeconds ?? 60),
      fva: [0, -1],
      iat: now,
      iss: signer.issuer,
      nbf: now - 10,
      sid: o.sessionId ?? signer.createSession(o.userId),
      sub: o.userId,
      v: 2,
    };
    if (signer.role !== null) claims.role = signer.role;
    const key = signer.key();
    const header = { alg: "RS256", kid: key.kid, typ: "JWT", cat: SESSION_TOKEN_CATEGORY };
    return new SignJWT(applyOverrides(claims, o.claims))
      .setProtectedHeader(applyOverrides(header, o.header) as JWTHeaderParameters)
      .sign(key.privateKey);
  };
}

export type JwtTemplate = (user: BapiUser, ttlSeconds: number) => Promise<string>;

/** JWT templates by name. Clerk's templates get nbf = iat - 5 s (the default allowed clock skew). */
export function jwtTemplates(issuer: string, supabaseJwtSecret: string): Record<string, JwtTemplate> {
  return {
    supabase: (user, ttlSeconds) => {
      const now = Math.floor(Date.now() / 1000);
      const email = user.email_addresses.find((e) => e.id === user.primary_email_address_id)?.email_address;
      return new SignJWT({
        aud: "authenticated",
        email: email ?? null,
        exp: now + ttlSeconds,
        iat: now,
        iss: issuer,
        jti: randomId(20),
        nbf: now - 5,
        role: "authenticated",
        sub: user.id,
      })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .sign(new TextEncoder().encode(supabaseJwtSecret));
    },
  };
}
