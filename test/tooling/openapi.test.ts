// The generated OpenAPI document: valid OpenAPI 3.1, built from the functions' own schemas and codes,
// written by the build and served by npm start; and the response validator the behaviour suite uses
// really refuses what the document does not say.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { Limit } from "../../functions/supabase-data.ts";
import { UpdateUserBody } from "../../functions/update-user.ts";
import { FUNCTION_NAMES } from "../../scripts/lib/functions.ts";
import { openApiDocument } from "../../scripts/openapi.ts";
import { tryItSite } from "../../scripts/try-it.ts";
import { ErrorCode } from "../../shared/errors.ts";
import type { DefinedFunction } from "../../shared/handler.ts";
import { expectDocumented } from "../support/openapi.ts";

type Doc = {
  paths: Record<
    string,
    Record<string, { parameters?: { name: string; schema: unknown }[]; security?: unknown[] }>
  >;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }>; securitySchemes: object };
};
const doc = openApiDocument() as Doc;
const root = resolve(import.meta.dirname, "../..");

describe("openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("lists the four functions with their methods", () => {
    const methods = Object.fromEntries(
      Object.entries(doc.paths).map(([path, item]) => [path, Object.keys(item)]),
    );
    expect(methods).toEqual({
      "/api/protected": ["get", "head", "options"],
      "/api/supabase-data": ["get", "head", "options"],
      "/api/current-user": ["get", "head", "options"],
      "/api/update-user": ["post", "options"],
    });
  });

  it("takes the limit and body schemas from the functions and the codes from ErrorCode", () => {
    const limit = doc.paths["/api/supabase-data"]!.get!.parameters!.find((p) => p.name === "limit");
    expect(limit?.schema).toEqual({ default: 50, type: "integer", minimum: 1, maximum: 100 });
    const { $schema: _, ...limitSchema } = z.toJSONSchema(Limit, { io: "input" }) as Record<string, unknown>;
    expect(limit?.schema).toEqual(limitSchema);
    const body = z.toJSONSchema(UpdateUserBody, { io: "input", unrepresentable: "any" }) as {
      properties: unknown;
    };
    expect(doc.components.schemas.UpdateUserBody!.properties).toEqual(body.properties);
    const error = doc.components.schemas.ErrorEnvelope!.properties!.error as {
      properties: { code: { enum: string[] } };
    };
    expect(error.properties.code.enum).toEqual(Object.values(ErrorCode));
  });

  it("offers the session cookie only where session tokens are accepted, Bearer everywhere", () => {
    expect(Object.keys(doc.components.securitySchemes)).toEqual(["sessionCookie", "bearer"]);
    const get = (path: string, method: string) => doc.paths[path]![method] as Record<string, unknown>;
    expect(get("/api/update-user", "post")["x-accepts-token-types"]).toEqual(["session_token"]);
    expect(get("/api/supabase-data", "get")["x-accepts-token-types"]).toEqual(["session_token"]);
    expect(get("/api/protected", "get")["x-accepts-token-types"]).toContain("m2m_token");
    expect(get("/api/protected", "get").security).toEqual([{ sessionCookie: [] }, { bearer: [] }]);
  });

  it("reads each function's accepted token types and method from its own declaration", async () => {
    for (const fn of FUNCTION_NAMES) {
      const { definition } = (await import(`../../functions/${fn}.ts`)).default as DefinedFunction;
      const types = [...new Set(definition.accepts.map((a) => a.split(":")[0]))];
      const op = doc.paths[`/api/${fn}`]![definition.method.toLowerCase()] as Record<string, unknown>;
      expect(op["x-accepts-token-types"]).toEqual(types);
    }
  });

  it("is what the build wrote (dist/ and the published public/) and what npm start serves", async () => {
    // The vitest global setup ran the build.
    for (const file of ["dist/openapi.json", "public/openapi.json"]) {
      expect(JSON.parse(readFileSync(resolve(root, file), "utf8"))).toEqual(doc);
    }
    const res = await tryItSite({ kind: "real" })(new Request("http://localhost:8888/openapi.json"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(doc);
  });
});

describe("the response validator", () => {
  const envelope = (code: string) =>
    Response.json(
      { error: { code, message: "m", requestId: "req-12345678" } },
      {
        status: 401,
        headers: {
          "x-request-id": "req-12345678",
          "cache-control": "no-store",
          "www-authenticate": "Bearer",
        },
      },
    );

  it("passes a documented answer", async () => {
    await expect(expectDocumented("protected", "GET", envelope("unauthorized"))).resolves.toBeInstanceOf(
      Response,
    );
  });

  it("refuses an undocumented status, a body off the schema, a missing header or a wrong 405", async () => {
    const headers = { "x-request-id": "req-12345678", "cache-control": "no-store" };
    await expect(
      expectDocumented("protected", "GET", new Response(null, { status: 418, headers })),
    ).rejects.toThrow(/status not documented/);
    await expect(expectDocumented("protected", "GET", envelope("not_a_code"))).rejects.toThrow(
      /does not match/,
    );
    await expect(
      expectDocumented("protected", "GET", Response.json({ data: { message: "Hi" } }, { headers })),
    ).rejects.toThrow(/does not match/);
    await expect(
      expectDocumented("protected", "GET", Response.json({ data: { message: "Hello World" } })),
    ).rejects.toThrow(/missing header x-request-id/);
    await expect(
      expectDocumented("protected", "DELETE", new Response(null, { status: 204, headers })),
    ).rejects.toThrow(/must be answered 405/);
    const user = { id: "user_1", privateMetadata: { secret: 1 } };
    await expect(
      expectDocumented("current-user", "GET", Response.json({ user }, { headers })),
    ).rejects.toThrow(/does not match/);
  });
});
