// A session token in the `__session` cookie: a browser's request, with the client's uat and dev-browser
// cookies beside it, judged by @clerk/backend's own authenticateRequest (handshake and satellite rules
// included). Never remembered: its verdict depends on the other cookies too.
import { getCookieSuffix } from "@clerk/shared/keys";
import { personClaims } from "./claims.ts";
import { type IsolateAuth, sdkAuthorizedParties } from "./clerk-client.ts";
import { AuthFailure, fromSdk } from "./reasons.ts";
import { type CookieJar, withoutClerkFlowState } from "./request.ts";
import { type SessionSignedIn, sessionSignedIn } from "./signed-in.ts";

/** The session cookies the SDK may verify, suffixed one first, as it picks them. */
export async function cookieCandidates(isolate: IsolateAuth, jar: CookieJar): Promise<string[]> {
  isolate.cookieSuffix ??= getCookieSuffix(isolate.config.publishableKey);
  const suffixed = jar.values.get(`__session_${await isolate.cookieSuffix}`);
  return [suffixed, jar.values.get("__session")].filter((t): t is string => Boolean(t));
}

export async function verifyCookieToken(
  isolate: IsolateAuth,
  req: Request,
  jwtKey: string | undefined,
): Promise<SessionSignedIn | { reason: AuthFailure }> {
  const { config } = isolate;
  const result = await isolate.clerk.authenticateRequest(withoutClerkFlowState(req), {
    acceptsToken: "session_token",
    jwtKey,
    authorizedParties: sdkAuthorizedParties(config),
    // The SDK checks `iss` only when asked; the issuer is the Frontend API host in the publishable key.
    issuer: config.issuer,
  });
  if (result.status === "handshake") return { reason: AuthFailure.Handshake };
  if (result.status !== "signed-in") return { reason: fromSdk(result.reason) };

  // toAuth() treats a pending session as signed out (userId null) by default.
  const auth = result.toAuth();
  if (!auth.userId || !auth.sessionId) {
    return {
      reason:
        auth.sessionStatus === "pending" ? AuthFailure.SessionPending : AuthFailure.SessionClaimsMissing,
    };
  }
  return sessionSignedIn(auth.userId, auth.sessionId, result.token, personClaims(auth.sessionClaims));
}
