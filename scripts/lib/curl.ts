// The curl lines `npm start` prints: one per function, from its declaration (method, example, accepted
// callers), so a new function in functions/ is on screen with no other edit.
import type { Example } from "../../shared/handler.ts";
import type { LoadedFunction } from "./functions.ts";

/** Shell variables holding each kind of token (set by the lines printed above the curl lines). */
export interface TokenVariables {
  session: string;
  m2m?: string;
  /** An API key whose subject is a user. */
  userApiKey?: string;
}

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

function requestLine(
  api: string,
  fn: LoadedFunction,
  auth: string | undefined,
  example: Example = {},
): string {
  const { method } = fn.definition;
  const url = `${api}/${fn.name}${example.query ? `?${example.query}` : ""}`;
  const parts = ["curl -i", method === "GET" ? "" : `-X ${method}`, example.query ? `"${url}"` : url];
  if (auth) parts.push(`-H "Authorization: Bearer ${auth}"`);
  if (method !== "GET") {
    parts.push('-H "Content-Type: application/json"', `-d ${quote(JSON.stringify(example.body ?? {}))}`);
  }
  return parts.filter(Boolean).join(" ");
}

/** Signed in with a session token, then each machine token the function accepts, then signed out. */
export function curlLines(functions: LoadedFunction[], api: string, tokens: TokenVariables): string[] {
  const lines: string[] = [];
  for (const fn of functions) {
    const { accepts, example, signedOut } = fn.definition;
    if (accepts.includes("session_token")) lines.push(requestLine(api, fn, tokens.session, example));
    if (tokens.m2m && accepts.includes("m2m_token")) lines.push(requestLine(api, fn, tokens.m2m, example));
    if (tokens.userApiKey && (accepts.includes("api_key") || accepts.includes("api_key:user"))) {
      lines.push(requestLine(api, fn, tokens.userApiKey, example));
    }
    const out = requestLine(api, fn, undefined, example);
    lines.push(
      signedOut === "redirect"
        ? `${out}   # signed out: 303 to the sign-in page (401 with -H "Accept: application/json")`
        : `${out}   # signed out: 401`,
    );
  }
  return lines;
}
