// Benchmark: performance as users feel it and as the platforms bill it, per function, on Node (the
// Netlify bundles, dist/netlify) and Deno (the Supabase bundles under `deno serve`), in one run:
//   node scripts/bench/main.ts [--quick] [--clerk-ms 40] [--supabase-ms 20] [--doc] [--check] [--no-pin]
//        [--allow-idle] [--rounds 4] [--duration 3] [--warmup 1] [--cold-runs 10] [--cold-start-runs 15]
//        [--cold-start] [--tokens 12000] [--baseline <another build's dist/>]
//        [--latency-requests 100] [--isolate-runs 3]                                     (npm run bench)
//   - cold start: a fresh server per run, spawn → first response with a valid token, per function and
//     target, interleaved and paired with hello-world (cold-start.ts); `--cold-start [--doc] [--check]`
//     runs only this phase, `--cold-start-runs N` (15) sets its runs;
//   - cold load: each bundle's import alone in a fresh process vs hello-world, to explain the cold start
//     (cold-load.ts);
//   - round trips and latency with the stand-ins at a distance: trips per request counted at the
//     stand-ins, warm p50/p99, a new session's first request, a new isolate's first request (latency.ts);
//   - protected vs the jose floor (floor.ts) and hello-world under load, in interleaved rounds: req/s,
//     p50/p99, the server's CPU time per request, with reused, fresh and (once the stand-in issues them)
//     opaque M2M tokens (warm-load.ts);
//   - every function under load: req/s and CPU per request (function-load.ts); memory; bundle sizes.
// It prints Markdown (progress goes to stderr) and writes bench-results/latest.json, from which
// latest.md and, with --doc (or `node scripts/bench/doc.ts`), the results in docs/benchmark.md are rendered.
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { build } from "../build.ts";
import { ROOT } from "../lib/paths.ts";
import { cpuSnapshot, foreignShare, memoryOf } from "../lib/proc.ts";
import { type StandIns, startStandIns } from "../lib/stand-ins.ts";
import { baselinePhase } from "./baseline.ts";
import { bundleBenchFunctions } from "./bundles.ts";
import { coldLoadPhase } from "./cold-load.ts";
import { coldStartPhase } from "./cold-start.ts";
import { coldStartResult, renderColdStart, writeColdStart } from "./cold-start-report.ts";
import { setDistance } from "./distance.ts";
import { functionLoadPhase } from "./function-load.ts";
import { holdCpusAwake } from "./idle.ts";
import { type LatencyContext, latencyPhase } from "./latency.ts";
import { mintM2M } from "./m2m.ts";
import {
  allowIdle,
  baselineDist,
  checkGoals,
  coldStartOnly,
  distance,
  log,
  opts,
  writeDoc,
} from "./options.ts";
import { buildResult, type GitState, type MeasuredParts, report } from "./report.ts";
import { AUTHORIZED_PARTY, childPids, killChildren, pinSelf, stopBenchServer } from "./servers.ts";
import { loadPhase, mintTokens, startServers, summarize, type Tokens, variantsFor } from "./warm-load.ts";

process.on("exit", killChildren);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    killChildren();
    process.exit(130);
  });
}

function gitState(): GitState {
  // Only the final newline is dropped: porcelain lines start with a (possibly blank) status column.
  const git = (...args: string[]) =>
    (spawnSync("git", args, { cwd: ROOT, encoding: "utf8" }).stdout ?? "").replace(/\n$/, "");
  return {
    commit: git("rev-parse", "--short", "HEAD"),
    // Only what goes into the measured bundles; other work in progress does not change the numbers.
    dirty: git("status", "--porcelain", "--", "functions", "shared", "package.json", "package-lock.json")
      .split("\n")
      .filter(Boolean),
  };
}

/** Runs `phase` and measures the share of the machine's CPU other processes took meanwhile. */
async function withForeign<T>(phase: () => Promise<T>): Promise<[T, number]> {
  const before = cpuSnapshot(childPids());
  const result = await phase();
  return [result, foreignShare(before, cpuSnapshot(childPids()))];
}

/** protected vs floor and hello-world in interleaved rounds, with memory read at the end. */
async function protectedLoad(stand: StandIns, tokens: Tokens, projectEnv: Record<string, string>) {
  log("starting the protected, floor and hello-world servers");
  const servers = await startServers(stand.clerk, projectEnv);
  const variants = variantsFor(servers, tokens);
  const loadRounds = await loadPhase(variants, tokens);
  // Read right at the end of the load phase, before anything is stopped.
  const memory = servers.map((server) => ({
    id: `${server.runtime}/${server.impl}/${server.mode}`,
    loadSeconds: server.loadSeconds,
    ...memoryOf(server.process.pid),
  }));
  await Promise.all(servers.map((server) => stopBenchServer(server.process)));
  const maxFresh = Math.max(...servers.filter((s) => s.impl === "project").map((s) => s.freshRequests));
  return { load: variants.map(summarize), memory, loadRounds, maxFresh };
}

async function measure(stand: StandIns, tokens: Tokens): Promise<Omit<MeasuredParts, "git" | "sizes">> {
  const m2m = await mintM2M(stand.clerk);
  if (m2m) tokens.m2m = m2m.token;
  log(m2m ? "the Clerk stand-in issues opaque M2M tokens" : "no M2M tokens in the Clerk stand-in: n/a");
  const env = {
    SUPABASE_URL: stand.supabase.url,
    SUPABASE_PUBLISHABLE_KEY: stand.env.SUPABASE_PUBLISHABLE_KEY!,
    ...m2m?.env,
  };
  const upstreams = { clerk: stand.clerk.server, supabase: stand.supabase.server };
  // The session's active organization lets organization and update-organization answer 200.
  const orgToken = await stand.clerk.mintSessionToken({
    userId: "user_alice",
    ttlSeconds: 3600,
    org: "org_acme",
  });
  // The per-function phases send that token: organization and update-organization need the organization.
  const ctx: LatencyContext = { clerk: stand.clerk, upstreams, env, reusedToken: orgToken };

  const [coldStart, coldStartForeign] = await withForeign(() =>
    coldStartPhase({ clerk: stand.clerk, env, token: orgToken }),
  );
  const [coldLoad, coldForeign] = await withForeign(coldLoadPhase);
  setDistance(upstreams.clerk, distance.clerkMs);
  setDistance(upstreams.supabase, distance.supabaseMs);
  const release = allowIdle ? undefined : holdCpusAwake();
  const [latency, latencyForeign] = await withForeign(() => latencyPhase(ctx)).finally(release);
  setDistance(upstreams.clerk, 0);
  setDistance(upstreams.supabase, 0);
  const [warm, loadForeign] = await withForeign(() => protectedLoad(stand, tokens, env));
  const [functions, functionsForeign] = await withForeign(() => functionLoadPhase(ctx));
  return {
    m2m: m2m !== undefined,
    tokenPool: tokens.pool.length,
    maxFreshRequestsPerServer: warm.maxFresh,
    latency,
    latencyCpusPolling: release !== undefined,
    coldStart,
    coldLoad,
    load: warm.load,
    functions,
    memory: warm.memory,
    foreignCpuShare: {
      coldStart: coldStartForeign,
      coldLoad: coldForeign,
      latency: latencyForeign,
      load: loadForeign,
      loadRounds: warm.loadRounds,
      functions: functionsForeign,
    },
  };
}

/** --cold-start: only the cold-start phase, with its verdicts; exit 1 with --check when one is missed. */
async function coldStartMain(): Promise<void> {
  const git = gitState();
  log("building dist/ (scripts/build.ts) and the hello-world and host bundles");
  await build();
  await bundleBenchFunctions();
  const stand = await startStandIns({ origin: AUTHORIZED_PARTY });
  try {
    // An active organization, which organization and update-organization need to answer 200.
    const token = await stand.clerk.mintSessionToken({
      userId: "user_alice",
      ttlSeconds: 3600,
      org: "org_acme",
    });
    const env = {
      SUPABASE_URL: stand.supabase.url,
      SUPABASE_PUBLISHABLE_KEY: stand.env.SUPABASE_PUBLISHABLE_KEY!,
    };
    const loadBefore = loadavg();
    const cold = await coldStartPhase({ clerk: stand.clerk, env, token });
    const commit = `${git.commit}${git.dirty.length > 0 ? " (dirty)" : ""}`;
    const result = coldStartResult(commit, opts.coldStartRuns, loadBefore, cold);
    console.log(renderColdStart(result));
    await writeColdStart(result, writeDoc);
    const missed = result.goals.filter((g) => g.met === false);
    log(
      missed.length > 0 ? `${missed.length} cold start(s) over the goal` : "every cold start within the goal",
    );
    if (checkGoals && missed.length > 0) process.exitCode = 1;
  } finally {
    killChildren();
    await stand.close();
  }
}

/** --baseline: only this build's protected against another build's, side by side. */
async function baselineMain(dir: string): Promise<void> {
  log("building dist/ (scripts/build.ts) and the floor and host bundles");
  await build();
  await bundleBenchFunctions();
  const stand = await startStandIns({ origin: AUTHORIZED_PARTY });
  try {
    log(`minting ${opts.tokens} session tokens`);
    const within = await baselinePhase(stand, await mintTokens(stand.clerk, opts.tokens), dir);
    log(within ? "within the budget" : "moved by more than the budget");
    if (checkGoals && !within) process.exitCode = 1;
  } finally {
    killChildren();
    await stand.close();
  }
}

async function main(): Promise<void> {
  pinSelf();
  if (coldStartOnly) return coldStartMain();
  if (baselineDist) return baselineMain(baselineDist);
  // Before building: the state that gets built and measured (others may commit while this runs).
  const git = gitState();
  log("building dist/ (scripts/build.ts) and the floor, hello-world, host and probe bundles");
  const distReports = await build();
  const benchReports = await bundleBenchFunctions();
  const stand = await startStandIns({ origin: AUTHORIZED_PARTY });
  try {
    log(`minting ${opts.tokens} session tokens`);
    const tokens = await mintTokens(stand.clerk, opts.tokens);
    const measured = await measure(stand, tokens);
    const result = buildResult({ git, sizes: [...distReports, ...benchReports], ...measured });
    await report(result, writeDoc);
    const missed = result.goals.filter((g) => g.met === false);
    if (missed.length > 0) log(`${missed.length} goal(s) not met`);
    if (checkGoals && missed.length > 0) process.exitCode = 1;
  } finally {
    killChildren();
    await stand.close();
  }
}

await main().catch((err: unknown) => {
  console.error(err);
  killChildren();
  process.exit(1);
});
