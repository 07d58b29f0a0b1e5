// The rows of `npm run test:load` (its mixed load and the chaos phase), read from each function's
// declaration as the smoke CLI's rows are, so a new file in functions/ is load-tested with no edit here.
// Per function: a forged token and no token → 401 (a JSON client); a browser without a session → 303 where
// the function redirects signed-out browsers; signed in → 200 for a safe method with a declared example,
// and the example written where a non-GET function requires nothing beyond sign-in; the declared invalid
// example → 400/422. "Signed in" is a member of an organization with it active, so functions that require
// an organization can answer; where a function requires more (a role, a permission), an authorization
// refusal (403) is an answer too, as in the smoke CLI.
import type { Declaration, Example } from "../../shared/handler.ts";
import type { AutocannonRequest } from "./autocannon.ts";
import type { LoadedFunction } from "./functions.ts";

export interface LoadRow {
  name: string;
  fn: string;
  /** `member`: a session token with an active organization; `forged`: its signature tampered. */
  token: "member" | "forged" | "none";
  /** The status it answers; where `refusable`, also an authorization refusal (see isRefusal). */
  status: number;
  refusable: boolean;
  /** Changes data: the load test checks Clerk saw one update per write answered 200. */
  write: boolean;
  /** Calls an upstream (its declared `upstream`): 502/503/504 are answers too while Clerk is silent. */
  upstream: boolean;
  /** Its warm requests make no Clerk call (`upstream.clerk` 0: a cached template token), so 200 stays possible then. */
  clerkFree: boolean;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const JSON_ONLY = { accept: "application/json" };

function request(
  fn: string,
  d: Declaration,
  example: Example = {},
  headers: Record<string, string> = JSON_ONLY,
) {
  const path = `/api/${fn}${example.query ? `?${example.query}` : ""}`;
  if (d.method === "GET") return { method: "GET", path, headers };
  return {
    method: d.method,
    path,
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(example.body ?? {}),
  };
}

/** The status of a declared invalid example with one invalid part: a GET's query, another method's body. */
function invalidStatus(d: Declaration): number | undefined {
  const invalid = d.invalidExample;
  if (d.method === "GET") return invalid?.query && !invalid.body ? 400 : undefined;
  // 422 when the function reads its body, before it can write what the body asks for.
  return invalid?.body && !invalid.query ? 422 : undefined;
}

/** Every function's rows, weighted by how often each is sent in the mix. */
export function loadRows(functions: readonly LoadedFunction[]): [number, LoadRow][] {
  return functions.flatMap(({ name, definition: d }): [number, LoadRow][] => {
    const upstream = (d.upstream?.clerk ?? 0) + (d.upstream?.supabase ?? 0) > 0;
    const base = { fn: name, refusable: false, write: false, upstream: false, clerkFree: true };
    const signedIn = { ...base, token: "member" as const, refusable: d.requires !== undefined };
    const rows: [number, LoadRow][] = [
      [2, { ...base, name: `${name} forged`, token: "forged", status: 401, ...request(name, d, d.example) }],
      [
        1,
        { ...base, name: `${name} signed out`, token: "none", status: 401, ...request(name, d, d.example) },
      ],
    ];
    if (d.signedOut === "redirect") {
      const browser = request(name, d, d.example, { accept: "text/html" });
      rows.push([
        1,
        { ...base, name: `${name} signed out (browser)`, token: "none", status: 303, ...browser },
      ]);
    }
    if (!d.accepts.includes("session_token")) return rows;
    const calls = { upstream, clerkFree: (d.upstream?.clerk ?? 0) === 0 };
    if (d.example && d.method === "GET") {
      rows.push([
        6,
        { ...signedIn, ...calls, name: `${name} signed in`, status: 200, ...request(name, d, d.example) },
      ]);
    } else if (d.example && d.requires === undefined) {
      const write = request(name, d, d.example);
      rows.push([1, { ...signedIn, ...calls, name: `${name} write`, status: 200, write: true, ...write }]);
    }
    const invalid = invalidStatus(d);
    if (invalid) {
      rows.push([
        2,
        { ...signedIn, name: `${name} invalid`, status: invalid, ...request(name, d, d.invalidExample) },
      ]);
    }
    return rows;
  });
}

/** A 403 the authorization rules give (what `requires` refuses with), not any other 403. */
export const isRefusal = (status: number, body: string) =>
  status === 403 && /"code":"(forbidden|reverification_required)"/.test(body);

/** The tokens rows are sent with. */
export interface LoadTokens {
  member: string[];
  forged: string[];
}

type OnResponse = (
  row: LoadRow,
  status: number,
  body: string,
  headers: Record<string, string | string[]>,
) => void;

/**
 * The rows as autocannon requests in their proportions, shuffled (not grouped, so every connection sends
 * all of them from the start), each with a token picked per request and its answer handed to `onResponse`.
 */
export function requestCycle(
  rows: [number, LoadRow][],
  tokens: LoadTokens,
  onResponse: OnResponse,
): AutocannonRequest[] {
  const pick = (pool: string[]) => pool[Math.floor(Math.random() * pool.length)]!;
  const request = (row: LoadRow): AutocannonRequest => ({
    method: row.method,
    path: row.path,
    body: row.body,
    setupRequest(req) {
      const headers = { ...req.headers, ...row.headers };
      if (row.token !== "none") headers.authorization = `Bearer ${pick(tokens[row.token])}`;
      req.headers = headers;
      return req;
    },
    onResponse: (status, body, _context, headers) => onResponse(row, status, body, headers),
  });
  const cycle = rows.flatMap(([n, row]) => Array.from({ length: n }, () => request(row)));
  for (let i = cycle.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [cycle[i], cycle[j]] = [cycle[j]!, cycle[i]!];
  }
  return cycle;
}
