// The OpenAPI document's components: JSON Schemas from zod schemas and from ErrorCode, and the headers the
// operations refer to.
import * as z from "zod/mini";
import { ErrorCode } from "../../shared/errors.ts";

export type JsonSchema = Record<string, unknown>;

export const ref = (kind: string, name: string) => ({ $ref: `#/components/${kind}/${name}` });

/** zod → JSON Schema for embedding: the request side of transforms, no per-schema `$schema`. */
export function jsonSchema(schema: z.ZodMiniType): JsonSchema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
}

export const ERROR_CODES = Object.values(ErrorCode) as string[];
const ErrorEnvelope = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES as [string, ...string[]]),
    message: z.string(),
    requestId: z.string(),
    issues: z.optional(z.array(z.strictObject({ path: z.array(z.string()), message: z.string() }))),
    upstreamCode: z.optional(z.string()),
  }),
});

/** Clerk's step-up answer (`reverificationError`) with our envelope beside it. */
const ReverificationEnvelope = z.strictObject({
  clerk_error: z.strictObject({
    type: z.literal("forbidden"),
    reason: z.literal("reverification-error"),
    metadata: z.looseObject({ reverification: z.unknown() }),
  }),
  error: z.strictObject({
    code: z.literal(ErrorCode.ReverificationRequired),
    message: z.string(),
    requestId: z.string(),
  }),
});

/** A request body: what the client sends (zod's input side). */
export const bodySchema = (schema: z.ZodMiniType) => jsonSchema(schema);

const header = (description: string, schema: JsonSchema, extra: Record<string, unknown> = {}) => ({
  description,
  schema,
  ...extra,
});

/** The components every document has; the functions' own bodies come from their declarations. */
export function componentSchemas(): Record<string, JsonSchema> {
  return {
    ErrorEnvelope: jsonSchema(ErrorEnvelope),
    ReverificationEnvelope: jsonSchema(ReverificationEnvelope),
  };
}

/** The headers responses refer to by `ref("headers", …)`. */
export const HEADERS = {
  RequestId: header(
    "The caller's x-request-id when sane, else a generated one",
    { type: "string" },
    { required: true },
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
};
