// Bundles each function three times with esbuild: a Netlify Functions v2 module for Node, a Supabase Edge
// Function module and a Netlify Edge Function module for Deno. Prints raw and gzip sizes and fails when a bundle exceeds its budget.
//   node scripts/build.ts            (npm run build)
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import {
  ABORT_FETCH,
  BUNDLE_OPTIONS,
  entryModule,
  PLATFORM_OPTIONS,
  type Platform,
  platformModulesPlugin,
} from "./lib/esbuild-targets.ts";
import { DeclarationError, FUNCTIONS_DIR, type LoadedFunction, loadFunctions } from "./lib/functions.ts";
import { edgePath } from "./lib/netlify-edge.ts";
import { ROOT } from "./lib/paths.ts";
import { stripToolingPlugin } from "./lib/strip-tooling.ts";
import { supabaseQueryOnlyPlugin } from "./lib/supabase-query-only.ts";
import { openApiDocument } from "./openapi.ts";

const dist = join(ROOT, "dist");

/**
 * Minified raw-size budget (KiB) of a function that declares none: @clerk/backend, zod and this project's
 * shared code fit in it; a function pulling in something large (supabase-js) declares its own. It was 200
 * before authorization (Clerk's claim parser and has(), ~5 KiB) joined every bundle: 10 KiB more at most.
 */
export const DEFAULT_BUDGET_KIB = 210;
export const budgetOf = (fn: LoadedFunction) => fn.definition.budgetKiB ?? DEFAULT_BUDGET_KIB;

// Netlify only routes the methods listed in `config.method`; listing all seven lets each function answer
// 405 itself with an Allow header.
const NETLIFY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

export const netlifyConfig = (name: string) => ({ path: `/api/${name}`, method: NETLIFY_METHODS });

interface Target {
  name: Platform;
  /** Where the bundle of `fn` goes under the output folder `dir` (dist/ for the project). */
  outfile(dir: string, fn: string): string;
  /** Appended after bundling: Netlify reads `config` statically, so it must stay a literal `export const`. */
  footer(fn: string): string;
}

const TARGETS: Target[] = [
  {
    name: "netlify",
    outfile: (dir, fn) => join(dir, "netlify", `${fn}.mjs`),
    footer: (fn) => `export const config = ${JSON.stringify(netlifyConfig(fn))};\n`,
  },
  {
    name: "supabase",
    outfile: (dir, fn) => join(dir, "supabase", "functions", fn, "index.js"),
    footer: () => "",
  },
  {
    name: "netlify-edge",
    outfile: (dir, fn) => join(dir, "netlify-edge", `${fn}.js`),
    // Netlify's build reads an edge function's path from its inline config. `netlify dev` offline cannot
    // (it fetches the reader from Netlify's servers), so the local sites declare the same paths in their
    // netlify.toml (scripts/lib/netlify-edge.ts): a new function needs no declaration in the repository.
    footer: (fn) => `export const config = ${JSON.stringify({ path: edgePath(fn) })};\n`,
  },
];

export interface BundleReport {
  target: string;
  fn: string;
  file: string;
  raw: number;
  gzip: number;
  budget: number;
}

/** Where a set of functions comes from and where its bundles go. */
export interface BundlePlan {
  functionsDir: string;
  outDir: string;
  targets?: Platform[];
}

async function bundle(target: Target, loaded: LoadedFunction, plan: BundlePlan): Promise<BundleReport> {
  const fn = loaded.name;
  const source = join(ROOT, loaded.file);
  const result = await esbuild.build({
    stdin: {
      contents: entryModule(target.name, source, { name: fn, first: [ABORT_FETCH[target.name]] }),
      resolveDir: ROOT,
      sourcefile: `${target.name}-${fn}.ts`,
      loader: "ts",
    },
    ...BUNDLE_OPTIONS,
    write: false,
    ...PLATFORM_OPTIONS[target.name],
    // supabaseQueryOnlyPlugin: supabase-js without the Auth, Realtime, Storage and Functions clients no
    // function uses (half of supabase-data's bundle and its cold start; see the plugin's file).
    plugins: [
      stripToolingPlugin(plan.functionsDir),
      supabaseQueryOnlyPlugin,
      platformModulesPlugin(target.name),
    ],
  });
  const code = `${result.outputFiles![0]!.text}${target.footer(fn)}`;
  const file = target.outfile(plan.outDir, fn);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, code);
  const raw = Buffer.byteLength(code);
  return {
    target: target.name,
    fn,
    file,
    raw,
    gzip: gzipSync(code, { level: 9 }).length,
    budget: budgetOf(loaded) * 1024,
  };
}

function supabaseConfigToml(names: string[]): string {
  // Supabase's gateway would reject Clerk-issued tokens before they reach the function; the functions
  // verify them themselves.
  return names
    .map((fn) => `[functions.${fn}]\nverify_jwt = false\nentrypoint = "./functions/${fn}/index.js"\n`)
    .join("\n");
}

/**
 * Bundles already loaded (checked) functions for each target of the plan. The project's build is one
 * plan; tests build functions of their own (one per authorization requirement) exactly as the project's.
 */
export async function bundleFunctions(
  functions: LoadedFunction[],
  plan: BundlePlan,
): Promise<BundleReport[]> {
  const reports: BundleReport[] = [];
  for (const target of TARGETS.filter((t) => plan.targets?.includes(t.name) ?? true)) {
    reports.push(...(await Promise.all(functions.map((fn) => bundle(target, fn, plan)))));
  }
  return reports;
}

export async function build(): Promise<BundleReport[]> {
  // Every declaration is checked before anything is written: a mistake names its file and field.
  const functions = await loadFunctions();
  await rm(dist, { recursive: true, force: true });
  const reports = await bundleFunctions(functions, { functionsDir: FUNCTIONS_DIR, outDir: dist });
  await writeFile(join(dist, "supabase", "config.toml"), supabaseConfigToml(functions.map((fn) => fn.name)));
  // The API described, beside the bundles and in the published site (netlify.toml publishes public/).
  const openapi = `${JSON.stringify(openApiDocument(functions), null, 2)}\n`;
  await writeFile(join(dist, "openapi.json"), openapi);
  await writeFile(join(ROOT, "public", "openapi.json"), openapi);
  return reports;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

if (import.meta.main) {
  let reports: BundleReport[];
  try {
    reports = await build();
  } catch (err) {
    if (!(err instanceof DeclarationError)) throw err;
    console.error(`The functions' declarations need fixing:\n${err.message}`);
    process.exit(1);
  }
  console.log("| bundle | raw | gzip | budget (raw) |\n|---|---:|---:|---:|");
  for (const r of reports) {
    const flag = r.raw > r.budget ? " OVER" : "";
    console.log(`| ${r.target}/${r.fn} | ${kib(r.raw)} | ${kib(r.gzip)} | ${kib(r.budget)}${flag} |`);
  }
  const over = reports.filter((r) => r.raw > r.budget);
  if (over.length > 0) {
    console.error(`Over budget: ${over.map((r) => `${r.target}/${r.fn}`).join(", ")}`);
    process.exit(1);
  }
}
