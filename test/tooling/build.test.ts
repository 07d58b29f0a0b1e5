// The deployable outputs (Netlify modules with their config, Supabase functions and config.toml), checked
// the way the platforms read them.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { zipFunctions } from "@netlify/zip-it-and-ship-it";
import { describe, expect, it } from "vitest";
import { budgetOf } from "../../scripts/build.ts";
import { FUNCTION_NAMES, loadFunctions } from "../../scripts/lib/functions.ts";

const BUDGETS_KIB = Object.fromEntries((await loadFunctions()).map((fn) => [fn.name, budgetOf(fn)]));

const root = resolve(import.meta.dirname, "../..");
const read = (path: string) => readFile(join(root, path), "utf8");
const ALL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

describe("dist/netlify", () => {
  it.each(FUNCTION_NAMES)(
    "%s.mjs exports default + a literal config, and nothing named handler",
    async (fn) => {
      const code = await read(`dist/netlify/${fn}.mjs`);
      expect(code).toContain(
        `export const config = {"path":"/api/${fn}","method":${JSON.stringify(ALL_METHODS)}}`,
      );
      const mod = await import(pathToFileURL(join(root, `dist/netlify/${fn}.mjs`)).href);
      expect(Object.keys(mod).sort()).toEqual(["config", "default"]);
      expect(typeof mod.default).toBe("function");
      expect(code).not.toMatch(/^import .* from ["'](?!node:)/m);
    },
  );

  it.each(FUNCTION_NAMES)("%s stays within its raw size budget", async (fn) => {
    for (const file of [`dist/netlify/${fn}.mjs`, `dist/supabase/functions/${fn}/index.js`]) {
      expect(Buffer.byteLength(await read(file))).toBeLessThanOrEqual(BUDGETS_KIB[fn]! * 1024);
    }
  });

  it("checks signatures with node:crypto on Node, WebCrypto in the Deno builds", async () => {
    for (const fn of FUNCTION_NAMES) {
      const nodeCrypto = /import\s*\{[^}]*\bcreatePublicKey\b[^}]*\}\s*from\s*["']node:crypto["']/;
      expect(await read(`dist/netlify/${fn}.mjs`), fn).toMatch(nodeCrypto);
      expect(await read(`dist/supabase/functions/${fn}/index.js`), fn).not.toContain("node:crypto");
    }
  });

  it("only supabase-data bundles the PostgREST client", async () => {
    for (const fn of FUNCTION_NAMES) {
      const code = await read(`dist/netlify/${fn}.mjs`);
      expect(code.includes("X-Retry-Count") || code.includes("PostgrestError"), fn).toBe(
        fn === "supabase-data",
      );
    }
  });

  it("Netlify's packager (zip-it-and-ship-it) sees four v2 functions with their paths and methods", async () => {
    const out = await mkdtemp(join(tmpdir(), "zisi-"));
    try {
      const results = await zipFunctions([join(root, "dist/netlify")], out, {
        config: { "*": { nodeBundler: "none" } },
        archiveFormat: "none",
      });
      const byName = Object.fromEntries(results.map((r) => [r.name, r]));
      expect(Object.keys(byName).sort()).toEqual([...FUNCTION_NAMES].sort());
      for (const fn of FUNCTION_NAMES) {
        expect(byName[fn]!.runtimeAPIVersion, fn).toBe(2);
        expect(byName[fn]!.routes, fn).toEqual([
          expect.objectContaining({ pattern: `/api/${fn}`, literal: `/api/${fn}`, methods: ALL_METHODS }),
        ]);
      }
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  it("netlify.toml builds with npm run build and serves dist/netlify unbundled", async () => {
    const toml = await read("netlify.toml");
    expect(toml).toMatch(/command = "npm run build"/);
    expect(toml).toMatch(/directory = "dist\/netlify"/);
    expect(toml).toMatch(/node_bundler = "none"/);
  });
});

describe("dist/supabase", () => {
  it.each(FUNCTION_NAMES)(
    "functions/%s/index.js is self-contained with export default { fetch }",
    async (fn) => {
      const code = await read(`dist/supabase/functions/${fn}/index.js`);
      // No imports at all, not even a `node:` built-in: the first one costs a Deno cold start the setup of
      // Deno's Node compatibility layer (runtime/abort-fetch-edge.ts aborts fetches without one).
      const imports = [...code.matchAll(/\bimport ?\{?[^;]*?\}? ?from ?["']([^"']+)["']/g)].map((m) => m[1]);
      expect(imports).toEqual([]);
      const mod = await import(pathToFileURL(join(root, `dist/supabase/functions/${fn}/index.js`)).href);
      expect(Object.keys(mod)).toEqual(["default"]);
      expect(typeof mod.default.fetch).toBe("function");
    },
  );

  it("config.toml turns off Supabase's JWT gate and names each entrypoint", async () => {
    const toml = await read("dist/supabase/config.toml");
    for (const fn of FUNCTION_NAMES) {
      expect(toml).toContain(
        `[functions.${fn}]\nverify_jwt = false\nentrypoint = "./functions/${fn}/index.js"`,
      );
    }
  });
});
