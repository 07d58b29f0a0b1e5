// Benchmark: what does `protected` cost on top of the least any function must do?
//   node scripts/bench/main.ts [--rounds 4] [--duration 3] [--warmup 1] [--cold-runs 10] [--tokens 12000]
//                              [--quick] [--no-pin]                                        (npm run bench)
// One run measures, against floors measured in the same run:
//   - warm load (autocannon, 10 connections): req/s, p50, p99 of the BUILT protected bundle on Node
//     (dist/netlify) and Deno (dist/supabase), networkless (CLERK_JWT_KEY) and JWKS mode, with one reused
//     token and with a fresh token per request; the same for scripts/bench/floor.ts (jose, key imported
//     once, same checks, same response) and hello-world as the harness ceiling (warm-load.ts);
//   - cold start: process spawn → first authenticated 200, project vs hello-world, on each runtime
//     (cold-start.ts);
//   - bundle sizes, and RSS of the Node project and floor servers at the end of the load phase.
// Load rounds are interleaved (every variant once per round, compared variants back to back, the order
// shuffled each round), so machine drift hits all variants alike. It prints Markdown tables (report.ts;
// progress goes to stderr) and writes bench-results/latest.json.
import { spawnSync } from "node:child_process";
import { build } from "../build.ts";
import { ROOT } from "../lib/paths.ts";
import { cpuSnapshot, foreignShare, memoryOf } from "../lib/proc.ts";
import { jwksFetchCount } from "../lib/stand-ins.ts";
import { type ClerkStandIn, startClerkStandIn } from "../stand-ins/clerk.ts";
import { bundleBenchFunctions } from "./bundles.ts";
import { coldPhase } from "./cold-start.ts";
import { log, opts } from "./options.ts";
import { type GitState, type ReportInput, report } from "./report.ts";
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

/** Cold starts, then the warm load phase; what the report needs beyond the build and git state. */
async function measure(clerk: ClerkStandIn, tokens: Tokens) {
  const snapshot = () => cpuSnapshot(childPids());
  log(`cold starts: ${opts.coldRuns} runs (+1 discarded) per variant, interleaved`);
  const coldCpu = snapshot();
  const cold = await coldPhase(clerk, tokens.reused);
  const coldForeign = foreignShare(coldCpu, snapshot());

  log("starting servers");
  const servers = await startServers(clerk);
  const variants = variantsFor(servers);
  const jwksBefore = jwksFetchCount(clerk);
  const loadCpu = snapshot();
  const loadRounds = await loadPhase(variants, tokens);
  const loadForeign = foreignShare(loadCpu, snapshot());
  // Read right at the end of the load phase, before anything is stopped.
  const memory = servers.map((server) => ({
    id: `${server.runtime}/${server.impl}/${server.mode}`,
    server,
    mem: memoryOf(server.process.pid),
  }));
  const jwksFetches = jwksFetchCount(clerk) - jwksBefore;
  await Promise.all(servers.map((server) => stopBenchServer(server.process)));
  return {
    variants: variants.map(summarize),
    servers,
    memory,
    cold,
    jwksFetches,
    foreign: { cold: coldForeign, load: loadForeign, loadRounds },
  } satisfies Partial<ReportInput>;
}

async function main(): Promise<void> {
  pinSelf();
  // Before building: the state that gets built and measured (others may commit while this runs).
  const git = gitState();
  log("building dist/ (scripts/build.ts) and the floor/hello bundles");
  const distReports = await build();
  const benchReports = await bundleBenchFunctions();
  const clerk = await startClerkStandIn({ authorizedParty: AUTHORIZED_PARTY });
  try {
    log(`minting ${opts.tokens} session tokens`);
    const tokens = await mintTokens(clerk, opts.tokens);
    const measured = await measure(clerk, tokens);
    await report({ git, distReports, benchReports, tokens, ...measured });
  } finally {
    killChildren();
    await clerk.close();
  }
}

await main().catch((err: unknown) => {
  console.error(err);
  killChildren();
  process.exit(1);
});
