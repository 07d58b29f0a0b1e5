// Latency as a user feels it, with the upstreams at a distance: per function and runtime (JWKS mode,
// one request at a time, as Netlify gives an instance one request at a time), the round trips each
// request makes, warm p50/p99, the first request of a new session, and the first request of a new
// isolate (fresh process, so the JWKS fetch too).
import { FUNCTION_NAMES, type FunctionName, loadFunctions } from "../lib/functions.ts";
import type { ServerProcess } from "../lib/process.ts";
import type { ClerkStandIn } from "../stand-ins/clerk.ts";
import {
  countTrips,
  perRequest,
  recordedTrips,
  replayTrips,
  resetTrips,
  type Trip,
  type TripCount,
  type Upstreams,
} from "./distance.ts";
import { distance, log, opts } from "./options.ts";
import {
  AUTHORIZED_PARTY,
  bundlePath,
  type Runtime,
  requestPath,
  serverCommand,
  serverEnv,
  startBenchServer,
  stopBenchServer,
} from "./servers.ts";
import { median, percentile } from "./stats.ts";

export interface Timed {
  ms: number;
  trips: TripCount;
}

export interface LatencyResult {
  fn: FunctionName;
  runtime: Runtime;
  /** The least round trips the function needs per warm request, and what they cost at this distance. */
  minTrips: { clerk: number; supabase: number };
  floorMs: number;
  /**
   * p50 of the warm request's own upstream requests sent again straight from the bench, interleaved
   * with the warm requests (distance, the stand-ins' own work, loopback HTTP), and the rest of the warm
   * p50: the function's own time.
   */
  upstreamMs: number;
  ownMs: number;
  warm: { p50: number; p99: number; requests: number; trips: TripCount };
  newSession: { median: number; samples: number[]; trips: TripCount };
  newIsolate: { listenMs: number[]; firstMs: number[]; median: number; trips: TripCount };
}

const DECLARATIONS = new Map((await loadFunctions()).map((fn) => [fn.name, fn.definition]));

/** The least upstream calls a warm request of `fn` makes, as the function declares it (none by default). */
export function minTrips(fn: FunctionName): { clerk: number; supabase: number } {
  const upstream = DECLARATIONS.get(fn)?.upstream;
  return { clerk: upstream?.clerk ?? 0, supabase: upstream?.supabase ?? 0 };
}

/** The request the bench sends to `fn`: its declared method and example. */
export function benchRequest(fn: FunctionName) {
  const d = DECLARATIONS.get(fn);
  const method = d?.method ?? "GET";
  const query = d?.example?.query ? `?${d.example.query}` : "";
  const body = method === "GET" ? undefined : JSON.stringify(d?.example?.body ?? {});
  return { method, query, body };
}

/** One request as the function's client sends it (signed out without a token); resolves to its status. */
export function callFunction(base: string, runtime: Runtime, fn: FunctionName, token?: string) {
  const { method, query, body } = benchRequest(fn);
  return fetch(`${base}${requestPath(runtime, fn)}${query}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      accept: "application/json",
      origin: AUTHORIZED_PARTY,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body,
    signal: AbortSignal.timeout(15_000),
  }).then(async (res) => {
    await res.arrayBuffer();
    return res.status;
  });
}

export interface LatencyContext {
  clerk: ClerkStandIn;
  upstreams: Upstreams;
  /** The functions' SUPABASE_* settings. */
  env: Record<string, string>;
  reusedToken: string;
}

// With an active organization, which organization and update-organization need.
const newSessionToken = (ctx: LatencyContext) =>
  ctx.clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 3600, org: "org_acme" });

/**
 * Requests run one after another; each one's time, and the round trips they made together. With
 * `replay`, those upstream requests are sent again straight from the bench after each request.
 */
async function timedRequests(
  ctx: LatencyContext,
  server: ServerProcess,
  id: Id,
  tokens: string[],
  replay: Trip[] = [],
) {
  resetTrips(ctx.upstreams);
  const times: number[] = [];
  const replayTimes: number[] = [];
  for (const token of tokens) {
    const t0 = performance.now();
    const status = await callFunction(server.url, id.runtime, id.fn, token);
    times.push(performance.now() - t0);
    if (status !== 200) throw new Error(`${id.runtime}/${id.fn}: got ${status}\n${server.tail()}`);
    if (replay.length > 0) replayTimes.push(await replayTrips(replay));
  }
  return { times, replayTimes, trips: perRequest(countTrips(ctx.upstreams), tokens.length) };
}

interface Id {
  fn: FunctionName;
  runtime: Runtime;
}

const spawn = (ctx: LatencyContext, id: Id) =>
  startBenchServer(
    serverCommand(id.runtime, bundlePath(id.runtime, "project", id.fn), id.fn),
    serverEnv(ctx.clerk, "jwks", ctx.env),
  );

/** Fresh processes, each asked once with a new session's token: what the first caller of an isolate waits. */
async function newIsolates(ctx: LatencyContext, id: Id) {
  const listenMs: number[] = [];
  const firstMs: number[] = [];
  let trips: TripCount = { clerk: 0, jwks: 0, supabase: 0 };
  let server: ServerProcess | undefined;
  for (let run = 0; run < opts.isolateRuns; run++) {
    if (server) await stopBenchServer(server);
    const t0 = performance.now();
    server = await spawn(ctx, id);
    listenMs.push(performance.now() - t0);
    const first = await timedRequests(ctx, server, id, [await newSessionToken(ctx)]);
    firstMs.push(first.times[0]!);
    trips = first.trips;
  }
  return { server: server!, listenMs, firstMs, median: median(firstMs), trips };
}

async function measureOne(ctx: LatencyContext, id: Id): Promise<LatencyResult> {
  const isolate = await newIsolates(ctx, id);
  const { server } = isolate;
  try {
    await timedRequests(ctx, server, id, Array(5).fill(ctx.reusedToken));
    // What one warm request sends upstream, sent again after each warm request: side by side in time,
    // so drift and timer slack weigh on both alike.
    await timedRequests(ctx, server, id, [ctx.reusedToken]);
    const replay = recordedTrips(ctx.upstreams);
    const warm = await timedRequests(
      ctx,
      server,
      id,
      Array(opts.latencyRequests).fill(ctx.reusedToken),
      replay,
    );
    const sessionTokens = await Promise.all(
      Array.from({ length: Math.min(10, opts.latencyRequests) }, () => newSessionToken(ctx)),
    );
    const fresh = await timedRequests(ctx, server, id, sessionTokens);
    const sorted = Float64Array.from(warm.times).sort();
    const least = minTrips(id.fn);
    const upstreamMs = warm.replayTimes.length > 0 ? median(warm.replayTimes) : 0;
    const p50 = percentile(sorted, 50);
    return {
      ...id,
      minTrips: least,
      floorMs: least.clerk * distance.clerkMs + least.supabase * distance.supabaseMs,
      upstreamMs,
      ownMs: p50 - upstreamMs,
      warm: {
        p50,
        p99: percentile(sorted, 99),
        requests: sorted.length,
        trips: warm.trips,
      },
      newSession: { median: median(fresh.times), samples: fresh.times, trips: fresh.trips },
      newIsolate: {
        listenMs: isolate.listenMs,
        firstMs: isolate.firstMs,
        median: isolate.median,
        trips: isolate.trips,
      },
    };
  } finally {
    await stopBenchServer(server);
  }
}

export async function latencyPhase(ctx: LatencyContext): Promise<LatencyResult[]> {
  const results: LatencyResult[] = [];
  for (const runtime of ["node", "deno", "netlify-edge"] as const) {
    for (const fn of FUNCTION_NAMES) {
      log(`latency: ${runtime}/${fn}`);
      results.push(await measureOne(ctx, { fn, runtime }));
    }
  }
  resetTrips(ctx.upstreams);
  return results;
}
