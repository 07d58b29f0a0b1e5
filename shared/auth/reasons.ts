/**
 * Every reason a request is refused on who the caller is: treated as signed out (ours and the ones
 * @clerk/backend reports; the client sees `unauthorized`), or signed in but not allowed by the function's
 * requirements (the client sees `forbidden` or `reverification_required`). Logged, never sent.
 */
export const AuthFailure = {
  // Ours.
  /**
   * Neither an Authorization header nor a session cookie. The SDK names this after what its browser flow
   * misses (dev-browser-missing on a development instance), which reads as a broken setup, not "no token".
   */
  NoToken: "no-token",
  /** Clerk wanted a handshake redirect; API functions never redirect to Clerk, so: signed out. */
  Handshake: "handshake",
  /** A pending session (e.g. organization selection required) is not signed in for an API. */
  SessionPending: "session-pending",
  /** A verified token without the `sub`/`sid` a session needs. */
  SessionClaimsMissing: "session-claims-missing",
  /** An Authorization header that is not `Bearer <token>` (the SDK would silently look for cookies). */
  AuthorizationSchemeUnsupported: "authorization-scheme-unsupported",
  /** Two different session cookies: which one the browser meant cannot be known. */
  AmbiguousCredential: "ambiguous-credential",
  /** The token was valid but its user no longer exists at Clerk. */
  UserNotFound: "user-not-found",
  /** A machine token (`mt_`/`ak_`/`oat_`) in the session cookie: machine callers send `Authorization`. */
  MachineTokenInCookie: "machine-token-in-cookie",
  /** Clerk does not know the machine token (or it is not scoped to this machine). */
  MachineTokenUnknown: "machine-token-unknown",
  /** An M2M JWT not scoped to this machine (CLERK_MACHINE_SECRET_KEY without a matching CLERK_MACHINE_ID). */
  MachineTokenNotScoped: "machine-token-not-scoped",
  /** Clerk knows the machine token but it was revoked. */
  MachineTokenRevoked: "machine-token-revoked",
  /** A machine token this function accepts only when it acts for a user (`user_…` subject). */
  MachineSubjectNotUser: "machine-subject-not-user",
  /** Too many machine-token verifications this second: answered 503 without asking Clerk. */
  MachineVerificationThrottled: "machine-verification-throttled",
  /** The token was valid but Clerk reports its session ended (signed out, revoked, user deleted). */
  SessionEnded: "session-ended",

  // Signed in, but the function's requirements refuse the caller (403).
  /** A role or permission was asked and the token names no active organization. */
  NoActiveOrganization: "no-active-organization",
  MissingRole: "missing-role",
  MissingPermission: "missing-permission",
  MissingFeature: "missing-feature",
  MissingPlan: "missing-plan",
  /** A machine token without every scope the function requires. */
  MissingScope: "missing-scope",
  /** The token's organization no longer exists at Clerk (deleted while the token was still valid). */
  OrganizationNotFound: "organization-not-found",
  /** The factors were verified longer ago than the function's reverification level allows. */
  ReverificationRequired: "reverification-required",

  // @clerk/backend's token verification reasons (TokenVerificationErrorReason), which we also use.
  TokenExpired: "token-expired",
  TokenInvalid: "token-invalid",
  TokenInvalidAlgorithm: "token-invalid-algorithm",
  TokenInvalidAuthorizedParties: "token-invalid-authorized-parties",
  TokenInvalidIssuer: "token-invalid-issuer",
  TokenInvalidSignature: "token-invalid-signature",
  TokenNotActiveYet: "token-not-active-yet",
  TokenIatInTheFuture: "token-iat-in-the-future",
  TokenVerificationFailed: "token-verification-failed",
  InvalidSecretKey: "secret-key-invalid",
  LocalJwkMissing: "jwk-local-missing",
  RemoteJwkFailedToLoad: "jwk-remote-failed-to-load",
  RemoteJwkInvalid: "jwk-remote-invalid",
  RemoteJwkMissing: "jwk-remote-missing",
  JwkFailedToResolve: "jwk-failed-to-resolve",
  /** The token's `kid` is not among Clerk's keys (checked without asking Clerk on every request). */
  KidUnknown: "jwk-kid-mismatch",

  // @clerk/backend's request-level reasons (AuthErrorReason).
  ClientUatWithoutSessionToken: "client-uat-but-no-session-token",
  DevBrowserMissing: "dev-browser-missing",
  DevBrowserSync: "dev-browser-sync",
  PrimaryRespondsToSyncing: "primary-responds-to-syncing",
  PrimaryDomainCrossOriginSync: "primary-domain-cross-origin-sync",
  SatelliteCookieNeedsSyncing: "satellite-needs-syncing",
  SessionTokenAndUatMissing: "session-token-and-uat-missing",
  SessionTokenMissing: "session-token-missing",
  SessionTokenExpired: "session-token-expired",
  SessionTokenIatBeforeClientUat: "session-token-iat-before-client-uat",
  SessionTokenNbf: "session-token-nbf",
  SessionTokenIatInTheFuture: "session-token-iat-in-the-future",
  SessionTokenWithoutClientUat: "session-token-but-no-client-uat",
  ActiveOrganizationMismatch: "active-organization-mismatch",
  TokenTypeMismatch: "token-type-mismatch",
  UnexpectedError: "unexpected-error",
} as const;
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];

/** The reasons of a 403: the caller is signed in, and that is not enough. */
export type Denial =
  | typeof AuthFailure.NoActiveOrganization
  | typeof AuthFailure.MissingRole
  | typeof AuthFailure.MissingPermission
  | typeof AuthFailure.MissingFeature
  | typeof AuthFailure.MissingPlan
  | typeof AuthFailure.MissingScope
  | typeof AuthFailure.OrganizationNotFound
  | typeof AuthFailure.ReverificationRequired;

const DENIALS = new Set<string>([
  AuthFailure.NoActiveOrganization,
  AuthFailure.MissingRole,
  AuthFailure.MissingPermission,
  AuthFailure.MissingFeature,
  AuthFailure.MissingPlan,
  AuthFailure.MissingScope,
  AuthFailure.OrganizationNotFound,
  AuthFailure.ReverificationRequired,
]);
// The SDK never reports a denial (they are ours): one it sent under such a name would be unexpected.
const KNOWN = new Set<string>(Object.values(AuthFailure).filter((r) => !DENIALS.has(r)));

/**
 * An authenticateRequest reason in this vocabulary. The SDK reports some token failures under
 * session-flow names (`session-token-expired-refresh-<why no refresh>`, `session-token-nbf`, …): they are
 * logged under the token-verification names the other paths use, so one code means one thing. The SDK
 * types its reasons as plain strings, so one it adds later is logged as unexpected-error until it is
 * listed above.
 */
export function fromSdk(reason: string): AuthFailure {
  if (reason.startsWith("session-token-expired-refresh")) return AuthFailure.TokenExpired;
  if (reason === AuthFailure.SessionTokenNbf) return AuthFailure.TokenNotActiveYet;
  if (reason === AuthFailure.SessionTokenIatInTheFuture) return AuthFailure.TokenIatInTheFuture;
  return KNOWN.has(reason) ? (reason as AuthFailure) : AuthFailure.UnexpectedError;
}
