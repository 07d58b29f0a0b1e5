// The smoke CLI's generic rows, read from each function's declaration: signed out → 401 (or the declared
// redirect), a wrong method → 405, signed in → 200 with the declared success body where an example is
// declared (safe methods only: a smoke run must not change data it cannot put back), a declared invalid
// example → 400/422, and for a machine token, 200 or 401 by what the function accepts.
import type { TokenType } from "../../shared/auth/tokens.ts";
import type { Declaration, Example } from "../../shared/handler.ts";
import type { LoadedFunction } from "../lib/functions.ts";
import { type Check, type Expectation, status } from "./check.ts";

const JSON_TYPE = { "content-type": "application/json" };

function requestInit(d: Declaration, headers: Record<string, string>, example: Example = {}) {
  if (d.method === "GET") return { headers, query: example.query };
  return {
    method: d.method,
    headers: { ...headers, ...JSON_TYPE },
    body: JSON.stringify(example.body ?? {}),
    query: example.query,
  };
}

const REFUSALS = new Set(["forbidden", "reverification_required"]);

/** Where a function requires more than sign-in, a 403 refusal of the smoke user is an answer too. */
const refusedBy = (d: Declaration, res: Response, body: unknown) => {
  const code = (body as { error?: { code?: string } } | undefined)?.error?.code;
  return d.requires !== undefined && res.status === 403 && code !== undefined && REFUSALS.has(code);
};

/**
 * 200, and a body the declared success schema accepts (so a leak of privateMetadata fails too). Where the
 * function requires more than sign-in, the smoke user may lack it (no organization, no permission): a
 * 403 with one of the refusal codes passes then, and says so.
 */
const succeeds =
  (d: Declaration): Expectation =>
  (res, body) => {
    if (refusedBy(d, res, body)) return undefined;
    if (res.status !== 200) return "expected 200";
    const parsed = d.response.schema.safeParse(body);
    return parsed.success
      ? undefined
      : `body is not the declared response: ${parsed.error.issues[0]?.message}`;
  };

const unauthorized: Expectation = (res) =>
  res.status !== 401
    ? "expected 401"
    : res.headers.get("www-authenticate")?.startsWith("Bearer")
      ? undefined
      : "no WWW-Authenticate";

export async function signedOutRows(check: Check, fn: LoadedFunction): Promise<void> {
  const d = fn.definition;
  const jsonOnly = { accept: "application/json" };
  await check(`${fn.name} signed out → 401`, fn.name, requestInit(d, jsonOnly, d.example), unauthorized);
  if (d.signedOut === "redirect") {
    await check(`${fn.name} signed out (browser) → 303`, fn.name, requestInit(d, {}, d.example), (res) =>
      res.status === 303 && res.headers.get("location") ? undefined : "expected 303 with Location",
    );
  }
}

export async function sessionRows(check: Check, fn: LoadedFunction, auth: Record<string, string>) {
  const d = fn.definition;
  const wrong = d.method === "GET" ? "POST" : "GET";
  await check(`${fn.name} ${wrong} → 405`, fn.name, { method: wrong, headers: auth }, (res) =>
    res.status === 405 && res.headers.get("allow") ? undefined : "expected 405 with Allow",
  );
  if (!d.accepts.includes("session_token")) return;
  if (d.example && d.method === "GET") {
    await check(`${fn.name} signed in → 200`, fn.name, requestInit(d, auth, d.example), succeeds(d));
  }
  if (d.invalidExample) {
    const want = d.invalidExample.body ? 422 : 400;
    const what = d.invalidExample.body ? "invalid body" : `${d.invalidExample.query}`;
    await check(
      `${fn.name} ${what} → ${want}`,
      fn.name,
      requestInit(d, auth, d.invalidExample),
      (res, body) => (refusedBy(d, res, body) ? undefined : status(want)(res, body)),
    );
  }
}

/** What kind of machine token this is, told as the functions tell it (prefix, or the JWT's claims). */
export function machineTokenType(token: string): TokenType | undefined {
  if (token.startsWith("mt_")) return "m2m_token";
  if (token.startsWith("ak_")) return "api_key";
  if (token.startsWith("oat_")) return "oauth_token";
  const [header, payload] = token.split(".");
  try {
    const h = JSON.parse(Buffer.from(header ?? "", "base64url").toString()) as { typ?: string };
    if (h.typ?.toLowerCase() === "at+jwt") return "oauth_token";
    const p = JSON.parse(Buffer.from(payload ?? "", "base64url").toString()) as { sub?: string };
    if (p.sub?.startsWith("mch_")) return "m2m_token";
  } catch {
    // Not a JWT: no rows can be told for it.
  }
  return undefined;
}

/**
 * A machine token is answered 200 where the function accepts its type, 401 where it does not. Where a
 * function takes the type only for a user's token (`api_key:user`), the answer depends on the token's
 * subject, which the smoke CLI cannot see: no row.
 */
export async function machineRows(check: Check, fn: LoadedFunction, token: string): Promise<void> {
  const d = fn.definition;
  const type = machineTokenType(token);
  const auth = { authorization: `Bearer ${token}`, accept: "application/json" };
  const accepted = type !== undefined && d.accepts.includes(type);
  const forUsers = type !== undefined && d.accepts.some((a) => a === `${type}:user`);
  if (accepted) {
    if (d.example && d.method === "GET") {
      await check(`${fn.name} machine token → 200`, fn.name, requestInit(d, auth, d.example), succeeds(d));
    }
  } else if (!forUsers) {
    await check(`${fn.name} machine token → 401`, fn.name, requestInit(d, auth, d.example), status(401));
  }
}
