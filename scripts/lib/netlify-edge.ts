// The Netlify Edge target's routing: each function answers at /edge/<name>, declared in netlify.toml.
//
// Why netlify.toml and not a file the build writes beside the bundles: under `netlify dev` (checked with
// netlify-cli 27.10) the Frameworks API folder .netlify/v1/edge-functions is read only by `netlify serve`,
// the older .netlify/edge-functions/manifest.json is deleted when `netlify dev` starts, and inline
// `config` exports are read through a module netlify-cli fetches from Netlify's servers. So the build
// keeps a generated block of `[[edge_functions]]` declarations in netlify.toml in step with functions/:
// a new function file gets its declaration on the next `npm run build` (commit netlify.toml with it;
// a test fails while the committed block is stale, and Netlify's own build reads the committed file).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FUNCTION_NAMES } from "./functions.ts";
import { ROOT } from "./paths.ts";

export const edgePath = (fn: string) => `/edge/${fn}`;

export const EDGE_DIST = "dist/netlify-edge";

const BEGIN = "# BEGIN edge functions (written by npm run build from functions/; edits here are replaced)";
const END = "# END edge functions";

/** The generated netlify.toml block declaring every function's edge path. */
export function edgeDeclarations(names: readonly string[] = FUNCTION_NAMES): string {
  const blocks = names.map((fn) => `[[edge_functions]]\n  function = "${fn}"\n  path = "${edgePath(fn)}"\n`);
  return `${BEGIN}\n${blocks.join("\n")}${END}\n`;
}

/** `toml` with its generated block replaced by the current one (appended when it has none). */
export function withEdgeDeclarations(toml: string, names: readonly string[] = FUNCTION_NAMES): string {
  const block = edgeDeclarations(names);
  const start = toml.indexOf(BEGIN);
  const end = toml.indexOf(END);
  if (start === -1 || end < start) return `${toml.trimEnd()}\n\n${block}`;
  return `${toml.slice(0, start)}${block}${toml.slice(end + END.length).replace(/^\n/, "")}`;
}

/** Rewrites netlify.toml when its declarations differ from functions/; true when it changed. */
export function syncNetlifyToml(file = join(ROOT, "netlify.toml")): boolean {
  const toml = readFileSync(file, "utf8");
  const next = withEdgeDeclarations(toml);
  if (next === toml) return false;
  writeFileSync(file, next);
  return true;
}
