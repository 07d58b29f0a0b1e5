// The API described: an OpenAPI 3.1 document generated from the zod schemas the functions validate with
// (zod 4's JSON Schema output is draft 2020-12, the dialect OpenAPI 3.1 uses) and from ErrorCode, so it
// cannot say something the functions do not do. The behaviour suite validates every response against it.
//   node scripts/openapi.ts            (prints it; `npm run build` writes dist/openapi.json)
import * as z from "zod/mini";
import currentUser from "../functions/current-user.ts";
import protectedFn from "../functions/protected.ts";
import supabaseData, { Limit } from "../functions/supabase-data.ts";
import updateUser, { UpdateUserBody } from "../functions/update-user.ts";
import type { TokenType } from "../shared/auth/index.ts";
import { ErrorCode } from "../shared/errors.ts";
import type { DefinedFunction } from "../shared/handler.ts";
import { FUNCTION_NAMES, type FunctionName } from "./lib/functions.ts";

type JsonSchema = Record<string, unknown>;

const FUNCTIONS: Record<FunctionName, DefinedFunction> = {
  protected: protectedFn,
  "supabase-data": supabaseData,
  "current-user": currentUser,
  "update-user": updateUser,
};

/** The token types a function declares it accepts (`api_key:user` is an API key, in the document). */
const acceptedTokens = (fn: FunctionName): TokenType[] => [
  ...new Set(FUNCTIONS[fn].definition.accepts.map((accept) => accept.split(":")[0] as TokenType)),
];

const SUMMARIES: Record<FunctionName, string> = {
  protected: "Hello World for a signed-in caller (Clerk's 'Protecting route handlers').",
  "supabase-data": "The caller's rows of DATA_TABLE, read from Supabase under Row Level Security.",
  "current-user": "The signed-in user as @clerk/backend's User exposes it, without privateMetadata.",
  "update-user": "Sets the signed-in user's first and/or last name through Clerk's Backend API.",
};

/** zod → JSON Schema for embedding: the request side of transforms, no per-schema `$schema`. */
function jsonSchema(schema: z.ZodMiniType): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
}

// Response bodies. The functions build these rather than parse them, so the schemas live here.
const User = z.looseObject({
  id: z.string(),
  firstName: z.nullable(z.string()),
  lastName: z.nullable(z.string()),
  username: z.nullable(z.string()),
  imageUrl: z.string(),
  hasImage: z.boolean(),
  primaryEmailAddressId: z.nullable(z.string()),
  emailAddresses: z.array(z.looseObject({ id: z.string(), emailAddress: z.string() })),
  phoneNumbers: z.array(z.unknown()),
  publicMetadata: z.record(z.string(), z.unknown()),
  unsafeMetadata: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
  updatedAt: z.number(),
  lastSignInAt: z.nullable(z.number()),
});
const bodies = {
  Hello: z.strictObject({ data: z.strictObject({ message: z.literal("Hello World") }) }),
  Rows: z.strictObject({ data: z.array(z.record(z.string(), z.unknown())) }),
  UserBody: z.strictObject({ user: User }),
};

const ERROR_CODES = Object.values(ErrorCode) as string[];
const ErrorEnvelope = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES as [string, ...string[]]),
    message: z.string(),
    requestId: z.string(),
    issues: z.optional(z.array(z.strictObject({ path: z.array(z.string()), message: z.string() }))),
    upstreamCode: z.optional(z.string()),
  }),
});

/** Which codes each error status carries. */
const STATUS_CODES: Record<number, { description: string; codes: string[] }> = {
  400: { description: "Bad request", codes: ["invalid_query", "invalid_json"] },
  401: { description: "Signed out, or the token was rejected", codes: ["unauthorized"] },
  403: { description: "A cookie-authenticated write from a foreign origin", codes: ["forbidden"] },
  405: { description: "Method not allowed (see Allow)", codes: ["method_not_allowed"] },
  408: { description: "The request body did not arrive in time", codes: ["request_timeout"] },
  413: { description: "Body over 16 KiB", codes: ["payload_too_large"] },
  415: { description: "Content type other than JSON or a form", codes: ["unsupported_media_type"] },
  422: { description: "The body failed validation (see issues)", codes: ["validation_failed"] },
  500: { description: "Misconfigured or failed", codes: ["server_misconfigured", "internal_error"] },
  502: {
    description: "Clerk or Supabase failed or was unreachable",
    codes: ["upstream_error", "upstream_unavailable"],
  },
  503: {
    description: "Clerk or Supabase is rate-limiting (see Retry-After)",
    codes: ["upstream_unavailable"],
  },
  504: { description: "No upstream answer within UPSTREAM_TIMEOUT_MS", codes: ["upstream_timeout"] },
};

const UPSTREAM_STATUSES = [500, 502, 503, 504];
function errorStatuses(fn: FunctionName): number[] {
  if (fn === "update-user") return [400, 401, 403, 408, 413, 415, 422, ...UPSTREAM_STATUSES];
  if (fn === "supabase-data") return [400, 401, ...UPSTREAM_STATUSES];
  return [401, ...UPSTREAM_STATUSES];
}

const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });
const COMMON_HEADERS = {
  "x-request-id": ref("headers", "RequestId"),
  "cache-control": ref("headers", "NoStore"),
};

/** An error status, or undefined when none of its codes exists (yet): the document lists what can happen. */
function errorResponse(status: number, withBody: boolean): Record<string, unknown> | undefined {
  const entry = STATUS_CODES[status]!;
  const codes = entry.codes.filter((c) => ERROR_CODES.includes(c));
  if (codes.length === 0) return undefined;
  const headers: Record<string, unknown> = { ...COMMON_HEADERS };
  if (status === 401) headers["www-authenticate"] = ref("headers", "WwwAuthenticate");
  if (status === 503) headers["retry-after"] = ref("headers", "RetryAfter");
  const schema = {
    allOf: [
      ref("schemas", "ErrorEnvelope"),
      { properties: { error: { properties: { code: { enum: codes } } } } },
    ],
  };
  return {
    description: `${entry.description}: ${codes.join(", ")}`,
    headers,
    ...(withBody ? { content: { "application/json": { schema } } } : {}),
  };
}

function errorResponses(fn: FunctionName, withBody: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const status of errorStatuses(fn)) {
    const response = errorResponse(status, withBody);
    if (response) out[status] = response;
  }
  return out;
}

const jsonContent = (schemaName: string) => ({ "application/json": { schema: ref("schemas", schemaName) } });
const SUCCESS: Record<FunctionName, string> = {
  protected: "Hello",
  "supabase-data": "Rows",
  "current-user": "UserBody",
  "update-user": "UserBody",
};

function security(fn: FunctionName) {
  // Machine tokens come only from the Authorization header, so the cookie is offered for session tokens.
  const accepts = acceptedTokens(fn);
  return [...(accepts.includes("session_token") ? [{ sessionCookie: [] }] : []), { bearer: [] }];
}

function operations(fn: FunctionName): Record<string, unknown> {
  const accepts = acceptedTokens(fn);
  const base = {
    summary: SUMMARIES[fn],
    security: security(fn),
    "x-accepts-token-types": accepts,
  };
  const options = {
    summary: "CORS preflight",
    description: "204; with CORS headers only when Origin is an allowed origin.",
    security: [],
    responses: {
      204: {
        description: "Preflight answer",
        headers: {
          ...COMMON_HEADERS,
          "access-control-allow-origin": ref("headers", "AllowOrigin"),
          "access-control-allow-methods": ref("headers", "AllowMethods"),
          "access-control-allow-headers": ref("headers", "AllowHeaders"),
          "access-control-max-age": ref("headers", "MaxAge"),
        },
      },
    },
  };
  const success = { description: "Signed in", headers: COMMON_HEADERS, content: jsonContent(SUCCESS[fn]) };

  if (FUNCTIONS[fn].definition.method === "POST") {
    const body = { schema: ref("schemas", "UpdateUserBody") };
    return {
      post: {
        ...base,
        operationId: "updateUser",
        description:
          "A signed-out browser is redirected (303) to SIGN_IN_URL; a client whose Accept is only " +
          "application/json gets 401. A 504 means the outcome is unknown: read current-user again.",
        requestBody: {
          required: true,
          content: { "application/json": body, "application/x-www-form-urlencoded": body },
        },
        responses: {
          200: success,
          303: {
            description: "Signed out, from a browser: go sign in",
            headers: { ...COMMON_HEADERS, location: ref("headers", "Location") },
          },
          ...errorResponses(fn, true),
        },
      },
      options,
    };
  }
  const parameters =
    fn === "supabase-data"
      ? [
          {
            name: "limit",
            in: "query",
            required: false,
            schema: jsonSchema(Limit),
            description: "Rows to return",
          },
        ]
      : undefined;
  const operationId = fn.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
  return {
    get: { ...base, operationId, parameters, responses: { 200: success, ...errorResponses(fn, true) } },
    head: {
      ...base,
      operationId: `${operationId}Head`,
      parameters,
      responses: { 200: { description: "Signed in", headers: COMMON_HEADERS }, ...errorResponses(fn, false) },
    },
    options,
  };
}

/** The `UpdateUserBody` refinement "at least one field" has no JSON Schema form of its own. */
function updateUserBodySchema(): JsonSchema {
  return { ...jsonSchema(UpdateUserBody), minProperties: 1 };
}

const header = (description: string, schema: JsonSchema, extra: Record<string, unknown> = {}) => ({
  description,
  schema,
  ...extra,
});

export function openApiDocument(): Record<string, unknown> {
  const schemas: Record<string, JsonSchema> = {
    ErrorEnvelope: jsonSchema(ErrorEnvelope),
    UpdateUserBody: updateUserBodySchema(),
    User: {
      ...jsonSchema(User),
      not: { anyOf: [{ required: ["privateMetadata"] }, { required: ["_raw"] }] },
    },
  };
  for (const [name, schema] of Object.entries(bodies)) schemas[name] = jsonSchema(schema);
  // Each body's user points at the one User schema.
  (schemas.UserBody!.properties as Record<string, unknown>).user = ref("schemas", "User");

  return {
    openapi: "3.1.0",
    info: {
      title: "Clerk-protected functions",
      version: "0.1.0",
      description:
        "Four Web-standard functions for Netlify Functions (paths below) and Supabase Edge Functions " +
        "(/functions/v1/<name>). Every function also answers OPTIONS, HEAD where GET is allowed, and " +
        "405 method_not_allowed with an Allow header for any other method. Errors are always " +
        '{"error":{"code","message","requestId"}} with a stable code.',
    },
    servers: [{ url: "/", description: "This deployment (Netlify paths)" }],
    paths: Object.fromEntries(FUNCTION_NAMES.map((fn) => [`/api/${fn}`, operations(fn)])),
    components: {
      schemas,
      securitySchemes: {
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "__session",
          description: "Clerk's session cookie, set by Clerk's front end (session tokens only).",
        },
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "A Clerk session token, or where a function accepts them (x-accepts-token-types) an M2M token, " +
            "API key or OAuth access token. Machine tokens are accepted only here, never from the cookie.",
        },
      },
      headers: {
        RequestId: header(
          "The caller's x-request-id when sane, else a generated one",
          { type: "string" },
          {
            required: true,
          },
        ),
        NoStore: header("Authenticated answers are never cached", { const: "no-store" }, { required: true }),
        WwwAuthenticate: header(
          'Bearer realm="api", with error="invalid_token" when a token was rejected',
          {
            type: "string",
          },
          { required: true },
        ),
        RetryAfter: header("Seconds, from the upstream's own Retry-After", { type: "string" }),
        Location: header(
          "SIGN_IN_URL resolved against the request's origin",
          { type: "string" },
          {
            required: true,
          },
        ),
        AllowOrigin: header("The request's Origin when allowed", { type: "string" }),
        AllowMethods: header("Methods the function answers", { type: "string" }),
        AllowHeaders: header("authorization, content-type, x-client-info, apikey, x-request-id", {
          type: "string",
        }),
        MaxAge: header("Seconds a preflight may be cached", { type: "string" }),
      },
    },
  };
}

if (import.meta.main) console.log(JSON.stringify(openApiDocument(), null, 2));
