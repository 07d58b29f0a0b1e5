// The load test's rows come from the functions' declarations: no function is named in the load scripts.
import { describe, expect, it } from "vitest";
import type { LoadedFunction } from "../../scripts/lib/functions.ts";
import { loadFunctions } from "../../scripts/lib/functions.ts";
import { isRefusal, loadRows } from "../../scripts/lib/load-rows.ts";
import type { Declaration } from "../../shared/handler.ts";

const functions = await loadFunctions();
const rowsOf = (fn: string) => loadRows(functions).flatMap(([, row]) => (row.fn === fn ? [row] : []));

describe("load rows", () => {
  it("cover every function of functions/", () => {
    expect(new Set(loadRows(functions).map(([, row]) => row.fn))).toEqual(
      new Set(functions.map((f) => f.name)),
    );
  });

  it("a GET with an example: forged and signed out → 401, signed in as a member → 200 or a refusal", () => {
    expect(rowsOf("organization").map((r) => [r.name, r.token, r.status, r.refusable, r.upstream])).toEqual([
      ["organization forged", "forged", 401, false, false],
      ["organization signed out", "none", 401, false, false],
      ["organization signed in", "member", 200, true, true],
    ]);
    for (const row of rowsOf("organization")) {
      expect(row).toMatchObject({ method: "GET", path: "/api/organization" });
      expect(row.headers.accept).toBe("application/json");
    }
  });

  it("a POST that requires more than sign-in sends its invalid example, never a write", () => {
    const rows = rowsOf("update-organization");
    expect(rows.map((r) => [r.name, r.status, r.write])).toEqual([
      ["update-organization forged", 401, false],
      ["update-organization signed out", 401, false],
      ["update-organization signed out (browser)", 303, false],
      ["update-organization invalid", 422, false],
    ]);
    expect(rows.at(-1)).toMatchObject({ method: "POST", token: "member", body: '{"name":""}' });
  });

  it("a POST that requires only sign-in writes its example; a browser signed out is redirected", () => {
    const rows = rowsOf("update-user");
    expect(rows.map((r) => [r.name, r.status, r.write, r.upstream, r.clerkFree])).toEqual([
      ["update-user forged", 401, false, false, true],
      ["update-user signed out", 401, false, false, true],
      ["update-user signed out (browser)", 303, false, false, true],
      ["update-user write", 200, true, true, false],
      ["update-user invalid", 422, false, false, true],
    ]);
    expect(rows[1]!.headers.accept).toBe("application/json");
    expect(rows[2]!.headers.accept).toBe("text/html");
  });

  it("a function whose warm requests need no Clerk call may still answer 200 while Clerk is silent", () => {
    const signedIn = rowsOf("supabase-data").find((r) => r.token === "member" && r.status === 200)!;
    expect([signedIn.path, signedIn.upstream, signedIn.clerkFree]).toEqual([
      "/api/supabase-data?limit=5",
      true,
      true,
    ]);
    expect(rowsOf("protected").find((r) => r.status === 200)!.upstream).toBe(false);
  });

  it("send an invalid example only when its status is known: a GET's query, another method's body", () => {
    const fn = (name: string, d: Partial<Declaration>) =>
      ({
        name,
        file: `functions/${name}.ts`,
        definition: { accepts: ["session_token"], ...d },
      }) as LoadedFunction;
    const rows = loadRows([
      fn("get-query", { method: "GET", invalidExample: { query: "limit=0" } }),
      fn("get-body", { method: "GET", invalidExample: { body: { x: 1 } } }),
      fn("post-body", { method: "POST", invalidExample: { body: { name: "" } } }),
      fn("post-query", { method: "POST", invalidExample: { query: "dry=maybe" } }),
      fn("post-both", { method: "POST", invalidExample: { query: "a=b", body: { name: "" } } }),
    ]).flatMap(([, r]) => (r.name.endsWith("invalid") ? [[r.fn, r.status, r.path]] : []));
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
