// The Netlify Edge target's routing: each function answers at /edge/<name>.
//
// Deployed, Netlify reads each edge function's path from its inline `export const config` (the build
// appends it to every dist/netlify-edge/<name>.js), so netlify.toml names only the folder and a new
// function file needs no declaration. `netlify dev` offline cannot read inline config (netlify-cli fetches
// the reader from Netlify's servers), nor the Frameworks API folder (.netlify/v1/edge-functions, read only
// by `netlify serve`; checked with netlify-cli 27.10): the local sites that `npm run dev:netlify` and the
// test hosts serve get the same paths as `[[edge_functions]]` declarations in their own netlify.toml.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { FUNCTION_NAMES } from "./functions.ts";
import { ROOT } from "./paths.ts";

export const edgePath = (fn: string) => `/edge/${fn}`;

export const EDGE_DIST = "dist/netlify-edge";

/** `[[edge_functions]]` declarations of every function's edge path. */
export function edgeDeclarations(names: readonly string[] = FUNCTION_NAMES): string {
  const blocks = names.map((fn) => `[[edge_functions]]\n  function = "${fn}"\n  path = "${edgePath(fn)}"\n`);
  return `# Written for netlify dev, which cannot read the bundles' inline config offline.\n${blocks.join("\n")}`;
}

/** The repository's netlify.toml with the edge declarations a local `netlify dev` site of `names` needs. */
export function localSiteToml(
  file = join(ROOT, "netlify.toml"),
  names: readonly string[] = FUNCTION_NAMES,
): string {
  return `${readFileSync(file, "utf8").trimEnd()}\n\n${edgeDeclarations(names)}`;
}
