// PostgREST's error envelope and status mapping, as the Supabase stand-in answers them.

export const JSON_TYPE = "application/json; charset=utf-8";

/** An error in PostgREST's envelope (also used for the gateway's errors, minus the envelope). */
export class RestError extends Error {
  status: number;
  code: string;
  details: string | null;
  hint: string | null;
  headers: Record<string, string>;
  constructor(
    status: number,
    code: string,
    message: string,
    extra: { details?: string; hint?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = extra.details ?? null;
    this.hint = extra.hint ?? null;
    this.headers = extra.headers ?? {};
  }
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": JSON_TYPE, ...headers } });

export function errorResponse(e: RestError): Response {
  const body = { code: e.code, details: e.details, hint: e.hint, message: e.message };
  return json(e.status, body, { "proxy-status": `PostgREST; error=${e.code}`, ...e.headers });
}

// JWT failures: PGRST301 when the token can't be decoded or verified, PGRST303 when its claims
// are rejected (PostgREST 12.2+/13 messages and WWW-Authenticate header).
export const jwtError = (code: "PGRST301" | "PGRST303", message: string, details?: string) =>
  new RestError(401, code, message, {
    details,
    headers: {
      "www-authenticate": `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
    },
  });

// PostgREST's mapping of SQLSTATE to HTTP status (the parts reachable by reads).
export function sqlStateStatus(code: string, message: string, authed: boolean): number {
  if (code === "42501") return authed ? 403 : 401;
  if (code === "42P01" || code === "42883") return 404;
  if (code === "22023" && /^role .* does not exist$/.test(message)) return 401;
  if (code === "23503" || code === "23505") return 409;
  if (code === "25006") return 405;
  if (code === "P0001") return 400;
  if (code === "42P17" || code === "53400" || /^(09|25|2D|38|39|3B|40|54|55|57|58|F0|HV|P0|XX)/.test(code))
    return 500;
  if (/^(08|53)/.test(code)) return 503;
  if (/^(0L|0P|28)/.test(code)) return 403;
  return 400;
}
