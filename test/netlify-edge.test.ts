// The Netlify Edge outputs: one self-contained module per function, and netlify.toml's generated
// declarations routing each to /edge/<name>, kept in step with functions/ by the build.
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { BUDGETS_KIB } from "../scripts/build.ts";
import { FUNCTION_NAMES } from "../scripts/lib/functions.ts";
import { EDGE_DIST, edgeDeclarations, withEdgeDeclarations } from "../scripts/lib/netlify-edge.ts";

const root = resolve(import.meta.dirname, "..");
const read = (path: string) => readFile(join(root, path), "utf8");

describe("dist/netlify-edge", () => {
  it.each(FUNCTION_NAMES)("%s.js is self-contained with export default (req, context)", async (fn) => {
    const code = await read(`${EDGE_DIST}/${fn}.js`);
    // Netlify's edge (Deno) provides Node's AsyncLocalStorage, which the deadline's abort needs.
    const imports = [...code.matchAll(/\bimport ?\{?[^;]*?\}? ?from ?["']([^"']+)["']/g)].map((m) => m[1]);
    expect(imports).toEqual(["node:async_hooks"]);
    // No inline `config`: netlify-cli reads it through a module from Netlify's servers.
    const mod = await import(pathToFileURL(join(root, `${EDGE_DIST}/${fn}.js`)).href);
    expect(Object.keys(mod)).toEqual(["default"]);
    expect(typeof mod.default).toBe("function");
    expect(Buffer.byteLength(code)).toBeLessThanOrEqual(BUDGETS_KIB[fn] * 1024);
  });
});

describe("netlify.toml", () => {
  it("serves dist/netlify-edge and declares every function at /edge/<name>", async () => {
    const toml = await read("netlify.toml");
    expect(toml).toMatch(/^ {2}edge_functions = "dist\/netlify-edge"$/m);
    for (const fn of FUNCTION_NAMES)
      expect(toml).toContain(`[[edge_functions]]\n  function = "${fn}"\n  path = "/edge/${fn}"\n`);
    expect(toml.match(/\[\[edge_functions\]\]/g)).toHaveLength(FUNCTION_NAMES.length);
  });

  it("the build replaces a stale block with the current functions, and leaves the rest alone", () => {
    const head = '[build]\n  command = "npm run build"\n';
    const tail = "\n[dev]\n  port = 8888\n";
    const stale = `${head}\n${edgeDeclarations(["protected", "gone"])}${tail}`;
    const next = withEdgeDeclarations(stale, ["protected", "brand-new"]);
    expect(next).toBe(`${head}\n${edgeDeclarations(["protected", "brand-new"])}${tail}`);
    expect(next).not.toContain('"gone"');
    expect(withEdgeDeclarations(next, ["protected", "brand-new"])).toBe(next);
  });

  it("a netlify.toml without the block gets it appended", () => {
    const toml = '[build]\n  publish = "public"\n';
    expect(withEdgeDeclarations(toml, ["protected"])).toBe(`${toml}\n${edgeDeclarations(["protected"])}`);
  });
});
