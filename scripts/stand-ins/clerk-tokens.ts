// Signing in the Clerk Backend API stand-in: the instance's RSA keys (served as JWKS), session tokens, and
// JWT templates.
import { exportJWK, exportSPKI, generateKeyPair, type JWTHeaderParameters, SignJWT } from "jose";
import { randomId } from "./bapi.ts";
import { type ActiveOrganization, orgClaim } from "./clerk-organizations.ts";
import type { BapiUser } from "./clerk-users.ts";

export interface MintSessionTokenOptions {
  userId: string;
  /** A new active session is created when absent. */
  sessionId?: string;
  ttlSeconds?: number;
  /** Issue time in unix SECONDS (JWT time), default the current time. */
  now?: number;
  /**
   * The active organization: an id (the membership is looked up: role, permissions, the organization's
   * features and plan), an explicit membership, or null for none. Absent: the session's active organization.
   */
  org?: string | ActiveOrganization | null;
  /** `fva`: minutes since the first and second factor were verified (-1: not enrolled). Absent: the session's. */
  fva?: [number, number];
  /** Features and plans of the user, without scope (`u:` is added), beside the organization's (`o:`). */
  userFeatures?: string[];
  userPlans?: string[];
  /** 1 writes the organization as session token v1 claims (`org_id`, `org_role`, …); default 2. */
  version?: 1 | 2;
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
  /** The session's active organization id, if any. */
  activeOrganizationId(sessionId: string): string | null;
  /** The membership of `userId` in `orgId`, as a token describes it. */
  membership(orgId: string, userId: string): ActiveOrganization | undefined;
  /** `fva` for the session (sign-in time, re-verifications, staleness). */
  factorAges(sessionId: string): [number, number];
}

/** The organization, billing and factor claims of a session token, v2 or v1. */
function authorizationClaims(
  signer: SessionTokenSigner,
  o: MintSessionTokenOptions,
  sessionId: string,
): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  const orgOption = o.org === undefined ? signer.activeOrganizationId(sessionId) : o.org;
  const org =
    typeof orgOption === "string" ? signer.membership(orgOption, o.userId) : (orgOption ?? undefined);
  const fea: string[] = [];
  const pla: string[] = [];
  if (org && o.version === 1) {
    Object.assign(claims, {
      org_id: org.id,
      org_role: org.role,
      org_slug: org.slug,
      org_permissions: org.permissions,
    });
  } else if (org) {
    const { o: orgClaims, orgFeatures } = orgClaim(org);
    claims.o = orgClaims;
    fea.push(...orgFeatures.map((f) => `o:${f}`));
  }
  if (org?.plan) pla.push(`o:${org.plan}`);
  fea.push(...(o.userFeatures ?? []).map((f) => `u:${f}`));
  pla.push(...(o.userPlans ?? []).map((p) => `u:${p}`));
  if (fea.length > 0) claims.fea = fea.join(",");
  if (pla.length > 0) claims.pla = pla.join(",");
  claims.fva = o.fva ?? signer.factorAges(sessionId);
  return claims;
}

export function sessionTokenMinter(signer: SessionTokenSigner) {
  return async (o: MintSessionTokenOptions): Promise<string> => {
    const now = o.now ?? Math.floor(Date.now() / 1000);
    // Clerk's session token claims (v2 unless asked for v1); nbf is 10 s before iat, as in Clerk's tokens.
    const sid = o.sessionId ?? signer.createSession(o.userId);
    const claims: Record<string, unknown> = {
      azp: signer.authorizedParty,
      exp: now + (o.ttlSeconds ?? 60),
      iat: now,
      iss: signer.issuer,
      nbf: now - 10,
      sid,
      sub: o.userId,
      ...authorizationClaims(signer, o, sid),
    };
    if (o.version !== 1) claims.v = 2;
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
