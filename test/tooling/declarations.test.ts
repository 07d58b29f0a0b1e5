// A function's declaration as the tooling reads it: checked field by field with the file named, and cut
// down to what the boundary uses before bundling.
import { describe, expect, it } from "vitest";
import { checkDeclaration, DeclarationError, loadFunctions } from "../../scripts/lib/functions.ts";
import { stripTooling } from "../../scripts/lib/strip-tooling.ts";
import { defineFunction } from "../../shared/handler.ts";
import { json } from "../../shared/http.ts";

const valid = {
  summary: "Says hello.",
  method: "GET" as const,
  accepts: ["session_token" as const],
  response: { schema: { safeParse: () => ({ success: true }) } as never },
  handle: async () => json({}),
};

describe("checkDeclaration", () => {
  it("accepts every function of functions/", async () => {
    const functions = await loadFunctions();
    expect(functions.map((f) => f.name).length).toBeGreaterThan(0);
    for (const fn of functions) expect(fn.file).toBe(`functions/${fn.name}.ts`);
  });

  it.each([
    ["no summary", { summary: undefined }, /functions\/x\.ts: "summary"/],
    ["an unknown method", { method: "FETCH" }, /"method"/],
    ["an unknown token type", { accepts: ["session"] }, /"accepts\.0"/],
    ["no token type", { accepts: [] }, /"accepts" must list at least one token type/],
    [
      "a response that is not a schema",
      { response: { schema: {} } },
      /"response\.schema" must be a zod schema/,
    ],
    ["a negative budget", { budgetKiB: -1 }, /"budgetKiB"/],
  ])("%s fails naming the file and the field", (_label, change, message) => {
    const fn = defineFunction({ ...valid, ...change } as never);
    expect(() => checkDeclaration("functions/x.ts", fn)).toThrow(DeclarationError);
    expect(() => checkDeclaration("functions/x.ts", fn)).toThrow(message);
  });

  it("a body on a GET, and a default export that is not defineFunction, are refused", () => {
    const body = defineFunction({ ...valid, body: { schema: valid.response.schema } } as never);
    expect(() => checkDeclaration("functions/x.ts", body)).toThrow(/"body" needs method POST/);
    expect(() => checkDeclaration("functions/x.ts", { definition: {} })).toThrow(/must be defineFunction/);
    expect(() => checkDeclaration("functions/x.ts", undefined)).toThrow(/found undefined/);
  });
});

describe("stripTooling", () => {
  const source = `import * as z from "zod/mini";
import { defineFunction } from "../shared/handler.ts";
import { json } from "../shared/http.ts";
import { UserBody } from "../shared/user-schema.ts";
import { Limit, other } from "./limits.ts";

export default defineFunction({
  // What it answers.
  summary: "Rows.",
  method: "GET",
  accepts: ["session_token"],
  query: { limit: { schema: Limit } },
  response: { schema: UserBody, name: "UserBody" },
  example: { query: "limit=5" },
  budgetKiB: 480,
  async handle() {
    return json({ other: other(), n: z.string() });
  },
});
`;

  it("cuts the fields only the tooling reads, and the imports only they used", () => {
    const out = stripTooling(source);
    for (const gone of [
      "summary",
      "query",
      "response",
      "example",
      "budgetKiB",
      "UserBody",
      "Limit",
      "What it answers",
    ]) {
      expect(out).not.toContain(gone);
    }
    for (const kept of [
      'method: "GET"',
      'accepts: ["session_token"]',
      "async handle()",
      'import * as z from "zod/mini"',
    ]) {
      expect(out).toContain(kept);
    }
    expect(out).toContain('import { other } from "./limits.ts"');
  });

  it("leaves a file without defineFunction as it is", () => {
    expect(stripTooling("export const x = 1;\n")).toBe("export const x = 1;\n");
  });
});
