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
import { FUNCTION_NAMES, loadFunctions } from "../../scripts/lib/functions.ts";
import { loadOpenApiDocument } from "../../scripts/openapi.ts";
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
const doc = (await loadOpenApiDocument()) as Doc;
const root = resolve(import.meta.dirname, "../..");

describe("openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as Record<string, unknown>);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("lists every function of functions/ with its declared method", async () => {
    const methods = Object.fromEntries(
      Object.entries(doc.paths).map(([path, item]) => [path, Object.keys(item)]),
    );
    const expected = Object.fromEntries(
      (await loadFunctions()).map((fn) => [
        `/api/${fn.name}`,
        fn.definition.method === "GET" ? ["get", "head", "options"] : ["post", "options"],
      ]),
    );
    expect(Object.keys(methods).sort()).toEqual([...FUNCTION_NAMES].map((fn) => `/api/${fn}`).sort());
    expect(methods).toEqual(expected);
    expect(methods["/api/update-user"]).toEqual(["post", "options"]);
  });

  it("documents each status with the codes that can answer it, no more", () => {
    const codes = (path: string, method: string, status: number) => {
      const op = doc.paths[path]![method] as unknown as { responses: Record<string, unknown> };
      const response = op.responses[String(status)] as
        | { content: { "application/json": { schema: { allOf: { properties?: unknown }[] } } } }
        | undefined;
      const part = response?.content["application/json"].schema.allOf[1] as
        | { properties: { error: { properties: { code: { enum: string[] } } } } }
        | undefined;
      return part?.properties.error.properties.code.enum;
    };
    // A form body whose percent-decoding is not UTF-8 is bad_request; update-user reads no query.
    expect(codes("/api/update-user", "post", 400)).toEqual(["bad_request", "invalid_json"]);
    // A malformed Host or URL is a 400 on every function.
    expect(codes("/api/protected", "get", 400)).toEqual(["bad_request"]);
    expect(codes("/api/supabase-data", "get", 400)).toEqual(["bad_request", "invalid_query"]);
    expect(codes("/api/protected", "get", 403)).toBeUndefined();
    expect(codes("/api/update-user", "post", 403)).toEqual(["forbidden"]);
    expect(codes("/api/protected", "get", 502)).toEqual(["upstream_error", "upstream_unavailable"]);
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
    expect(doc.components.schemas.UpdateUserBody).toMatchObject({ minProperties: 1 });
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
      expect(
        (doc.paths[`/api/${fn}`]![definition.method.toLowerCase()] as { summary?: string }).summary,
      ).toBe(definition.summary);
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

describe("authorization in the document", () => {
  it("lists each function's requirement and both 403 bodies where re-verifying can be asked", async () => {
    const op = doc.paths["/api/update-organization"]!.post as unknown as Record<string, unknown>;
    expect(op["x-clerk-requires"]).toEqual({ permission: "org:settings:manage", reverification: "strict" });
    const headers = { "x-request-id": "req-12345678", "cache-control": "no-store" };
    const stepUp = {
      clerk_error: {
        type: "forbidden",
        reason: "reverification-error",
        metadata: { reverification: "strict" },
      },
      error: { code: "reverification_required", message: "m", requestId: "req-12345678" },
    };
    const forbidden = { error: { code: "forbidden", message: "m", requestId: "req-12345678" } };
    for (const body of [stepUp, forbidden]) {
      await expectDocumented("update-organization", "POST", Response.json(body, { status: 403, headers }));
    }
    const broken = { ...stepUp, clerk_error: { ...stepUp.clerk_error, reason: "other" } };
    await expect(
      expectDocumented("update-organization", "POST", Response.json(broken, { status: 403, headers })),
    ).rejects.toThrow(/does not match/);
    // Where nothing asks for re-verification, only the plain envelope is documented.
    await expect(
      expectDocumented("organization", "GET", Response.json(stepUp, { status: 403, headers })),
    ).rejects.toThrow(/does not match/);
    expect(
      (doc.paths["/api/protected"]!.get as unknown as Record<string, unknown>)["x-clerk-requires"],
    ).toBeUndefined();
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
