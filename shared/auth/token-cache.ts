// Verified session tokens, remembered per isolate. A browser sends the same Clerk token (it lives ~60 s)
// on every call, and re-verifying it costs far more than the function's own work. An entry is keyed by
// the exact token, re-checks the token's time claims with the SDK's skew on every hit, and is dropped
// once the token expires, so it never accepts anything the SDK would refuse at that moment. It keeps the
// token's parsed authorization claims too: nothing the verdict needs is lost by remembering.
import { ExpiringMap } from "../expiring-map.ts";
import type { PersonClaims } from "./claims.ts";
import { expiredFrom, isInFuture } from "./clock.ts";

const MAX_ENTRIES = 1_000;
/** How many first sightings are remembered (as 31-bit hashes: small integers, nothing for the GC). */
const SEEN_SLOTS = 4_096;

/** FNV-1a over the signature part, enough to tell "seen before" apart from "new" in a small window. */
function hashOf(token: string): number {
  let h = 0x811c9dc5;
  for (let i = token.lastIndexOf(".") + 1; i < token.length; i++)
    h = Math.imul(h ^ token.charCodeAt(i), 0x01000193);
  return h & 0x7fffffff;
}

export interface VerifiedToken {
  userId: string;
  sessionId: string;
  /** Seconds since the epoch, as in the JWT. */
  exp: number;
  nbf: number | undefined;
  iat: number | undefined;
  /**
   * The claims a function's requirements are judged by, parsed (and Clerk's has() built) once: a
   * remembered token answers every requirement as the fresh token did.
   */
  person: PersonClaims;
}

export class TokenCache {
  private entries = new ExpiringMap<string, VerifiedToken>(MAX_ENTRIES);
  // A token is admitted on its second verification: a client that reuses its token is cached from its
  // second call, while a stream of one-off tokens never churns the map (each churned entry would outlive
  // a young-generation GC and pile up in the old one: 2x the RSS under load, measured by npm run bench).
  private seen = new Set<number>();
  private seenOrder = new Int32Array(SEEN_SLOTS);
  private seenNext = 0;

  get(token: string, now = Date.now()): VerifiedToken | undefined {
    // An expired entry lapses (and is dropped); one not yet valid is kept for when it is.
    const entry = this.entries.get(token, now);
    if (!entry) return undefined;
    const early =
      (entry.nbf !== undefined && isInFuture(entry.nbf, now)) ||
      (entry.iat !== undefined && isInFuture(entry.iat, now));
    return early ? undefined : entry;
  }

  set(token: string, verified: VerifiedToken): void {
    const hash = hashOf(token);
    if (!this.seen.has(hash)) {
      if (this.seen.size >= SEEN_SLOTS) this.seen.delete(this.seenOrder[this.seenNext]!);
      this.seen.add(hash);
      this.seenOrder[this.seenNext] = hash;
      this.seenNext = (this.seenNext + 1) % SEEN_SLOTS;
      return;
    }
    this.entries.set(token, verified, expiredFrom(verified.exp));
  }
}
