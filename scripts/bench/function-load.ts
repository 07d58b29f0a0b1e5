// CPU per request of every function on each runtime: each built bundle under autocannon (networkless,
// one reused session token, upstreams at zero distance so the server, not the wait, sets the pace), its
// process CPU time (utime + stime from /proc) divided by the requests it answered.
import { FUNCTION_NAMES, type FunctionName } from "../lib/functions.ts";
import { resetTrips } from "./distance.ts";
import { benchRequest, type LatencyContext } from "./latency.ts";
import { log, opts } from "./options.ts";
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
import { percentile } from "./stats.ts";
import { runLoad } from "./warm-load.ts";

export interface FunctionLoad {
  id: string;
  fn: FunctionName;
  runtime: Runtime;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  failures: number;
  cpuMsPerRequest: number;
}

async function loadOne(ctx: LatencyContext, runtime: Runtime, fn: FunctionName): Promise<FunctionLoad> {
  const argv = serverCommand(runtime, bundlePath(runtime, "project", fn), fn);
  const server = await startBenchServer(argv, serverEnv(ctx.clerk, "networkless", ctx.env));
  const { method, query, body } = benchRequest(fn);
  const target = {
    url: server.url,
    path: `${requestPath(runtime, fn)}${query}`,
    method,
    headers: {
      accept: "application/json",
      origin: AUTHORIZED_PARTY,
      ...(body ? { "content-type": "application/json" } : {}),
    },
    body,
    authorization: () => `Bearer ${ctx.reusedToken}`,
    pid: server.pid,
  };
  try {
    await runLoad(target, opts.warmup);
    const sample = await runLoad(target, opts.duration);
    const sorted = Float64Array.from(sample.latencies).sort();
    return {
      id: `${runtime}/${fn}`,
      fn,
      runtime,
      rps: sample.rps,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      requests: sample.ok,
      failures: sample.failures,
      cpuMsPerRequest: sample.cpuMs / sample.ok,
    };
  } finally {
    await stopBenchServer(server);
  }
}

/** One server at a time, so each has the server CPU to itself. */
export async function functionLoadPhase(ctx: LatencyContext): Promise<FunctionLoad[]> {
  const results: FunctionLoad[] = [];
  for (const runtime of ["node", "deno"] as const) {
    for (const fn of FUNCTION_NAMES) {
      log(`CPU per request under load: ${runtime}/${fn}`);
      const result = await loadOne(ctx, runtime, fn);
      if (result.failures > 0) log(`  ${result.id}: ${result.failures} failed responses`);
      results.push(result);
      resetTrips(ctx.upstreams);
    }
  }
  return results;
}
