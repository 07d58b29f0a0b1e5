// The functions are the files of functions/: `functions/<name>.ts` default-exporting defineFunction({...}) is
// the function <name>, as Netlify and Supabase find functions by their folder. Build, local servers, the
// OpenAPI document, the try-it page, the smoke CLI, the bench and the test hosts all read this one list.
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import * as z from "zod";
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

/** Each function's URL, as `urlOf` places it on a host. */
export function functionUrls(urlOf: (fn: string, index: number) => string): Record<string, string> {
  return Object.fromEntries(FUNCTION_NAMES.map((fn, i) => [fn, urlOf(fn, i)]));
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
const ZodSchema = z.custom<unknown>(isZod, { message: "must be a zod schema" });
const Accept = z.union([
  z.enum(Object.values(TokenType)),
  z.enum(["m2m_token:user", "api_key:user", "oauth_token:user", "api_key:org"]),
]);
const ExampleShape = z.strictObject({
  query: z.string().optional(),
  body: z.record(z.string(), z.unknown()).optional(),
});

/** What the tooling relies on; a mistake fails the build naming the file and the field. */
const DeclarationShape = z.looseObject({
  summary: z.string().trim().min(1, "must be a non-empty string"),
  description: z.string().optional(),
  method: z.enum(["GET", "POST"]),
  accepts: z.array(Accept).min(1, "must list at least one token type"),
  // Checked where it is declared (shared/auth/authorization.ts), so a mistake fails at import.
  requires: z.record(z.string(), z.unknown()).optional(),
  query: z
    .record(z.string(), z.strictObject({ schema: ZodSchema, description: z.string().optional() }))
    .optional(),
  body: z.strictObject({ schema: ZodSchema, maxBytes: z.int().positive().optional() }).optional(),
  response: z.strictObject({
    schema: ZodSchema,
    name: z
      .string()
      .regex(/^[A-Z]\w*$/)
      .optional(),
  }),
  signedOut: z.literal("redirect").optional(),
  example: ExampleShape.optional(),
  invalidExample: ExampleShape.optional(),
  upstream: z
    .strictObject({ clerk: z.int().min(0).optional(), supabase: z.int().min(0).optional() })
    .optional(),
  budgetKiB: z.number().positive().optional(),
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
