// The API described: an OpenAPI 3.1 document generated from the zod schemas the functions validate with
// (zod 4's JSON Schema output is draft 2020-12, the dialect OpenAPI 3.1 uses) and from ErrorCode, so it
// cannot say something the functions do not do. The behaviour suite validates every response against it.
//   node scripts/openapi.ts            (prints it; `npm run build` writes dist/openapi.json)
import { type LoadedFunction, loadFunctions } from "./lib/functions.ts";
import { declaredSchemas, operations } from "./openapi/operations.ts";
import { componentSchemas, HEADERS } from "./openapi/schemas.ts";

/** The document of every function in functions/. */
export const loadOpenApiDocument = async () => openApiDocument(await loadFunctions());

export function openApiDocument(functions: LoadedFunction[]): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "Clerk-protected functions",
      version: "0.1.0",
      description:
        "Web-standard functions for Netlify Functions (paths below) and Supabase Edge Functions " +
        "(/functions/v1/<name>). Every function also answers OPTIONS, HEAD where GET is allowed, and " +
        "405 method_not_allowed with an Allow header for any other method. Errors are always " +
        '{"error":{"code","message","requestId"}} with a stable code.',
    },
    servers: [{ url: "/", description: "This deployment (Netlify paths)" }],
    paths: Object.fromEntries(functions.map((fn) => [`/api/${fn.name}`, operations(fn)])),
    components: {
      schemas: { ...componentSchemas(), ...declaredSchemas(functions) },
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
      headers: HEADERS,
    },
  };
}

if (import.meta.main) console.log(JSON.stringify(await loadOpenApiDocument(), null, 2));
