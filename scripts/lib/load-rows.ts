// The load mixes' rows for every function beyond the hand-tuned ones of `npm run test:load`, read from
// its declaration as the smoke CLI's rows are, so a new file in functions/ is load-tested with no edit
// here. Per function: a forged token and no token → 401 (a JSON client, so no sign-in redirect); for a
// safe method with a declared example, signed in → 200; with a declared invalid example, signed in →
// 400/422 (nothing is written). "Signed in" is a member of an organization with it active, so functions
// that require an organization can answer; where a function requires more (a role, a permission), a 403
// refusal is an answer too, as in the smoke CLI.
import type { Declaration, Example } from "../../shared/handler.ts";
import type { LoadedFunction } from "./functions.ts";

export interface DeclaredRow {
  name: string;
  fn: string;
  /** `member`: a session token with an active organization; `forged`: its signature tampered. */
  token: "member" | "forged" | "none";
  /** The status it answers; where `refusable`, also a 403 with a refusal's code (see isRefusal). */
  status: number;
  refusable: boolean;
  /** Answered through Clerk's Backend API (its declared `upstream.clerk`): 502/503/504 while Clerk is down. */
  needsClerk: boolean;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

const JSON_ONLY = { accept: "application/json" };

function request(fn: string, d: Declaration, example: Example = {}) {
  const path = `/api/${fn}${example.query ? `?${example.query}` : ""}`;
  if (d.method === "GET") return { method: "GET", path, headers: JSON_ONLY };
  return {
    method: d.method,
    path,
    headers: { ...JSON_ONLY, "content-type": "application/json" },
    body: JSON.stringify(example.body ?? {}),
  };
}

/** Weighted rows for each function not in `covered` (the names the hand-tuned rows already load). */
export function declaredRows(
  functions: readonly LoadedFunction[],
  covered: ReadonlySet<string>,
): [number, DeclaredRow][] {
  return functions
    .filter((f) => !covered.has(f.name))
    .flatMap(({ name, definition: d }): [number, DeclaredRow][] => {
      const refusable = d.requires !== undefined;
      const rows: [number, DeclaredRow][] = [
        [
          2,
          {
            name: `${name} forged`,
            fn: name,
            token: "forged",
            status: 401,
            refusable: false,
            needsClerk: false,
            ...request(name, d, d.example),
          },
        ],
        [
          1,
          {
            name: `${name} signed out`,
            fn: name,
            token: "none",
            status: 401,
            refusable: false,
            needsClerk: false,
            ...request(name, d, d.example),
          },
        ],
      ];
      if (!d.accepts.includes("session_token")) return rows;
      if (d.example && d.method === "GET") {
        rows.push([
          4,
          {
            name: `${name} signed in`,
            fn: name,
            token: "member",
            status: 200,
            refusable,
            needsClerk: (d.upstream?.clerk ?? 0) > 0,
            ...request(name, d, d.example),
          },
        ]);
      }
      // One invalid part only, so the status is known: a GET's query (400), or another method's body
      // (422 when the function reads it, before it can write what the body asks for).
      const invalid = d.invalidExample;
      const invalidStatus =
        d.method === "GET"
          ? invalid?.query && !invalid.body
            ? 400
            : undefined
          : invalid?.body && !invalid.query
            ? 422
            : undefined;
      if (invalid && invalidStatus) {
        rows.push([
          1,
          {
            name: `${name} invalid`,
            fn: name,
            token: "member",
            status: invalidStatus,
            refusable,
            needsClerk: false,
            ...request(name, d, invalid),
          },
        ]);
      }
      return rows;
    });
}

/** A 403 the authorization rules give (what `requires` refuses with), not any other 403. */
export const isRefusal = (status: number, body: string) =>
  status === 403 && /"code":"(forbidden|reverification_required)"/.test(body);
