// Sessions in the Clerk Backend API stand-in: the BAPI Session JSON and the token endpoints' parameters.
import { type ClerkError, paramError, randomId } from "./bapi.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

function newBapiSession(userId: string, now: number) {
  return {
    object: "session" as const,
    id: `sess_${randomId()}`,
    user_id: userId,
    client_id: `client_${randomId()}`,
    actor: null as Record<string, unknown> | null,
    status: "active" as "active" | "revoked" | "ended" | "expired" | "removed" | "abandoned" | "replaced",
    last_active_organization_id: null as string | null,
    last_active_at: now,
    expire_at: now + 7 * DAY_MS,
    abandon_at: now + 30 * DAY_MS,
    updated_at: now,
    created_at: now,
  };
}
export type BapiSession = ReturnType<typeof newBapiSession>;

/**
 * A new active session. Deliberately does not require a known user, so tests can mint tokens for users
 * BAPI never heard of.
 */
export function addSession(sessions: Map<string, BapiSession>, userId: string): string {
  const session = newBapiSession(userId, Date.now());
  sessions.set(session.id, session);
  return session.id;
}

/** Ends a session as signing out or revoking does. */
export function endSession(
  sessions: Map<string, BapiSession>,
  sessionId: string,
  status: "ended" | "revoked" | "removed",
): void {
  const session = sessions.get(sessionId);
  if (!session) throw new Error(`no session ${sessionId}`);
  session.status = status;
  session.updated_at = Date.now();
}

/** `expires_in_seconds` of the token endpoints: absent/null, or an integer in the spec's range. */
export function parseExpiresIn(params: Record<string, unknown>): number | undefined | ClerkError {
  const value = params.expires_in_seconds;
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isInteger(value) && value >= 30 && value <= 315360000) return value;
  return paramError(
    "form_param_format_invalid",
    "expires_in_seconds",
    "is invalid",
    "expires_in_seconds must be an integer between 30 and 315360000.",
  );
}

/**
 * When a session's factors were last verified (ms since the epoch; null = no second factor enrolled): a
 * sign-in verifies the first factor now, re-verifying refreshes what is enrolled, and tests (or the try-it
 * page) age them to see step-up refused. Session tokens carry them as `fva`, in whole minutes.
 */
export interface FactorTimes {
  first: number;
  second: number | null;
}

export const signedInFactors = (now = Date.now()): FactorTimes => ({ first: now, second: null });

/** `fva`: minutes since each factor was verified, -1 for a factor that is not enrolled. */
export function factorAges(times: FactorTimes, now = Date.now()): [number, number] {
  const minutes = (at: number) => Math.max(0, Math.floor((now - at) / 60_000));
  return [minutes(times.first), times.second === null ? -1 : minutes(times.second)];
}
