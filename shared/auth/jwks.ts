// A per-isolate store of Clerk's signing keys, fetched from the Backend API's /v1/jwks.
//
// Why not let @clerk/backend fetch them: it refetches the JWKS whenever a token names a `kid` it has not
// cached, so a stream of tokens with random `kid`s turns every request into a Backend API call,
// an amplification an attacker can trigger with forged tokens.
// Here a miss triggers at most one refetch per REFETCH_INTERVAL_MS, which still picks up a real key
// rotation within that interval. The key found is handed to the SDK as `jwtKey`, so the SDK itself
// verifies networklessly and never fetches.
import { rsaJwkToPem } from "./pem.ts";

/** A kid miss refetches at most this often (a real rotation is seen within this time). */
const REFETCH_INTERVAL_MS = 30_000;
/** Keys are refreshed at least this often, so a key Clerk revoked stops verifying (as the SDK does). */
const MAX_AGE_MS = 5 * 60_000;
/** While we hold no keys at all (first use, or Clerk unreachable), retry sooner, but still bounded. */
const EMPTY_RETRY_INTERVAL_MS = 5_000;
const CLERK_API_VERSION = "2026-05-12";

export class JwksUnavailable extends Error {
  readonly status: number | undefined;
  /** Clerk's Retry-After with a 429, passed on to the client so it knows when to retry. */
  readonly retryAfter: string | null;
  constructor(status: number | undefined, options?: ErrorOptions & { retryAfter?: string | null }) {
    super("Clerk JWKS could not be loaded", options);
    this.status = status;
    this.retryAfter = options?.retryAfter ?? null;
  }
}

/** What a fetch that was not started for lack of time fails with: the time-out a started one would get. */
const budgetSpent = () =>
  new JwksUnavailable(undefined, { cause: new DOMException("No upstream time left", "TimeoutError") });

interface Jwk {
  kid?: string;
  kty?: string;
  alg?: string;
  n?: string;
  e?: string;
}

export interface JwksStoreOptions {
  apiUrl: string;
  secretKey: string;
  timeoutMs: number;
  now?: () => number;
}

export class JwksStore {
  private pems = new Map<string, string>();
  private fetchedAt = 0;
  private attemptedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;
  private lastFailure: JwksUnavailable | undefined;
  private readonly opts: JwksStoreOptions;

  constructor(opts: JwksStoreOptions) {
    this.opts = opts;
  }

  /** Number of JWKS fetches started, for tests and the log. */
  fetches = 0;

  /**
   * The PEM for `kid`, or undefined when Clerk does not (or, within the refetch bound, did not) list it.
   * Throws JwksUnavailable only when no keys are known at all and Clerk cannot be reached.
   */
  async pemFor(
    kid: string,
    remainingMs: () => number = () => this.opts.timeoutMs,
  ): Promise<string | undefined> {
    const now = (this.opts.now ?? Date.now)();
    const stale = now - this.fetchedAt >= MAX_AGE_MS;
    const interval = this.pems.size === 0 ? EMPTY_RETRY_INTERVAL_MS : REFETCH_INTERVAL_MS;
    const mayRefetch = now - this.attemptedAt >= interval;
    if ((stale || !this.pems.has(kid)) && (mayRefetch || this.inflight)) {
      try {
        // A fetch counts against the request's upstream budget, and none starts once it is spent.
        // AbortSignal.timeout takes whole milliseconds (Node throws on a fraction).
        const timeoutMs = Math.floor(Math.min(this.opts.timeoutMs, remainingMs()));
        if (timeoutMs < 1 && !this.inflight) throw budgetSpent();
        await this.refresh(now, Math.max(1, timeoutMs));
      } catch (err) {
        // Keep serving the keys we have; fail only when there are none to serve.
        if (this.pems.size === 0) throw err;
      }
    }
    // No keys at all and still inside the retry backoff: Clerk is unavailable, the kid is not "unknown".
    if (this.pems.size === 0) throw this.lastFailure ?? new JwksUnavailable(undefined);
    return this.pems.get(kid);
  }

  private refresh(now: number, timeoutMs: number): Promise<void> {
    this.inflight ??= this.load(now, timeoutMs)
      .catch((err: unknown) => {
        this.lastFailure =
          err instanceof JwksUnavailable ? err : new JwksUnavailable(undefined, { cause: err });
        throw this.lastFailure;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  private async load(now: number, timeoutMs: number): Promise<void> {
    this.attemptedAt = now;
    this.fetches++;
    let res: Response;
    try {
      res = await fetch(`${this.opts.apiUrl}/v1/jwks`, {
        headers: { authorization: `Bearer ${this.opts.secretKey}`, "clerk-api-version": CLERK_API_VERSION },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new JwksUnavailable(undefined, { cause: err });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new JwksUnavailable(res.status, { retryAfter: res.headers.get("retry-after") });
    }
    let keys: Jwk[];
    try {
      keys = ((await res.json()) as { keys?: Jwk[] }).keys ?? [];
    } catch (err) {
      throw new JwksUnavailable(res.status, { cause: err });
    }
    const pems = new Map<string, string>();
    for (const jwk of keys) {
      if (jwk.kid && jwk.kty === "RSA" && jwk.n && jwk.e) pems.set(jwk.kid, rsaJwkToPem(jwk.n, jwk.e));
    }
    if (pems.size === 0) throw new JwksUnavailable(res.status);
    this.pems = pems;
    this.fetchedAt = now;
  }
}
