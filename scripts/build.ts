// Bundles each function twice with esbuild: a Netlify Functions v2 module for Node, and a Supabase Edge
// Function module for Deno. Prints raw and gzip sizes and fails when a bundle exceeds its budget.
//   node scripts/build.ts            (npm run build)
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { FUNCTION_NAMES, type FunctionName } from "./serve.ts";

export { FUNCTION_NAMES };

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");

/** Minified raw-size budgets (KiB): the three Clerk-only functions must not pull in supabase-js. */
export const BUDGETS_KIB: Record<FunctionName, number> = {
  protected: 180,
  "current-user": 180,
  "update-user": 190,
  "supabase-data": 400,
};

// Netlify only routes the methods listed in `config.method`; listing all seven lets each function answer
// 405 itself with an Allow header, as SPEC §2 asks.
const NETLIFY_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

export const netlifyConfig = (name: FunctionName) => ({ path: `/api/${name}`, method: NETLIFY_METHODS });

// First in every entry: @clerk/backend binds `fetch` when its module evaluates, so the wrapper that aborts
// upstream calls at the request's deadline must be in place before the SDK's module runs.
const ABORT_FETCH = JSON.stringify(join(root, "runtime", "abort-fetch.ts"));

interface Target {
  name: "netlify" | "supabase";
  outfile(fn: FunctionName): string;
  entry(source: string): string;
  /** Appended after bundling: Netlify reads `config` statically, so it must stay a literal `export const`. */
  footer(fn: FunctionName): string;
  options: esbuild.BuildOptions;
}

const TARGETS: Target[] = [
  {
    name: "netlify",
    outfile: (fn) => join(dist, "netlify", `${fn}.mjs`),
    entry: (source) => `import ${ABORT_FETCH};\nexport { default } from ${JSON.stringify(source)};`,
    footer: (fn) => `export const config = ${JSON.stringify(netlifyConfig(fn))};\n`,
    options: { platform: "node", target: "node22", conditions: ["node"] },
  },
  {
    name: "supabase",
    outfile: (fn) => join(dist, "supabase", "functions", fn, "index.js"),
    entry: (source) =>
      `import ${ABORT_FETCH};\nimport handler from ${JSON.stringify(source)};\nexport default { fetch: handler };`,
    footer: () => "",
    // Web-standard builds of dependencies (e.g. @clerk/backend's browser crypto), not their node ones.
    options: {
      platform: "neutral",
      target: "es2022",
      conditions: ["deno", "worker", "browser"],
      mainFields: ["module", "main"],
      // Deno and Supabase Edge provide Node's built-ins (AsyncLocalStorage for runtime/abort-fetch.ts).
      external: ["node:*"],
    },
  },
];

export interface BundleReport {
  target: string;
  fn: FunctionName;
  file: string;
  raw: number;
  gzip: number;
  budget: number;
}

async function bundle(target: Target, fn: FunctionName): Promise<BundleReport> {
  const source = join(root, "functions", `${fn}.ts`);
  const result = await esbuild.build({
    stdin: {
      contents: target.entry(source),
      resolveDir: root,
      sourcefile: `${target.name}-${fn}.ts`,
      loader: "ts",
    },
    bundle: true,
    format: "esm",
    minify: true,
    treeShaking: true,
    write: false,
    legalComments: "none",
    logLevel: "warning",
    ...target.options,
  });
  const code = `${result.outputFiles![0]!.text}${target.footer(fn)}`;
  const file = target.outfile(fn);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, code);
  const raw = Buffer.byteLength(code);
  return {
    target: target.name,
    fn,
    file,
    raw,
    gzip: gzipSync(code, { level: 9 }).length,
    budget: BUDGETS_KIB[fn] * 1024,
  };
}

function supabaseConfigToml(): string {
  // Supabase's gateway would reject Clerk-issued tokens before they reach the function; the functions
  // verify them themselves.
  return FUNCTION_NAMES.map(
    (fn) => `[functions.${fn}]\nverify_jwt = false\nentrypoint = "./functions/${fn}/index.js"\n`,
  ).join("\n");
}

export async function build(): Promise<BundleReport[]> {
  await rm(dist, { recursive: true, force: true });
  const reports: BundleReport[] = [];
  for (const target of TARGETS) {
    reports.push(...(await Promise.all(FUNCTION_NAMES.map((fn) => bundle(target, fn)))));
  }
  await writeFile(join(dist, "supabase", "config.toml"), supabaseConfigToml());
  return reports;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

if (import.meta.main) {
  const reports = await build();
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
