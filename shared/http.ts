import type { AuthFailure } from "./auth/reasons.ts";
import { ErrorCode, HttpError } from "./errors.ts";

/** Keys never sent to a client, at any depth: `_raw` is @clerk/backend's snake_case copy of the user. */
const HIDDEN_KEYS = new Set(["privateMetadata", "private_metadata", "_raw"]);
const hideSecrets = (key: string, value: unknown) => (HIDDEN_KEYS.has(key) ? undefined : value);

export function json(
  data: unknown,
  init: { status?: number; headers?: Record<string, string> } = {},
): Response {
  // A plain record: the Response builds its Headers once (a Headers copied into it is built twice).
  const headers = { ...init.headers, "content-type": "application/json; charset=utf-8" };
  return new Response(JSON.stringify(data, hideSecrets), { status: init.status, headers });
}

export function errorResponse(err: HttpError, requestId: string): Response {
  return json(
    { ...err.body, error: { code: err.code, message: err.message, ...err.details, requestId } },
    { status: err.status, headers: err.headers },
  );
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;
const sane = (id: string | null) => (id !== null && SANE_REQUEST_ID.test(id) ? id : undefined);

/** The id the platform gave the request: Netlify's, or Supabase's edge gateway's. */
const PLATFORM_REQUEST_ID_HEADERS = ["x-nf-request-id", "sb-request-id"];

export interface RequestIds {
  /** The id we answer with: the caller's if it is safe to echo, else the platform's, else a new one. */
  requestId: string;
  /** The platform's own id, kept in the log whatever the caller sends, to match the platform's logs. */
  platformRequestId: string | undefined;
}

export function requestIdsFor(req: Request): RequestIds {
  let platformRequestId: string | undefined;
  for (const name of PLATFORM_REQUEST_ID_HEADERS) platformRequestId ??= sane(req.headers.get(name));
  const requestId = sane(req.headers.get("x-request-id")) ?? platformRequestId ?? crypto.randomUUID();
  return { requestId, platformRequestId };
}

export const UNAUTHORIZED_CHALLENGE = 'Bearer realm="api"';

export function unauthorized(reason: AuthFailure, tokenPresented: boolean): HttpError {
  return new HttpError(401, ErrorCode.Unauthorized, "Sign in to use this endpoint.", {
    reason,
    // RFC 6750 §3.1: error="invalid_token" only when a token was presented and rejected.
    headers: {
      "www-authenticate": tokenPresented
        ? `${UNAUTHORIZED_CHALLENGE}, error="invalid_token"`
        : UNAUTHORIZED_CHALLENGE,
    },
  });
}
