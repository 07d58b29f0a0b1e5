// One clock rule for everything that judges a token's time claims, so a remembered token and a freshly
// verified one expire at the same instant.

/** @clerk/backend's default clock skew for exp/nbf/iat. */
export const SKEW_MS = 5_000;

/** JWT seconds → epoch ms exactly as @clerk/backend computes it (`new Date(0).setUTCSeconds(s)`). */
function secondsToMs(seconds: number): number {
  const date = new Date(0);
  date.setUTCSeconds(seconds);
  return date.getTime();
}

/** The first instant (epoch ms) at which a token with this `exp` has expired, beyond the skew. */
export const expiredFrom = (exp: number) => secondsToMs(exp) + SKEW_MS;

/** `exp` has passed, beyond the skew. */
export const hasExpired = (exp: number, now: number) => now >= expiredFrom(exp);

/** An `nbf` or `iat` that lies in the future, beyond the skew. */
export const isInFuture = (seconds: number, now: number) => secondsToMs(seconds) > now + SKEW_MS;
