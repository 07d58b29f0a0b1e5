// The load test's rows for functions it has no hand-tuned rows for come from their declarations.
import { describe, expect, it } from "vitest";
import { loadFunctions } from "../../scripts/lib/functions.ts";
import { declaredRows } from "../../scripts/lib/load-rows.ts";

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
});
