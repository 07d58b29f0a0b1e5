// Clerk JWT template tokens, remembered per session for this isolate. Each template token costs a Backend
// API call, rate-limited per instance (100 per 10 s in development, 1,000 in production): one per request
// would cap the whole deployment near that rate. A token is reused while it has more than MIN_LIFE_MS
// left, concurrent requests of a session share one fetch, and a failed fetch leaves nothing behind.
// Only a signed-in request reaches this (its own session token verified first), and the key holds both
// the session and the user, so a token is never handed to anyone but the session it was minted for.
import type { ClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import type { Config } from "../config.ts";
import { HttpError, misconfigured } from "../errors.ts";
import { ExpiringMap, FOREVER } from "../expiring-map.ts";
import { unauthorized } from "../http.ts";
import { callClerk, clerkError, upstreamHttpError, withDeadline } from "../upstream.ts";
import { clerkClient, type SessionSignedIn } from "./index.ts";
import { unverifiedPart } from "./jwt.ts";
import { AuthFailure } from "./reasons.ts";

const MAX_ENTRIES = 1_000;
/** Below this much life a token is fetched afresh: it must outlive the query it is sent with. */
export const MIN_LIFE_MS = 10_000;

export interface TemplateTokenKey {
  template: string;
  sessionId: string;
  userId: string;
}

interface Entry {
  /** The fetch under way, shared by every request of the session that arrives meanwhile. */
  pending?: Promise<string>;
  jwt?: string;
}

/** `exp` of a JWT in epoch ms, or undefined when it has none we can read (then it is used once). */
function expiryMs(jwt: string): number | undefined {
  const exp = unverifiedPart(jwt, 1)?.exp;
  return typeof exp === "number" ? exp * 1000 : undefined;
}

export class TemplateTokenCache {
  // A fetched token lapses MIN_LIFE_MS before its exp; a fetch under way stays until it settles.
  private entries = new ExpiringMap<string, Entry>(MAX_ENTRIES);

  /** How many sessions are remembered (tokens and fetches under way). */
  get size(): number {
    return this.entries.size;
  }

  /** A usable token for the session: remembered, being fetched, or fetched now by `fetchToken`. */
  get(key: TemplateTokenKey, fetchToken: () => Promise<string>, now = Date.now()): Promise<string> {
    // NUL cannot occur in Clerk ids or template names: the three parts cannot run into each other.
    const id = `${key.template}\u0000${key.sessionId}\u0000${key.userId}`;
    const entry = this.entries.get(id, now);
    if (entry?.pending) return entry.pending;
    if (entry?.jwt) return Promise.resolve(entry.jwt);
    const fresh: Entry = {};
    const pending = fetchToken().then(
      (jwt) => {
        const expMs = expiryMs(jwt);
        if (this.entries.get(id, now) === fresh) {
          if (expMs === undefined) this.entries.delete(id);
          else this.entries.set(id, { jwt }, expMs - MIN_LIFE_MS);
        }
        return jwt;
      },
      (err: unknown) => {
        if (this.entries.get(id, now) === fresh) this.entries.delete(id);
        throw err;
      },
    );
    fresh.pending = pending;
    this.entries.set(id, fresh, FOREVER);
    return pending;
  }
}

const isolateTokens = new TemplateTokenCache();

/**
 * Sessions Clerk reported ended. An ended session never comes back, while its last session token keeps
 * verifying until it expires: without this, replaying it would cost two Backend API calls per request.
 */
const endedSessions = new ExpiringMap<string, true>(MAX_ENTRIES);
function rememberEnded(sessionId: string): void {
  endedSessions.set(sessionId, true, FOREVER);
}

/**
 * A token from the named Clerk JWT template for the signed-in caller's session, within `timeoutMs`:
 * remembered, or fetched through the Backend API. Each request waits at most its own deadline, also when
 * it joins a fetch another request started. 401 when Clerk reports the session ended.
 */
export function templateToken(
  config: Config,
  auth: SessionSignedIn,
  template: string,
  timeoutMs: number,
): Promise<string> {
  const { sessionId, userId } = auth;
  if (endedSessions.get(sessionId, Date.now()))
    return Promise.reject(unauthorized(AuthFailure.SessionEnded, true));
  return callClerk(timeoutMs, () =>
    isolateTokens.get({ template, sessionId, userId }, () =>
      fetchTemplateToken(clerkClient(config), auth, template, timeoutMs),
    ),
  );
}

async function fetchTemplateToken(
  clerk: ClerkClient,
  { sessionId, userId }: SessionSignedIn,
  template: string,
  timeoutMs: number,
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let token: unknown;
  try {
    token = await withDeadline(timeoutMs, () => clerk.sessions.getToken(sessionId, template));
  } catch (err) {
    if (isClerkAPIResponseError(err) && err.status === 404) {
      throw await templateNotFound(clerk, sessionId, deadline - Date.now());
    }
    throw clerkError(err);
  }
  // The SDK hands back a body it could not read as JSON (e.g. text with status 200) as is; without a jwt
  // there is nothing to give Supabase (it would be sent `Bearer undefined`).
  const jwt = (token as { jwt?: unknown } | null | undefined)?.jwt;
  if (typeof jwt !== "string" || jwt === "") throw upstreamHttpError({ service: "clerk", status: 502 });
  // Supabase scopes rows by the token's `sub`: a token naming anyone but the session's user would read
  // their rows. Refused before it is used or remembered (the cache keeps only what this returns).
  if (unverifiedPart(jwt, 1)?.sub !== userId) {
    const wrong = upstreamHttpError({ service: "clerk", status: 502 });
    throw new HttpError(wrong.status, wrong.code, wrong.message, {
      upstream: wrong.upstream,
      reason: "template-token-subject-mismatch",
    });
  }
  return jwt;
}

/**
 * Clerk answers 404 both for a session that has ended (signed out, revoked, its user deleted) and for a
 * template it does not have. Only on this path is the session looked up, to tell the two apart.
 */
async function templateNotFound(
  clerk: ClerkClient,
  sessionId: string,
  timeoutMs: number,
): Promise<HttpError> {
  let status: string | undefined;
  try {
    status = (await withDeadline(timeoutMs, () => clerk.sessions.getSession(sessionId))).status;
  } catch (err) {
    if (!(isClerkAPIResponseError(err) && err.status === 404)) return clerkError(err);
  }
  if (status !== "active") {
    rememberEnded(sessionId);
    return unauthorized(AuthFailure.SessionEnded, true);
  }
  return misconfigured(
    "CLERK_SUPABASE_TEMPLATE names a JWT template Clerk does not have; create it (Dashboard → JWT templates) or set CLERK_SUPABASE_TEMPLATE=none",
    { service: "clerk", status: 404 },
  );
}
