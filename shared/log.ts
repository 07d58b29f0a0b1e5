import type { HttpErrorOptions } from "./errors.ts";

/** Fields of the one structured log line written per request. Never a token, key or body. */
export interface RequestLog {
  function: string;
  method: string;
  status?: number;
  durationMs?: number;
  requestId: string;
  /** The caller's token type once told (session_token, m2m_token, api_key, oauth_token). */
  tokenType?: string;
  userId?: string;
  /** A machine caller's id (`mch_…`). */
  machineId?: string;
  /** Why auth failed or a request was refused, as a stable code (e.g. `token-expired`). */
  reason?: string;
  /** Which upstream answered badly, and how (status and Clerk/PostgREST code only). */
  upstream?: HttpErrorOptions["upstream"];
  /** Unexpected errors only: our own stack, for the operator. */
  error?: { name: string; message: string; stack?: string };
}

export function writeLog(entry: RequestLog): void {
  const line = JSON.stringify({ level: entry.error ? "error" : "info", ...entry });
  if (entry.error) console.error(line);
  else console.log(line);
}
