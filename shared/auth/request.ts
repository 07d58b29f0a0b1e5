// What a request presents as credentials, read as @clerk/backend reads it.
import { unverifiedPart } from "./jwt.ts";

/** The Authorization header token as @clerk/backend reads it: scheme `Bearer` (case-sensitive) or bare. */
export function bearerToken(req: Request): string | undefined {
  const value = req.headers.get("authorization");
  if (!value) return undefined;
  const [scheme, token] = value.split(" ", 2);
  if (!token) return scheme;
  return scheme === "Bearer" ? token : undefined;
}

export interface CookieJar {
  /** The first value of each cookie, decoded, as @clerk/backend keeps it. */
  values: Map<string, string>;
  /** Whether any `__session…` cookie appears twice with different (decoded) values. */
  ambiguousSession: boolean;
}

/** Only spaces and tabs are trimmed around names and values (not every Unicode space, as trim() would). */
function trimmed(text: string, start: number, end: number): string {
  while (start < end && (text[start] === " " || text[start] === "\t")) start++;
  while (end > start && (text[end - 1] === " " || text[end - 1] === "\t")) end--;
  return text.slice(start, end);
}

/** A value percent-decoded when it can be; a malformed escape leaves the whole value as sent. */
function decoded(value: string): string {
  if (!value.includes("%")) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The Cookie header read exactly as @clerk/backend reads it (the `cookie` package's parse, 1.x): pairs
 * split at `;`, a segment without `=` skipped, name and value trimmed of spaces and tabs, the value
 * percent-decoded, the first of a repeated name kept. A token's verdict must not depend on which of our
 * checks or the SDK's verification read it.
 */
export function readCookies(req: Request): CookieJar {
  const values = new Map<string, string>();
  let ambiguousSession = false;
  const header = req.headers.get("cookie") ?? "";
  const length = header.length;
  if (length < 2) return { values, ambiguousSession };
  let index = 0;
  do {
    const eq = header.indexOf("=", index);
    if (eq === -1) break;
    const semi = header.indexOf(";", index);
    const end = semi === -1 ? length : semi;
    if (eq > end) {
      // No `=` in this segment: resume at the segment holding the next one.
      index = header.lastIndexOf(";", eq - 1) + 1;
      continue;
    }
    const name = trimmed(header, index, eq);
    const value = decoded(trimmed(header, eq + 1, end));
    const seen = values.get(name);
    if (seen === undefined) values.set(name, value);
    else if (seen !== value && name.startsWith("__session")) ambiguousSession = true;
    index = end + 1;
  } while (index < length);
  return { values, ambiguousSession };
}

/** The jar of a request whose cookies are not read. Shared, so never written to. */
export const NO_COOKIES: CookieJar = { values: new Map(), ambiguousSession: false };

export const hasSessionCookie = (jar: CookieJar) =>
  [...jar.values.keys()].some((k) => k.startsWith("__session"));

/**
 * The request as @clerk/backend should see it: without Clerk's handshake query parameters and cookies and
 * without the refresh cookie. With them the SDK calls Clerk from inside authenticateRequest, outside our
 * deadline and JWKS bound (a handshake nonce costs a Backend API call, a handshake token a JWKS fetch for
 * any kid, an expired session token plus `__refresh_*` a refresh call), and in a development instance a
 * handshake token that fails verification makes authenticateRequest throw. These API functions never
 * complete a handshake or set cookies, so none of that applies.
 */
const SDK_ONLY_QUERY = /^__clerk_handshake/;
const SDK_ONLY_COOKIE = /^(?:__clerk_handshake|__refresh)/;
export function withoutClerkFlowState(req: Request): Request {
  // Almost every request carries none of them: hand it over untouched.
  if (
    !req.url.includes("__clerk_handshake") &&
    !/__clerk_handshake|__refresh/.test(req.headers.get("cookie") ?? "")
  ) {
    return req;
  }
  const url = new URL(req.url);
  for (const name of [...url.searchParams.keys()])
    if (SDK_ONLY_QUERY.test(name)) url.searchParams.delete(name);
  const headers = new Headers(req.headers);
  const cookie = headers.get("cookie");
  if (cookie !== null) {
    const kept = cookie.split(";").filter((part) => !SDK_ONLY_COOKIE.test(part.split("=", 1)[0]!.trim()));
    headers.set("cookie", kept.join(";"));
  }
  // Authentication reads only the URL and headers; the body stays with the function.
  return new Request(url, { method: req.method, headers });
}

// Telling a token's type, finding its key and checking its category each read the header: remembering the
// last token's (keyed by the exact token, so never another's) decodes it once per request.
let lastHeader: { token: string; header: Record<string, unknown> | undefined } | undefined;

/** The JOSE header of a token, or undefined when the token is not even shaped like a JWT. */
export function jwtHeader(token: string): Record<string, unknown> | undefined {
  if (lastHeader?.token === token) return lastHeader.header;
  const header = unverifiedPart(token, 0);
  lastHeader = { token, header };
  return header;
}
