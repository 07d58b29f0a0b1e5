// The Netlify Edge outputs: one self-contained module per function with its path in an inline config
// (what Netlify's build reads), and the declarations the local netlify dev sites get instead, since
// netlify dev cannot read inline config offline. The repository's netlify.toml names only the folder.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { budgetOf } from "../../scripts/build.ts";
import { FUNCTION_NAMES, loadFunctions } from "../../scripts/lib/functions.ts";
import { EDGE_DIST, edgeDeclarations, localSiteToml } from "../../scripts/lib/netlify-edge.ts";
import { ROOT } from "../../scripts/lib/paths.ts";

const read = (path: string) => readFile(join(ROOT, path), "utf8");
const BUDGETS_KIB = Object.fromEntries((await loadFunctions()).map((fn) => [fn.name, budgetOf(fn)]));

describe("dist/netlify-edge", () => {
  it.each(FUNCTION_NAMES)(
    "%s.js is self-contained: default (req, context) and its /edge/ path",
    async (fn) => {
      const code = await read(`${EDGE_DIST}/${fn}.js`);
      // Not even a `node:` built-in: the first one a Deno isolate imports sets up its Node compatibility
      // layer, time every cold start would pay (the deadline's abort does without, runtime/abort-fetch-edge.ts).
      const imports = [...code.matchAll(/\bimport ?\{?[^;]*?\}? ?from ?["']([^"']+)["']/g)].map((m) => m[1]);
      expect(imports).toEqual([]);
      // A literal export Netlify's build can read statically.
      expect(code).toContain(`export const config = {"path":"/edge/${fn}"};`);
      const mod = await import(pathToFileURL(join(ROOT, `${EDGE_DIST}/${fn}.js`)).href);
      expect(Object.keys(mod).sort()).toEqual(["config", "default"]);
      expect(typeof mod.default).toBe("function");
      expect(Buffer.byteLength(code)).toBeLessThanOrEqual(BUDGETS_KIB[fn]! * 1024);
    },
  );
});

describe("netlify.toml", () => {
  it("serves dist/netlify-edge and declares no function: a new function file needs no edit here", async () => {
    const toml = await read("netlify.toml");
    expect(toml).toMatch(/^ {2}edge_functions = "dist\/netlify-edge"$/m);
    expect(toml).not.toContain("[[edge_functions]]");
  });

  it("a local netlify dev site's copy declares every function at /edge/<name>", () => {
    const toml = localSiteToml();
    for (const fn of FUNCTION_NAMES)
      expect(toml).toContain(`[[edge_functions]]\n  function = "${fn}"\n  path = "/edge/${fn}"\n`);
    expect(toml.match(/\[\[edge_functions\]\]/g)).toHaveLength(FUNCTION_NAMES.length);
    expect(edgeDeclarations(["a-b"])).toContain('path = "/edge/a-b"');
  });
});
