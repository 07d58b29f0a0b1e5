// netlify-cli is ~475 MB, so it is not a dependency: a pinned version is installed into .tools/ on first use.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./paths.ts";

export const NETLIFY_CLI_VERSION = "27.10.2";

/** Committed package.json + lockfile pinning netlify-cli and its whole tree. */
const pinned = join(ROOT, "tools", "netlify-cli");
const dir = join(ROOT, ".tools", "netlify-cli");
const bin = join(dir, "node_modules", ".bin", "netlify");

function installedVersion(): string | undefined {
  const pkg = join(dir, "node_modules", "netlify-cli", "package.json");
  return existsSync(pkg) ? (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version : undefined;
}

/** Path of the pinned `netlify` binary, installing it first if needed (about a minute). */
export function netlifyCli(): string {
  if (installedVersion() !== NETLIFY_CLI_VERSION) {
    mkdirSync(dir, { recursive: true });
    for (const file of ["package.json", "package-lock.json"])
      copyFileSync(join(pinned, file), join(dir, file));
    console.error(
      `Installing netlify-cli@${NETLIFY_CLI_VERSION} into .tools/ from tools/netlify-cli's lockfile (once)…`,
    );
    execFileSync("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], {
      cwd: dir,
      stdio: ["ignore", "inherit", "inherit"],
      timeout: 10 * 60_000,
    });
  }
  return bin;
}

/**
 * Netlify's edge bootstrap (the runtime around each edge function), vendored in @netlify/edge-functions-dev,
 * which the pinned netlify-cli's own lockfile installs beside it: without it netlify dev fetches the
 * bootstrap from Netlify's servers and edge functions cannot start offline. Taking it from netlify-cli's
 * tree keeps the two versions matched with no dependency of ours.
 */
export const edgeBootstrapUrl = () =>
  pathToFileURL(join(dir, "node_modules", "@netlify", "edge-functions-dev", "dist", "deno", "bootstrap.mjs"))
    .href;

/**
 * Environment for netlify dev: offline-safe (Deno from node_modules on PATH, the vendored edge bootstrap)
 * and no telemetry.
 */
export function netlifyEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
    HOME: process.env.HOME ?? "/tmp",
    NETLIFY_TELEMETRY_DISABLED: "1",
    NETLIFY_EDGE_BOOTSTRAP: edgeBootstrapUrl(),
    ...extra,
  };
}
