// The functions are the files of functions/: `functions/<name>.ts` default-exporting defineFunction({...}) is
// the function <name>, as Netlify and Supabase find functions by their folder. Build, local servers, the
// OpenAPI document, the try-it page, the smoke CLI, the bench and the test hosts all read this one list.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as z from "zod/mini";
import { TokenType } from "../../shared/auth/tokens.ts";
import type { Declaration, DefinedFunction } from "../../shared/handler.ts";
import { ROOT } from "./paths.ts";

export const FUNCTIONS_DIR = join(ROOT, "functions");
/** A name that is a path segment everywhere: Netlify's /api/<name>, Supabase's folder, a URL. */
const NAME = /^[a-z][a-z0-9-]*$/;

/** Every `<name>.ts` in functions/ (helpers there start with `_`), sorted: the same order everywhere. */
export function functionNamesIn(dir: string = FUNCTIONS_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith(".ts") && !file.startsWith("_") && !file.endsWith(".d.ts"))
    .map((file) => file.slice(0, -".ts".length))
    .sort();
}

export const FUNCTION_NAMES: readonly string[] = functionNamesIn();
export type FunctionName = string;

export const isFunctionName = (name: string): boolean => FUNCTION_NAMES.includes(name);

/** Each function's URL (of `names`: the project's unless told), as `urlOf` places it on a host. */
export function functionUrls(
  urlOf: (fn: string, index: number) => string,
  names: readonly string[] = FUNCTION_NAMES,
): Record<string, string> {
  return Object.fromEntries(names.map((fn, i) => [fn, urlOf(fn, i)]));
}

export interface LoadedFunction {
  name: string;
  /** The source file, relative to the repository. */
  file: string;
  definition: Declaration;
  handler: DefinedFunction;
}

const isZod = (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  typeof (value as { safeParse?: unknown }).safeParse === "function";
const ZodSchema = z.custom<unknown>(isZod, { error: "must be a zod schema" });
const str = (what = "must be a string") => z.string({ error: what });
const optional = <T extends z.ZodMiniType>(schema: T) => z.optional(schema);
const ACCEPTS = [
  ...Object.values(TokenType),
  "m2m_token:user",
  "api_key:user",
  "oauth_token:user",
  "api_key:org",
];
const Accept = z.enum(ACCEPTS as [string, ...string[]], { error: `must be one of ${ACCEPTS.join(", ")}` });
const ExampleShape = z.strictObject(
  { query: optional(str()), body: optional(z.record(z.string(), z.unknown())) },
  { error: "must be { query?, body? }" },
);
const count = z.int({ error: "must be a whole number" }).check(z.minimum(0, { error: "must be 0 or more" }));

// zod/mini, as in the functions: zod's full build would load its English messages into the process
// (zod keeps its configuration on globalThis), changing what every function answers in tests.
/** What the tooling relies on; a mistake fails the build naming the file and the field. */
const DeclarationShape = z.looseObject({
  summary: str("must be a non-empty string").check(
    z.trim(),
    z.minLength(1, { error: "must be a non-empty string" }),
  ),
  description: optional(str()),
  method: z.enum(["GET", "POST"], { error: 'must be "GET" or "POST"' }),
  accepts: z.array(Accept).check(z.minLength(1, { error: "must list at least one token type" })),
  // Checked where it is declared (shared/auth/authorization.ts), so a mistake fails at import.
  requires: optional(z.record(z.string(), z.unknown())),
  query: optional(
    z.record(z.string(), z.strictObject({ schema: ZodSchema, description: optional(str()) }), {
      error: "must be { <param>: { schema, description? } }",
    }),
  ),
  body: optional(
    z.strictObject(
      {
        schema: ZodSchema,
        maxBytes: optional(z.int().check(z.positive({ error: "must be a positive number" }))),
      },
      { error: "must be { schema, maxBytes? }" },
    ),
  ),
  response: z.strictObject(
    {
      schema: ZodSchema,
      name: optional(str().check(z.regex(/^[A-Z]\w*$/, { error: "must be a PascalCase schema name" }))),
    },
    { error: "must be { schema, name? }" },
  ),
  signedOut: optional(z.literal("redirect", { error: 'must be "redirect"' })),
  example: optional(ExampleShape),
  invalidExample: optional(ExampleShape),
  upstream: optional(z.strictObject({ clerk: optional(count), supabase: optional(count) })),
  budgetKiB: optional(
    z.number({ error: "must be a number" }).check(z.positive({ error: "must be a positive number" })),
  ),
});

export class DeclarationError extends Error {
  override name = "DeclarationError";
}

function fieldOf(path: PropertyKey[]): string {
  return path.length === 0 ? "the declaration" : `"${path.map(String).join(".")}"`;
}

/** Checks one module's default export; throws a DeclarationError naming the file and the field. */
export function checkDeclaration(file: string, exported: unknown): Declaration {
  const definition = (exported as { definition?: unknown } | undefined)?.definition;
  if (typeof exported !== "function" || definition === undefined) {
    throw new DeclarationError(
      `${file}: the default export must be defineFunction({...}) (from shared/handler.ts); found ${typeof exported}`,
    );
  }
  const result = DeclarationShape.safeParse(definition);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${fieldOf(i.path)} ${i.message}`);
    throw new DeclarationError(`${file}: ${problems.join("; ")}`);
  }
  const d = definition as Declaration;
  if (d.body && d.method === "GET") throw new DeclarationError(`${file}: "body" needs method POST`);
  if (d.signedOut && !d.accepts.includes("session_token")) {
    throw new DeclarationError(`${file}: "signedOut" redirects people, so "accepts" must list session_token`);
  }
  return d;
}

/** Imports and checks every function (all problems at once, then one error). */
export async function loadFunctions(dir: string = FUNCTIONS_DIR): Promise<LoadedFunction[]> {
  const problems: string[] = [];
  const loaded: LoadedFunction[] = [];
  for (const name of functionNamesIn(dir)) {
    const file = relative(ROOT, join(dir, `${name}.ts`)) || `${name}.ts`;
    if (!NAME.test(name)) {
      problems.push(`${file}: a function's file name must be lower-case letters, digits and dashes`);
      continue;
    }
    try {
      const mod = (await import(pathToFileURL(join(dir, `${name}.ts`)).href)) as { default?: unknown };
      const definition = checkDeclaration(file, mod.default);
      loaded.push({ name, file, definition, handler: mod.default as DefinedFunction });
    } catch (err) {
      problems.push(err instanceof DeclarationError ? err.message : `${file}: ${(err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new DeclarationError(problems.join("\n"));
  return loaded;
}

/** The request method a function is called with. */
export const methodOf = (fn: LoadedFunction) => fn.definition.method;
