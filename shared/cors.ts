import type { Config } from "./config.ts";

const ALLOWED_HEADERS = "authorization, content-type, x-client-info, apikey, x-request-id";
const EXPOSED_HEADERS = "x-request-id, retry-after, www-authenticate";
const MAX_AGE_SECONDS = "600";

/** CORS headers for an actual (non-preflight) response; empty when the origin is not allowed. */
export function corsHeaders(req: Request, config: Config): Record<string, string> {
  const origin = req.headers.get("origin");
  if (config.corsOrigins === "*") {
    // An explicit wildcard never comes with credentials (Fetch standard forbids the combination).
    return { "access-control-allow-origin": "*", "access-control-expose-headers": EXPOSED_HEADERS };
  }
  // The answer depends on Origin, so caches must key on it even when we send nothing.
  const headers: Record<string, string> = { vary: "Origin" };
  if (origin && config.corsOrigins.includes(origin)) {
    headers["access-control-allow-origin"] = origin;
    headers["access-control-allow-credentials"] = "true";
    headers["access-control-expose-headers"] = EXPOSED_HEADERS;
  }
  return headers;
}

export function preflight(req: Request, config: Config, allow: readonly string[]): Response {
  const headers = corsHeaders(req, config);
  if (headers["access-control-allow-origin"]) {
    headers["access-control-allow-methods"] = allow.join(", ");
    headers["access-control-allow-headers"] = ALLOWED_HEADERS;
    headers["access-control-max-age"] = MAX_AGE_SECONDS;
  }
  return new Response(null, { status: 204, headers });
}
