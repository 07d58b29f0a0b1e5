// Where things are in the repository, for scripts and tests alike.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

/** A binary from the project's own node_modules (the pinned Node 24, Deno, esbuild). */
export const binPath = (name: string) => join(ROOT, "node_modules", ".bin", name);

const hasBuild = () => existsSync(join(ROOT, "dist", "openapi.json"));

/** Test hosts run what the global setup built; a missing dist/ means the setup did not run. */
export function requireBuild(): void {
  if (!hasBuild()) throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
}

/** Builds dist/ when it is missing (the load script may run before any test did). */
export function ensureBuild(): void {
  if (hasBuild()) return;
  const built = spawnSync(process.execPath, ["scripts/build.ts"], { cwd: ROOT, stdio: "inherit" });
  if (built.status !== 0) throw new Error("node scripts/build.ts failed");
}

/** Settings from the repository's .env, when there is one (real Clerk and Supabase keys, PORT). */
export function loadDotEnv(): void {
  const file = join(ROOT, ".env");
  if (existsSync(file)) process.loadEnvFile(file);
}
