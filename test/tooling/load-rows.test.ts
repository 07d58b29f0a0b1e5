// The load test's rows for functions it has no hand-tuned rows for come from their declarations.
import { describe, expect, it } from "vitest";
import type { LoadedFunction } from "../../scripts/lib/functions.ts";
import { loadFunctions } from "../../scripts/lib/functions.ts";
import { declaredRows, isRefusal } from "../../scripts/lib/load-rows.ts";
import type { Declaration } from "../../shared/handler.ts";

const functions = await loadFunctions();
const rowsOf = (fn: string) =>
  declaredRows(functions, new Set()).flatMap(([, row]) => (row.fn === fn ? [row] : []));

describe("declared load rows", () => {
  it("leave out the functions already covered", () => {
    const covered = new Set(functions.map((f) => f.name).filter((n) => n !== "organization"));
    expect(new Set(declaredRows(functions, covered).map(([, row]) => row.fn))).toEqual(
      new Set(["organization"]),
    );
  });

  it("a GET with an example: forged and signed out → 401, signed in as a member → 200 or a refusal", () => {
    expect(rowsOf("organization").map((r) => [r.name, r.token, r.status, r.refusable, r.needsClerk])).toEqual(
      [
        ["organization forged", "forged", 401, false, false],
        ["organization signed out", "none", 401, false, false],
        ["organization signed in", "member", 200, true, true],
      ],
    );
    for (const row of rowsOf("organization")) {
      expect(row).toMatchObject({ method: "GET", path: "/api/organization" });
      expect(row.headers.accept).toBe("application/json");
    }
  });

  it("a POST sends its invalid example, never a write", () => {
    const rows = rowsOf("update-organization");
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ["update-organization forged", 401],
      ["update-organization signed out", 401],
      ["update-organization invalid", 422],
    ]);
    expect(rows.at(-1)).toMatchObject({ method: "POST", token: "member", body: '{"name":""}' });
  });

  it("a signed-out redirect function is asked as a JSON client, so 401 rather than 303", () => {
    const signedOut = rowsOf("update-user").find((r) => r.token === "none")!;
    expect([signedOut.status, signedOut.headers.accept]).toEqual([401, "application/json"]);
  });

  it("send an invalid example only when its status is known: a GET's query, another method's body", () => {
    const fn = (name: string, d: Partial<Declaration>) =>
      ({
        name,
        file: `functions/${name}.ts`,
        definition: { accepts: ["session_token"], ...d },
      }) as LoadedFunction;
    const rows = declaredRows(
      [
        fn("get-query", { method: "GET", invalidExample: { query: "limit=0" } }),
        fn("get-body", { method: "GET", invalidExample: { body: { x: 1 } } }),
        fn("post-body", { method: "POST", invalidExample: { body: { name: "" } } }),
        fn("post-query", { method: "POST", invalidExample: { query: "dry=maybe" } }),
        fn("post-both", { method: "POST", invalidExample: { query: "a=b", body: { name: "" } } }),
      ],
      new Set(),
    ).flatMap(([, r]) => (r.name.endsWith("invalid") ? [[r.fn, r.status, r.path]] : []));
    expect(rows).toEqual([
      ["get-query", 400, "/api/get-query?limit=0"],
      ["post-body", 422, "/api/post-body"],
    ]);
  });

  it("count only authorization refusals as a refusable row's other answer", () => {
    expect(isRefusal(403, '{"error":{"code":"forbidden","message":"…"}}')).toBe(true);
    expect(isRefusal(403, '{"clerk_error":{},"error":{"code":"reverification_required"}}')).toBe(true);
    expect(isRefusal(403, '{"error":{"code":"origin_not_allowed"}}')).toBe(false);
    expect(isRefusal(401, '{"error":{"code":"forbidden"}}')).toBe(false);
  });
});
