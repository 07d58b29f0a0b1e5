// How a function is bundled for each platform: the entry module wrapping its default export, and the
// esbuild options of the runtime. scripts/build.ts bundles the project with these, the bench its floor
// and hello-world, so both are measured as built alike.
import type { BuildOptions } from "esbuild";

export type Platform = "netlify" | "supabase";

/** Options every bundle shares: one minified ES module. */
export const BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  format: "esm",
  minify: true,
  treeShaking: true,
  legalComments: "none",
  logLevel: "warning",
};

export const PLATFORM_OPTIONS: Record<Platform, BuildOptions> = {
  netlify: { platform: "node", target: "node22", conditions: ["node"] },
  // Web-standard builds of dependencies (e.g. @clerk/backend's browser crypto), not their node ones.
  supabase: {
    platform: "neutral",
    target: "es2022",
    conditions: ["deno", "worker", "browser"],
    mainFields: ["module", "main"],
    // Deno and Supabase Edge provide Node's built-ins (AsyncLocalStorage for runtime/abort-fetch.ts).
    external: ["node:*"],
  },
};

/**
 * Netlify imports the default export; Supabase's edge runtime serves `{ fetch }`. A function is named by its
 * file (`name`; the bench's floor and hello-world are plain handlers). `first` modules are imported before
 * the function, so they evaluate before any of its dependencies.
 */
export function entryModule(
  platform: Platform,
  source: string,
  opts: { name?: string; first?: string[] } = {},
): string {
  const preludes = (opts.first ?? []).map((file) => `import ${JSON.stringify(file)};\n`).join("");
  const handler = opts.name ? `fn.named(${JSON.stringify(opts.name)})` : "fn";
  const body = `${preludes}import fn from ${JSON.stringify(source)};\nconst handler = ${handler};\n`;
  return platform === "netlify"
    ? `${body}export default handler;`
    : `${body}export default { fetch: handler };`;
}
