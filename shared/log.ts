import type { HttpErrorOptions } from "./errors.ts";

/** Fields of the one structured log line written per request. Never a token, key or body. */
export interface RequestLog {
  function: string;
  method: string;
  status?: number;
  durationMs?: number;
  /** The id the response carries (`x-request-id`). */
  requestId: string;
  /** The caller's token type once told (session_token, m2m_token, api_key, oauth_token). */
  tokenType?: string;
  /** Netlify's `x-nf-request-id` or Supabase's `sb-request-id`, when the platform sent one. */
  platformRequestId?: string;
  userId?: string;
  /** A machine caller's id (`mch_…`). */
  machineId?: string;
  /** The organization the caller acts for: a session's active one, or the owner of an API key. */
  orgId?: string;
  /** Why auth failed or a request was refused, as a stable code (e.g. `token-expired`). */
  reason?: string;
  /** Which upstream answered badly, and how (status and Clerk/PostgREST code only). */
  upstream?: HttpErrorOptions["upstream"];
  /** Unexpected errors only: our own stack, for the operator. */
  error?: { name: string; message: string; stack?: string };
}

export type LogLevel = "error" | "warn" | "info";

/** `error` for every 5xx (ours, misconfiguration, upstream), `warn` for a 4xx an upstream answer caused. */
export function levelFor(entry: RequestLog): LogLevel {
  const status = entry.status ?? 500;
  if (entry.error || status >= 500) return "error";
  if (status >= 400 && entry.upstream) return "warn";
  return "info";
}

export function writeLog(entry: RequestLog): void {
  const level = levelFor(entry);
  const line = JSON.stringify({ level, ...entry });
  // Warnings and errors go to stderr, as console.warn would send them.
  if (level === "info") console.log(line);
  else console.error(line);
}
