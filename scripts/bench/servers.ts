// What the bench serves and how: every implementation (the project's built bundle, the floor,
// hello-world) on each runtime, hosted the same way, pinned to its own CPU when possible. Every child is
// tracked and SIGKILLed when the bench exits, however it exits.
import { type ChildProcess, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { FunctionName } from "../lib/functions.ts";
import { EDGE_DIST, edgePath } from "../lib/netlify-edge.ts";
import { binPath, ROOT } from "../lib/paths.ts";
import { type ServerProcess, startServer } from "../lib/process.ts";
import type { ClerkStandIn } from "../stand-ins/clerk.ts";
import { baselineDist, noPin } from "./options.ts";

/** Netlify Functions on Node, Supabase Edge on Deno, Netlify Edge on Deno. */
export type Runtime = "node" | "deno" | "netlify-edge";
/** `baseline`: protected as another build made it (--baseline). */
export type Impl =
  | "project"
  | "baseline"
  | "floor"
  | "hello"
  | "hello-fetch"
  | "sdk-protected"
  | "sdk-current-user";
export type KeyMode = "networkless" | "jwks";
/** One reused session token, a fresh one per request, or one reused opaque M2M token. */
export type TokenMode = "reused" | "fresh" | "m2m";

export const RESULTS_DIR = join(ROOT, "bench-results");
export const BENCH_BUILD_DIR = join(RESULTS_DIR, "build");
export const AUTHORIZED_PARTY = "http://localhost:8888";

const children = new Set<ChildProcess>();

export function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

export const childPids = () => [...children].flatMap((child) => (child.pid ? [child.pid] : []));

/** Counted before pinning: availableParallelism() follows this process's own CPU affinity. */
export const cpuCount = availableParallelism();

/**
 * CPU pinning: load generator (this process) on CPU 0, every server on CPU 1. On a 2-core machine the
 * servers would otherwise steal the load generator's core (and vice versa) in ways that differ per
 * runtime; pinned, each server gets exactly one core, like a small serverless instance.
 */
export const pinning = (() => {
  if (noPin || cpuCount < 2) return undefined;
  if (spawnSync("taskset", ["-V"]).status !== 0) return undefined;
  return { loadCpu: "0", serverCpu: "1" };
})();

export function pinSelf(): void {
  // -a: all of this process's threads (libuv pool, V8 workers), not only the main one.
  if (pinning) spawnSync("taskset", ["-a", "-p", "-c", pinning.loadCpu, String(process.pid)]);
}

/**
 * Spawns a server, pinned when possible (taskset execs, so the pid is the server's own). Its stdout — the
 * project's one log line per request — is discarded unread (see ServerOptions.discardStdout).
 */
export function startBenchServer(argv: string[], env: Record<string, string>): Promise<ServerProcess> {
  const command = pinning ? ["taskset", "-c", pinning.serverCpu, ...argv] : argv;
  return startServer(command, {
    env,
    discardStdout: true,
    onSpawn(child) {
      children.add(child);
      child.once("exit", () => children.delete(child));
    },
  });
}

/** The bench stops servers at once: nothing they would still write matters. */
export const stopBenchServer = (server: ServerProcess) => server.stop(0);

export const denoBin = existsSync(binPath("deno")) ? binPath("deno") : "deno";

/** The bundle each runtime serves per implementation: the project's are the ones `npm run build` ships. */
export function bundlePath(runtime: Runtime, impl: Impl, fn: FunctionName = "protected"): string {
  if (impl === "baseline" && baselineDist) {
    return runtime === "node"
      ? join(baselineDist, `netlify/${fn}.mjs`)
      : join(baselineDist, `supabase/functions/${fn}/index.js`);
  }
  if (impl === "project") {
    if (runtime === "netlify-edge") return join(ROOT, EDGE_DIST, `${fn}.js`);
    return runtime === "node"
      ? join(ROOT, `dist/netlify/${fn}.mjs`)
      : join(ROOT, `dist/supabase/functions/${fn}/index.js`);
  }
  return runtime === "node"
    ? join(BENCH_BUILD_DIR, `node/${impl}.mjs`)
    : join(BENCH_BUILD_DIR, `deno/${impl}.js`);
}

/** Same request path the platform would route; Deno's `deno serve` hands every path to `fetch`. */
export const requestPath = (runtime: Runtime, fn: FunctionName = "protected") =>
  runtime === "node" ? `/api/${fn}` : runtime === "deno" ? `/functions/v1/${fn}` : edgePath(fn);

/** scripts/bench/node-host.ts (serve.ts's adapter, one function), bundled to plain JS. */
export const NODE_HOST = join(BENCH_BUILD_DIR, "node/host.mjs");

/** scripts/bench/edge-host.ts (a Netlify Edge bundle's default export under Deno.serve), bundled. */
export const EDGE_HOST = join(BENCH_BUILD_DIR, "deno/edge-host.mjs");

/**
 * Each runtime hosts every implementation the same way: node-host over serve.ts, `deno serve`, or
 * edge-host.
 */
export function serverCommand(runtime: Runtime, bundle: string, fn: FunctionName = "protected"): string[] {
  if (runtime === "netlify-edge")
    return [denoBin, "run", "--allow-env", "--allow-net", "--allow-read", EDGE_HOST, bundle];
  return runtime === "node"
    ? [process.execPath, NODE_HOST, bundle, fn]
    : [denoBin, "serve", "--allow-env", "--allow-net", "--host", "127.0.0.1", "--port", "0", bundle];
}

/** The functions' environment; without CLERK_JWT_KEY (JWKS mode) the key is fetched from the stand-in. */
export function serverEnv(
  clerk: ClerkStandIn,
  mode: KeyMode,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    CLERK_SECRET_KEY: clerk.secretKey,
    CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
    CLERK_API_URL: clerk.url,
    CLERK_AUTHORIZED_PARTIES: AUTHORIZED_PARTY,
    ...(mode === "networkless" ? { CLERK_JWT_KEY: clerk.jwtKeyPem } : {}),
    ...extra,
  };
}
