// netlify-cli is ~475 MB, so it is not a dependency: a pinned version is installed into .tools/ on first use.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const NETLIFY_CLI_VERSION = "27.10.2";

const dir = resolve(import.meta.dirname, "..", ".tools", "netlify-cli");
const bin = join(dir, "node_modules", ".bin", "netlify");

function installedVersion(): string | undefined {
  const pkg = join(dir, "node_modules", "netlify-cli", "package.json");
  return existsSync(pkg) ? (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version : undefined;
}

/** Path of the pinned `netlify` binary, installing it first if needed (about a minute). */
export function netlifyCli(): string {
  if (installedVersion() !== NETLIFY_CLI_VERSION) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), '{ "private": true }\n');
    console.error(`Installing netlify-cli@${NETLIFY_CLI_VERSION} into .tools/ (once)…`);
    execFileSync(
      "npm",
      ["install", "--no-audit", "--no-fund", "--loglevel=error", `netlify-cli@${NETLIFY_CLI_VERSION}`],
      {
        cwd: dir,
        stdio: ["ignore", "inherit", "inherit"],
      },
    );
  }
  return bin;
}

/** Environment for netlify dev: offline-safe (Deno from node_modules on PATH) and no telemetry. */
export function netlifyEnv(extra: Record<string, string> = {}): Record<string, string> {
  const root = resolve(import.meta.dirname, "..");
  return {
    PATH: `${join(root, "node_modules", ".bin")}:${process.env.PATH ?? ""}`,
    HOME: process.env.HOME ?? "/tmp",
    NETLIFY_TELEMETRY_DISABLED: "1",
    ...extra,
  };
}
