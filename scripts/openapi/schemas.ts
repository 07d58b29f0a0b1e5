// The OpenAPI document's components: JSON Schemas from the functions' zod schemas and from ErrorCode, and
// the response bodies the functions build, plus the headers the operations refer to.
import * as z from "zod/mini";
import { UpdateUserBody } from "../../functions/update-user.ts";
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

/** The `UpdateUserBody` refinement "at least one field" has no JSON Schema form of its own. */
function updateUserBodySchema(): JsonSchema {
  return { ...jsonSchema(UpdateUserBody), minProperties: 1 };
}

const header = (description: string, schema: JsonSchema, extra: Record<string, unknown> = {}) => ({
  description,
  schema,
  ...extra,
});

export function componentSchemas(): Record<string, JsonSchema> {
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

  return schemas;
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
