// The OpenAPI document's paths: each function's operations, read from its own declaration (summary,
// method, accepted token types, query, body and success schemas), with every error it can answer.
import type { TokenType } from "../../shared/auth/index.ts";
import type { Declaration } from "../../shared/handler.ts";
import type { LoadedFunction } from "../lib/functions.ts";
import { errorAnswers, STATUS_DESCRIPTIONS } from "./answers.ts";
import { bodySchema, jsonSchema, ref } from "./schemas.ts";

/** The token types a function declares it accepts (`api_key:user` is an API key, in the document). */
export const acceptedTokens = (d: Declaration): TokenType[] => [
  ...new Set(d.accepts.map((accept) => accept.split(":")[0] as TokenType)),
];

const COMMON_HEADERS = {
  "x-request-id": ref("headers", "RequestId"),
  "cache-control": ref("headers", "NoStore"),
};

function errorResponse(status: number, codes: string[], withBody: boolean): Record<string, unknown> {
  const headers: Record<string, unknown> = { ...COMMON_HEADERS };
  if (status === 401) headers["www-authenticate"] = ref("headers", "WwwAuthenticate");
  if (status === 503) headers["retry-after"] = ref("headers", "RetryAfter");
  const plain = codes.filter((c) => c !== "reverification_required");
  const envelope = {
    allOf: [
      ref("schemas", "ErrorEnvelope"),
      { properties: { error: { properties: { code: { enum: plain } } } } },
    ],
  };
  // A step-up 403 carries Clerk's own body beside the envelope.
  const schema =
    plain.length < codes.length ? { anyOf: [envelope, ref("schemas", "ReverificationEnvelope")] } : envelope;
  return {
    description: `${STATUS_DESCRIPTIONS[status] ?? "Error"}: ${codes.join(", ")}`,
    headers,
    ...(withBody ? { content: { "application/json": { schema } } } : {}),
  };
}

function errorResponses(d: Declaration, withBody: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [status, codes] of errorAnswers(d)) out[status] = errorResponse(status, codes, withBody);
  return out;
}

function security(d: Declaration) {
  // Machine tokens come only from the Authorization header, so the cookie is offered for session tokens.
  const accepts = acceptedTokens(d);
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

/** `update-user` → `updateUser`. */
const camel = (name: string) => name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

function parameters(d: Declaration) {
  if (!d.query) return undefined;
  const example = new URLSearchParams(d.example?.query ?? "");
  return Object.entries(d.query).map(([name, param]) => ({
    name,
    in: "query",
    required: false,
    schema: jsonSchema(param.schema),
    ...(param.description ? { description: param.description } : {}),
    ...(example.has(name) ? { example: example.get(name) } : {}),
  }));
}

function successResponse(fn: LoadedFunction, withBody: boolean) {
  return {
    description: "Signed in",
    headers: COMMON_HEADERS,
    ...(withBody
      ? { content: { "application/json": { schema: ref("schemas", responseSchemaName(fn)) } } }
      : {}),
  };
}

/** `update-user` → `UpdateUser`. */
function pascal(name: string): string {
  const c = camel(name);
  return `${c[0]!.toUpperCase()}${c.slice(1)}`;
}

/** The success body's component name: the declared one, else the function's (`CurrentUserResponse`). */
export const responseSchemaName = (fn: LoadedFunction) =>
  fn.definition.response.name ?? `${pascal(fn.name)}Response`;

/** The request body's component name (`UpdateUserBody`). */
export const bodySchemaName = (fn: LoadedFunction) => `${pascal(fn.name)}Body`;

export function operations(fn: LoadedFunction): Record<string, unknown> {
  const d = fn.definition;
  const operationId = camel(fn.name);
  const base = {
    summary: d.summary,
    ...(d.description ? { description: d.description } : {}),
    security: security(d),
    "x-accepts-token-types": acceptedTokens(d),
    ...(d.requires ? { "x-clerk-requires": d.requires } : {}),
  };
  const signedOutRedirect =
    d.signedOut === "redirect"
      ? {
          303: {
            description: "Signed out, from a browser: go sign in",
            headers: { ...COMMON_HEADERS, location: ref("headers", "Location") },
          },
        }
      : {};
  const responses = (withBody: boolean) => ({
    200: successResponse(fn, withBody),
    ...signedOutRedirect,
    ...errorResponses(d, withBody),
  });
  if (d.method === "GET") {
    return {
      get: { ...base, operationId, parameters: parameters(d), responses: responses(true) },
      head: {
        ...base,
        operationId: `${operationId}Head`,
        parameters: parameters(d),
        responses: responses(false),
      },
      options: PREFLIGHT,
    };
  }
  const body = d.body
    ? { schema: ref("schemas", bodySchemaName(fn)), ...(d.example?.body ? { example: d.example.body } : {}) }
    : undefined;
  return {
    [d.method.toLowerCase()]: {
      ...base,
      operationId,
      parameters: parameters(d),
      ...(body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": body, "application/x-www-form-urlencoded": body },
            },
          }
        : {}),
      responses: responses(true),
    },
    options: PREFLIGHT,
  };
}

/** The component schemas the functions' declarations bring: each success body and each request body. */
export function declaredSchemas(functions: LoadedFunction[]): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  const owners = new Map<string, { fn: string; schema: unknown }>();
  const put = (name: string, fn: LoadedFunction, schema: unknown, json: () => unknown) => {
    const owner = owners.get(name);
    if (owner && owner.schema !== schema) {
      throw new Error(
        `${fn.file}: the schema name "${name}" is also used by functions/${owner.fn}.ts for another schema`,
      );
    }
    owners.set(name, { fn: fn.name, schema });
    schemas[name] = json();
  };
  for (const fn of functions) {
    const { response, body } = fn.definition;
    put(responseSchemaName(fn), fn, response.schema, () => jsonSchema(response.schema));
    if (body) put(bodySchemaName(fn), fn, body.schema, () => bodySchema(body.schema));
  }
  return schemas;
}
