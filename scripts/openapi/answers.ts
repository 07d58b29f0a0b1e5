// Every error status and code a function can answer, derived from its declaration and from what the
// boundary (shared/handler.ts), the auth helper, the body reader and the upstream helpers answer. The
// OpenAPI document lists exactly these, and the behaviour suite holds every response to the document.
import { TokenType } from "../../shared/auth/tokens.ts";
import { ErrorCode } from "../../shared/errors.ts";
import type { Declaration } from "../../shared/handler.ts";

export type Answers = Map<number, ErrorCode[]>;

function add(answers: Answers, status: number, ...codes: ErrorCode[]): void {
  const known = answers.get(status) ?? [];
  answers.set(status, [...new Set([...known, ...codes])]);
}

export function errorAnswers(d: Declaration): Answers {
  const answers: Answers = new Map();
  // A URL that does not parse (Deno builds it from any Host header) or a Host the local hosts refuse.
  add(answers, 400, ErrorCode.BadRequest);
  if (d.query) add(answers, 400, ErrorCode.InvalidQuery);
  if (d.body) {
    // Not JSON, or a form whose percent-decoding is not UTF-8.
    add(answers, 400, ErrorCode.InvalidJson);
  }
  add(answers, 401, ErrorCode.Unauthorized);
  const sessionWrite = d.method !== "GET" && d.accepts.includes(TokenType.Session);
  // A cookie-authenticated write from a foreign origin, or a caller without what the function requires.
  if (sessionWrite || d.requires) add(answers, 403, ErrorCode.Forbidden);
  // Clerk's step-up body, which Clerk's front ends answer with their re-verification modal.
  if (d.requires?.reverification) add(answers, 403, ErrorCode.ReverificationRequired);
  if (d.body) {
    add(answers, 408, ErrorCode.RequestTimeout);
    add(answers, 413, ErrorCode.PayloadTooLarge);
    add(answers, 415, ErrorCode.UnsupportedMediaType);
    // Our schema's issues, or Clerk's own validation passed on with its code.
    add(answers, 422, ErrorCode.ValidationFailed);
  }
  add(answers, 500, ErrorCode.ServerMisconfigured, ErrorCode.InternalError);
  // Verifying a token can itself reach Clerk (keys, machine tokens), so every function has these.
  add(answers, 502, ErrorCode.UpstreamError, ErrorCode.UpstreamUnavailable);
  add(answers, 503, ErrorCode.UpstreamUnavailable);
  add(answers, 504, ErrorCode.UpstreamTimeout);
  return new Map([...answers].sort(([a], [b]) => a - b));
}

export const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: "Bad request",
  401: "Signed out, or the token was rejected",
  403: "Forbidden",
  408: "The request body did not arrive in time",
  413: "Body too large",
  415: "Content type other than JSON or a form",
  422: "The body failed validation (see issues)",
  500: "Misconfigured or failed",
  502: "Clerk or Supabase failed or was unreachable",
  503: "Clerk or Supabase is rate-limiting, or verification is throttled (see Retry-After)",
  504: "No upstream answer within UPSTREAM_TIMEOUT_MS",
};
