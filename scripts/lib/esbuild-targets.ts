// How a function is bundled for each platform: the entry module wrapping its default export, and the
// esbuild options of the runtime (Netlify Functions on Node, Supabase Edge and Netlify Edge on Deno). scripts/build.ts bundles the project with these, the bench its floor
// and hello-world, so both are measured as built alike.
import { join } from "node:path";
import type { BuildOptions, Plugin } from "esbuild";
import { ROOT } from "./paths.ts";

export type Platform = "netlify" | "supabase" | "netlify-edge";

/** Options every bundle shares: one minified ES module. */
export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  format: "esm",
  minify: true,
  treeShaking: true,
  legalComments: "none",
  logLevel: "warning",
};

// Web-standard builds of dependencies (e.g. @clerk/backend's browser crypto), not their node ones.
const DENO_OPTIONS: BuildOptions = {
  platform: "neutral",
  target: "es2022",
  conditions: ["deno", "worker", "browser"],
  mainFields: ["module", "main"],
  // Deno, Supabase Edge and Netlify's edge provide Node's built-ins, so any would stay an import instead
  // of being bundled (none is used: the first one costs a Deno cold start 15–20 ms).
  external: ["node:*"],
  // `process.env.NODE_ENV` read from Deno.env: the first touch of Deno's `process` global costs a
  // function's first Backend API call 15–25 ms (see runtime/deno-node-env.ts).
  define: { "process.env.NODE_ENV": "injectedNodeEnv.NODE_ENV" },
  inject: [join(ROOT, "runtime", "deno-node-env.ts")],
};

// First in every entry: @clerk/backend binds `fetch` when its module evaluates, so the wrapper that aborts
// upstream calls at the request's deadline must be in place before the SDK's module runs. The Deno builds
// take the one without `node:async_hooks` (its import costs a Deno cold start 15–20 ms; see the file).
export const ABORT_FETCH: Record<Platform, string> = {
  netlify: join(ROOT, "runtime", "abort-fetch.ts"),
  supabase: join(ROOT, "runtime", "abort-fetch-edge.ts"),
  "netlify-edge": join(ROOT, "runtime", "abort-fetch-edge.ts"),
};

/**
 * Modules of shared/ a platform swaps for its own (same exports). Node's WebCrypto costs a cold start
 * ~4 ms that node:crypto does not (runtime/rsa-node.ts); Deno has no such gap.
 */
const PLATFORM_MODULES: Record<Platform, Record<string, string>> = {
  netlify: { [join(ROOT, "shared", "auth", "rsa.ts")]: join(ROOT, "runtime", "rsa-node.ts") },
  supabase: {},
  "netlify-edge": {},
};

export function platformModulesPlugin(platform: Platform): Plugin {
  const swaps = PLATFORM_MODULES[platform];
  return {
    name: "platform-modules",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const swap = swaps[join(args.resolveDir, args.path)];
        return swap ? { path: swap } : undefined;
      });
    },
  };
}

export const PLATFORM_OPTIONS: Record<Platform, BuildOptions> = {
  netlify: { platform: "node", target: "node22", conditions: ["node"] },
  supabase: DENO_OPTIONS,
  "netlify-edge": DENO_OPTIONS,
};

/**
 * Netlify (Functions and Edge) calls the default export with `(req, context)`; Supabase's edge runtime
 * serves `{ fetch }`. A function is named by its file (`name`; the bench's floor and hello-world are plain
 * handlers). `first` modules are imported before the function, so they evaluate before any of its
 * dependencies.
 */
export function entryModule(
  platform: Platform,
  source: string,
  opts: { name?: string; first?: string[] } = {},
): string {
  const preludes = (opts.first ?? []).map((file) => `import ${JSON.stringify(file)};\n`).join("");
  const handler = opts.name ? `fn.named(${JSON.stringify(opts.name)})` : "fn";
  const body = `${preludes}import fn from ${JSON.stringify(source)};\nconst handler = ${handler};\n`;
  return platform === "supabase"
    ? `${body}export default { fetch: handler };`
    : `${body}export default handler;`;
}
