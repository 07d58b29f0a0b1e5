// --baseline <dir>: this build's protected against another build's (its dist/, e.g. of an earlier commit),
// both beside the floor in the same interleaved load rounds with a fresh token per request, so what a
// change costs per request is read side by side instead of across two runs of a noisy machine. Only
// this phase runs. The verdict: the median over rounds of (this build's CPU per request / the
// baseline's) moved by 2 % at most.
import { loadavg } from "node:os";
import type { StandIns } from "../lib/stand-ins.ts";
import { formatNumber, formatRatio, markdownTable } from "./format.ts";
import { log, opts } from "./options.ts";
import { stopBenchServer } from "./servers.ts";
import { median } from "./stats.ts";
import {
  loadPhase,
  startServers,
  summarize,
  type Tokens,
  type VariantSummary,
  variantsFor,
} from "./warm-load.ts";

export const BASELINE_BUDGET = 0.02;

const perRound = (a: VariantSummary, b: VariantSummary) =>
  a.roundsCpuMsPerRequest.map((cpu, i) => cpu / b.roundsCpuMsPerRequest[i]!);

const µs = (ms: number) => formatNumber(ms * 1000, 0);
const signedPercent = (x: number) => `${x < 0 ? "−" : "+"}${formatNumber(Math.abs(x) * 100, 1)} %`;

/** Runs the rounds and prints one Markdown table; returns whether every runtime stayed within budget. */
export async function baselinePhase(stand: StandIns, tokens: Tokens, baselineDir: string): Promise<boolean> {
  log(
    `protected of this build and of ${baselineDir}, beside the floor: ${opts.rounds} rounds of ${opts.duration} s`,
  );
  const servers = await startServers(stand.clerk, {}, ["project", "baseline", "floor"]);
  const variants = variantsFor(servers, tokens).filter((v) => v.token === "fresh");
  const loadBefore = loadavg();
  await loadPhase(variants, tokens);
  await Promise.all(servers.map((server) => stopBenchServer(server.process)));
  const summaries = variants.map(summarize);
  const find = (runtime: string, impl: string) =>
    summaries.find((s) => s.runtime === runtime && s.impl === impl)!;
  let within = true;
  const rows = (["node", "deno"] as const).map((runtime) => {
    const [project, baseline, floor] = [
      find(runtime, "project"),
      find(runtime, "baseline"),
      find(runtime, "floor"),
    ];
    const rounds = perRound(project, baseline);
    const moved = median(rounds) - 1;
    const met = Math.abs(moved) <= BASELINE_BUDGET;
    within &&= met;
    return [
      runtime,
      `${µs(project.cpuMsPerRequest)} (${formatRatio(project.cpuMsPerRequest / floor.cpuMsPerRequest)})`,
      `${µs(baseline.cpuMsPerRequest)} (${formatRatio(baseline.cpuMsPerRequest / floor.cpuMsPerRequest)})`,
      µs(floor.cpuMsPerRequest),
      rounds.map((r) => formatNumber(r, 3)).join(", "),
      signedPercent(moved),
      signedPercent(project.cpuMsPerRequest / baseline.cpuMsPerRequest - 1),
      met ? "✅" : "❌",
    ];
  });
  console.log(`### protected, fresh token: this build against ${baselineDir}\n`);
  console.log(
    `${opts.rounds} interleaved rounds of ${opts.duration} s after a discarded warm-up; CPU µs per request ` +
      `(utime + stime of the server process), and its ratio to the floor's. Load average ${loadBefore
        .map((l) => formatNumber(l, 2))
        .join(", ")} before, ${loadavg()
        .map((l) => formatNumber(l, 2))
        .join(", ")} after.\n`,
  );
  console.log(
    markdownTable(
      [
        "runtime",
        "this build µs/request (÷ floor)",
        "baseline µs/request (÷ floor)",
        "floor µs/request",
        "this ÷ baseline, per round",
        "moved (median of rounds)",
        "moved (all rounds pooled)",
        `within ${formatNumber(BASELINE_BUDGET * 100)} %`,
      ],
      rows,
      ["---", "---:", "---:", "---:", "---", "---:", "---:", "---"],
    ),
  );
  return within;
}
