// Cross-site request forgery: a browser attaches Clerk's `__session` cookie to any request to this host,
// including a form another site posts. The token's `azp` cannot tell: it says where the token was
// minted, not who sent the request. The Fetch standard's Origin and Sec-Fetch-Site headers can.
import type { Config } from "../config.ts";
import { ErrorCode, HttpError } from "../errors.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

const allowedByConfig = new WeakMap<Config, ReadonlySet<string>>();

/** Origins a cookie-authenticated write may come from besides the function's own, once per config. */
function writeOrigins(config: Config): ReadonlySet<string> {
  let allowed = allowedByConfig.get(config);
  if (!allowed) {
    // A CORS wildcard never carries credentials, so it allows no cookie-authenticated writes.
    const cors = config.corsOrigins === "*" ? [] : config.corsOrigins;
    allowed = new Set([...config.authorizedParties, ...cors]);
    allowedByConfig.set(config, allowed);
  }
  return allowed;
}

/**
 * Whether a request carrying the session cookie must be refused as cross-site: a state-changing method
 * whose `Origin` is neither the function's own origin nor an allowed one (`null` included), or, without
 * `Origin`, a browser saying the request is cross-site or same-site (a sibling subdomain is not us).
 * Clients that send neither header (curl, servers) are not browsers and cannot be forged into sending
 * a victim's cookie.
 */
export function isForeignWrite(req: Request, config: Config): boolean {
  if (SAFE_METHODS.has(req.method)) return false;
  const origin = req.headers.get("origin");
  if (origin !== null) return !(origin === new URL(req.url).origin || writeOrigins(config).has(origin));
  const site = req.headers.get("sec-fetch-site");
  return site === "cross-site" || site === "same-site";
}

export const foreignWrite = () =>
  new HttpError(403, ErrorCode.Forbidden, "Cookie-authenticated writes are accepted only from this site.", {
    reason: "cross-site-write",
  });
