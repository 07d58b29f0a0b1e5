// Verified session tokens, remembered per isolate. A browser sends the same Clerk token (it lives ~60 s)
// on every call, and re-verifying it costs far more than the function's own work. An entry is keyed by
// the exact token, re-checks the token's time claims with the SDK's skew on every hit, and is dropped
// once the token expires, so it never accepts anything the SDK would refuse at that moment.

/** @clerk/backend's default clock skew for exp/nbf/iat. */
const SKEW_MS = 5_000;
const MAX_ENTRIES = 1_000;

export interface VerifiedToken {
  userId: string;
  sessionId: string;
  /** Seconds since the epoch, as in the JWT. */
  exp: number;
  nbf: number | undefined;
  iat: number | undefined;
}

export class TokenCache {
  private entries = new Map<string, VerifiedToken>();

  get(token: string, now = Date.now()): VerifiedToken | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    const expired = entry.exp * 1000 <= now - SKEW_MS;
    const early =
      (entry.nbf !== undefined && entry.nbf * 1000 > now + SKEW_MS) ||
      (entry.iat !== undefined && entry.iat * 1000 > now + SKEW_MS);
    if (expired) this.entries.delete(token);
    return expired || early ? undefined : entry;
  }

  set(token: string, verified: VerifiedToken): void {
    if (this.entries.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order: drop the oldest.
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(token, verified);
  }
}
