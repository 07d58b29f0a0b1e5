/** Stable error codes sent to clients. Tests and front ends match on these, never on messages. */
export const ErrorCode = {
  Unauthorized: "unauthorized",
  MethodNotAllowed: "method_not_allowed",
  InvalidJson: "invalid_json",
  ValidationFailed: "validation_failed",
  PayloadTooLarge: "payload_too_large",
  UnsupportedMediaType: "unsupported_media_type",
  InvalidQuery: "invalid_query",
  UpstreamError: "upstream_error",
  UpstreamUnavailable: "upstream_unavailable",
  UpstreamTimeout: "upstream_timeout",
  ServerMisconfigured: "server_misconfigured",
  InternalError: "internal_error",
  Forbidden: "forbidden",
  /** Signed in, but the factors were verified too long ago: Clerk's front ends re-verify and retry. */
  ReverificationRequired: "reverification_required",
  RequestTimeout: "request_timeout",
  /** A request no function can be handed (e.g. a malformed Host header), refused by the host itself. */
  BadRequest: "bad_request",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface HttpErrorOptions {
  /** Logged, never sent to the client. */
  cause?: unknown;
  headers?: Record<string, string>;
  /** Extra JSON fields under `error` (e.g. zod `issues`, Clerk's `upstreamCode`). Must be safe to show. */
  details?: Record<string, unknown>;
  /**
   * Top-level JSON fields beside `error`, for a body another client library reads (Clerk's `clerk_error`,
   * which useReverification looks for). Must be safe to show.
   */
  body?: Record<string, unknown>;
  /** Logged as the request's failure reason (e.g. an auth reason or which variable is missing). */
  reason?: string;
  /** Logged: which upstream failed and how (status and its own error code, never its text). */
  upstream?: { service: "clerk" | "supabase"; status?: number; code?: string };
}

/**
 * A 500 for the operator to fix: the client sees only `server_misconfigured`; the log names what to set
 * (never a value), and `upstream` when Clerk's answer revealed it.
 */
export function misconfigured(reason: string, upstream?: HttpErrorOptions["upstream"]): HttpError {
  return new HttpError(500, ErrorCode.ServerMisconfigured, "The server is misconfigured.", {
    reason: `config: ${reason}`,
    upstream,
  });
}

/** The one error type: throw it anywhere; the boundary in handler.ts turns it into the JSON error body. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly headers: Record<string, string> | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly body: Record<string, unknown> | undefined;
  readonly reason: string | undefined;
  readonly upstream: HttpErrorOptions["upstream"];

  constructor(status: number, code: ErrorCode, message: string, opts: HttpErrorOptions = {}) {
    super(message, { cause: opts.cause });
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.headers = opts.headers;
    this.details = opts.details;
    this.body = opts.body;
    this.reason = opts.reason;
    this.upstream = opts.upstream;
  }
}
