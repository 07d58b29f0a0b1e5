// The OpenAPI document's paths: each function's operations, read from its own declaration (method and the
// token types it accepts), with the error statuses it can answer.
import currentUser from "../../functions/current-user.ts";
import protectedFn from "../../functions/protected.ts";
import supabaseData, { Limit } from "../../functions/supabase-data.ts";
import updateUser from "../../functions/update-user.ts";
import type { TokenType } from "../../shared/auth/index.ts";
import type { DefinedFunction } from "../../shared/handler.ts";
import type { FunctionName } from "../lib/functions.ts";
import { ERROR_CODES, jsonSchema, ref } from "./schemas.ts";

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

/** Which codes each error status carries. */
const STATUS_CODES: Record<number, { description: string; codes: string[] }> = {
  400: { description: "Bad request", codes: ["invalid_query", "invalid_json", "bad_request"] },
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

const PREFLIGHT = {
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

const baseOf = (fn: FunctionName) => ({
  summary: SUMMARIES[fn],
  security: security(fn),
  "x-accepts-token-types": acceptedTokens(fn),
});
const successOf = (fn: FunctionName) => ({
  description: "Signed in",
  headers: COMMON_HEADERS,
  content: jsonContent(SUCCESS[fn]),
});

function postOperations(fn: FunctionName): Record<string, unknown> {
  const body = { schema: ref("schemas", "UpdateUserBody") };
  return {
    post: {
      ...baseOf(fn),
      operationId: "updateUser",
      description:
        "A signed-out browser is redirected (303) to SIGN_IN_URL; a client whose Accept is only " +
        "application/json gets 401. A 504 means the outcome is unknown: read current-user again.",
      requestBody: {
        required: true,
        content: { "application/json": body, "application/x-www-form-urlencoded": body },
      },
      responses: {
        200: successOf(fn),
        303: {
          description: "Signed out, from a browser: go sign in",
          headers: { ...COMMON_HEADERS, location: ref("headers", "Location") },
        },
        ...errorResponses(fn, true),
      },
    },
    options: PREFLIGHT,
  };
}

function getOperations(fn: FunctionName): Record<string, unknown> {
  const base = baseOf(fn);
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
    get: { ...base, operationId, parameters, responses: { 200: successOf(fn), ...errorResponses(fn, true) } },
    head: {
      ...base,
      operationId: `${operationId}Head`,
      parameters,
      responses: { 200: { description: "Signed in", headers: COMMON_HEADERS }, ...errorResponses(fn, false) },
    },
    options: PREFLIGHT,
  };
}

export const operations = (fn: FunctionName): Record<string, unknown> =>
  FUNCTIONS[fn].definition.method === "POST" ? postOperations(fn) : getOperations(fn);
