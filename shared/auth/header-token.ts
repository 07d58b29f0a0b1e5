// A session token sent as `Authorization: Bearer`, checked as authenticateRequest checks one (category —
// told apart beforehand by jwtTokenType —, then the token's signature and claims, then the pending-session
// rule), without building its cookie and handshake context (URL parsing and a SHA-1 of the publishable key
// per request) and with the key imported once (verify.ts). Verified tokens are remembered (token-cache.ts)
// with the claims the function's requirements are judged by.

import { personClaims } from "./claims.ts";
import { type IsolateAuth, sdkAuthorizedParties } from "./clerk-client.ts";
import { AuthFailure } from "./reasons.ts";
import { type SessionSignedIn, sessionSignedIn } from "./signed-in.ts";
import { TokenRejected, verifySessionToken } from "./verify.ts";

/** A remembered header token, answered without verifying it again (undefined when not remembered). */
export function knownHeaderToken(isolate: IsolateAuth, token: string): SessionSignedIn | undefined {
  const known = isolate.verified.get(token);
  return known && sessionSignedIn(known.userId, known.sessionId, token, known.person);
}

export async function verifyHeaderToken(
  isolate: IsolateAuth,
  token: string,
  pem: string | undefined,
): Promise<SessionSignedIn | { reason: AuthFailure }> {
  if (!pem) return { reason: AuthFailure.KidUnknown };
  const { config } = isolate;
  let claims: Awaited<ReturnType<typeof verifySessionToken>>;
  try {
    claims = await verifySessionToken(token, {
      pem,
      authorizedParties: sdkAuthorizedParties(config),
      issuer: config.issuer,
    });
  } catch (err) {
    if (err instanceof TokenRejected) return { reason: err.reason };
    throw err;
  }
  const { sub, sid, sts, exp, nbf, iat } = claims;
  if (sts === "pending") return { reason: AuthFailure.SessionPending };
  if (!sub || !sid) return { reason: AuthFailure.SessionClaimsMissing };
  const person = personClaims(claims);
  isolate.verified.set(token, { userId: sub, sessionId: sid, exp, nbf, iat, person });
  return sessionSignedIn(sub, sid, token, person);
}
