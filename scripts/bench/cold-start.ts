// Cold start as the platforms bill it: a fresh server process per run, timed from spawn to the first
// complete response to a real request (a valid session token, networkless: CLERK_JWT_KEY, so no JWKS
// fetch), per function and target, against hello-world served the same way. Everything a new isolate
// does before its first answer counts: runtime boot, the bundle's import, building clients and schemas,
// the first request's own work (JIT-cold), the host's listen.
//
// Runs are interleaved per target as hello, fn1, hello, fn2, …; each function's run is paired with the
// hello run right before it and the verdict is the median of those paired differences, so drift (other
// processes, CPU frequency) hits both sides of a pair alike. Run 0 (disk and code caches) is discarded.
// Node's compile cache stays off (NODE_COMPILE_CACHE unset, NODE_DISABLE_COMPILE_CACHE=1) as on a
// function's first boot; Deno keeps its default V8 code cache in DENO_DIR, warmed by the discarded run.
import { FUNCTION_NAMES, type FunctionName } from "../lib/functions.ts";
import type { ClerkStandIn } from "../stand-ins/clerk.ts";
import { callFunction } from "./latency.ts";
import { log, opts } from "./options.ts";
import {
  bundlePath,
  type Impl,
  type Runtime,
  serverCommand,
  serverEnv,
  startBenchServer,
  stopBenchServer,
} from "./servers.ts";
import { median, percentile } from "./stats.ts";

export const COLD_START_TARGETS = ["node", "deno", "netlify-edge"] as const;

export interface ColdStart {
  id: string;
  runtime: Runtime;
  /** A function name, or "hello". */
  module: string;
  /** Spawn → first complete response, per run. */
  totalMs: number[];
  /** Spawn → the server's ready line, per run. */
  listenMs: number[];
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
  /** Paired with the hello run just before: this run − that run (absent for hello itself). */
  deltaMs?: number[];
  medianDeltaMs?: number;
  p10DeltaMs?: number;
  p90DeltaMs?: number;
}

/** The functions' settings beyond Clerk's (SUPABASE_*), and the session token every first request carries. */
export interface ColdStartContext {
  clerk: ClerkStandIn;
  env: Record<string, string>;
  token: string;
}

/**
 * hello-world that makes one upstream call on its first request (hello-fetch.ts): measured like a
 * function, never judged; its Δ is the runtime's own first outbound fetch, part of every function that
 * calls Clerk or Supabase on its first request.
 */
export const HELLO_FETCH = "hello-fetch";

/**
 * References measured like the functions in the same rotation, never judged: what a request costs before
 * any of this project's code — the runtime's first fetch, and the same work written with @clerk/backend
 * alone as Clerk's docs show it (sdk-protected.ts, sdk-current-user.ts; sent the same token).
 */
export const REFERENCES = {
  [HELLO_FETCH]: { label: "hello-world + one upstream fetch: the runtime's first fetch", token: false },
  "sdk-protected": { label: "@clerk/backend alone: createClerkClient + authenticateRequest", token: true },
  "sdk-current-user": { label: "@clerk/backend alone: authenticateRequest + users.getUser", token: true },
} as const;
export type Reference = keyof typeof REFERENCES;
export const isReference = (module: string): module is Reference => module in REFERENCES;

const NODE_NO_COMPILE_CACHE = { NODE_DISABLE_COMPILE_CACHE: "1" };

/** One fresh process: spawn → ready line → first response; the process is killed right after. */
async function startOnce(ctx: ColdStartContext, runtime: Runtime, module: string) {
  const hello = module === "hello" || isReference(module);
  const bundle = hello ? bundlePath(runtime, module as Impl) : bundlePath(runtime, "project", module);
  const argv = serverCommand(runtime, bundle, module as FunctionName);
  const t0 = performance.now();
  const server = await startBenchServer(
    argv,
    serverEnv(ctx.clerk, "networkless", { ...ctx.env, ...NODE_NO_COMPILE_CACHE }),
  );
  const listenMs = performance.now() - t0;
  try {
    const signedIn = !hello || (isReference(module) && REFERENCES[module].token);
    const status = await callFunction(
      server.url,
      runtime,
      module as FunctionName,
      signedIn ? ctx.token : undefined,
    );
    const totalMs = performance.now() - t0;
    if (status !== 200) throw new Error(`cold start ${runtime}/${module}: got ${status}\n${server.tail()}`);
    return { totalMs, listenMs };
  } finally {
    await stopBenchServer(server);
  }
}

const spread = (values: number[]) => {
  const sorted = Float64Array.from(values).sort();
  return { median: median(values), p10: percentile(sorted, 10), p90: percentile(sorted, 90) };
};

export async function coldStartPhase(
  ctx: ColdStartContext,
  runs = opts.coldStartRuns,
  functions: readonly FunctionName[] = FUNCTION_NAMES,
): Promise<ColdStart[]> {
  const results: ColdStart[] = [];
  for (const runtime of COLD_START_TARGETS) {
    log(
      `cold start ${runtime}: ${runs} interleaved runs (+1 discarded) of hello and ${functions.length} functions`,
    );
    const hello = { totalMs: [] as number[], listenMs: [] as number[] };
    const modules = [...functions, ...(Object.keys(REFERENCES) as Reference[])];
    const fns = new Map(
      modules.map((fn) => [
        fn,
        { totalMs: [] as number[], listenMs: [] as number[], deltaMs: [] as number[] },
      ]),
    );
    for (let run = 0; run <= runs; run++) {
      for (const fn of modules) {
        const h = await startOnce(ctx, runtime, "hello");
        const f = await startOnce(ctx, runtime, fn);
        if (run === 0) continue;
        hello.totalMs.push(h.totalMs);
        hello.listenMs.push(h.listenMs);
        const entry = fns.get(fn)!;
        entry.totalMs.push(f.totalMs);
        entry.listenMs.push(f.listenMs);
        entry.deltaMs.push(f.totalMs - h.totalMs);
      }
    }
    const h = spread(hello.totalMs);
    results.push({
      id: `${runtime}/hello`,
      runtime,
      module: "hello",
      ...hello,
      medianMs: h.median,
      p10Ms: h.p10,
      p90Ms: h.p90,
    });
    for (const [fn, entry] of fns) {
      const t = spread(entry.totalMs);
      const d = spread(entry.deltaMs);
      results.push({
        id: `${runtime}/${fn}`,
        runtime,
        module: fn,
        totalMs: entry.totalMs,
        listenMs: entry.listenMs,
        medianMs: t.median,
        p10Ms: t.p10,
        p90Ms: t.p90,
        deltaMs: entry.deltaMs,
        medianDeltaMs: d.median,
        p10DeltaMs: d.p10,
        p90DeltaMs: d.p90,
      });
    }
  }
  return results;
}
