// The bench report: Markdown tables on stdout and bench-results/latest.json.
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join, relative } from "node:path";
import { ROOT } from "../lib/paths.ts";
import type { memoryOf } from "../lib/proc.ts";
import type { Size } from "./bundles.ts";
import type { ColdVariant } from "./cold-start.ts";
import { formatNumber as fmt, formatKib, formatPercent, formatRatio, markdownTable } from "./format.ts";
import { benchGoals, type Goal, pairedRatio } from "./goals.ts";
import { log, opts, startedAt } from "./options.ts";
import { cpuCount, denoBin, pinning, RESULTS_DIR } from "./servers.ts";
import { median } from "./stats.ts";
import type { Server, Tokens, VariantSummary } from "./warm-load.ts";

export interface MemoryRow {
  id: string;
  server: Server;
  mem: ReturnType<typeof memoryOf>;
}

export interface GitState {
  commit: string;
  dirty: string[];
}

export interface ReportInput {
  git: GitState;
  /** Share of the machine's CPU other processes used: cold phase, load phase, and per load round. */
  foreign: { cold: number; load: number; loadRounds: number[] };
  variants: VariantSummary[];
  servers: Server[];
  memory: MemoryRow[];
  cold: ColdVariant[];
  distReports: Size[];
  benchReports: Size[];
  tokens: Tokens;
  jwksFetches: number;
}

function loadRows(variants: VariantSummary[]): string[][] {
  return variants.map((v) => {
    const floor =
      v.impl === "project"
        ? variants.find(
            (f) => f.runtime === v.runtime && f.impl === "floor" && f.mode === v.mode && f.token === v.token,
          )
        : undefined;
    const paired = floor && pairedRatio(v, floor);
    const hello = v.impl === "hello";
    return [
      v.runtime,
      hello ? "hello (ceiling)" : v.impl,
      hello ? "–" : v.mode,
      hello ? "–" : v.token,
      `${fmt(v.rps)} (${fmt(v.rpsMin)}–${fmt(v.rpsMax)})`,
      fmt(v.p50, 2),
      fmt(v.p99, 2),
      paired ? `${formatRatio(paired.ratio)} (${paired.range})` : "",
      floor ? formatRatio(v.p99 / floor.p99) : "",
      fmt(v.failures),
    ];
  });
}

function coldRows(cold: ColdVariant[]): string[][] {
  return cold.map((c) => {
    const hello = cold.find((h) => h.runtime === c.runtime && h.impl === "hello")!;
    const delta = median(c.firstOkMs) - median(hello.firstOkMs);
    return [
      c.runtime,
      c.label,
      fmt(median(c.listenMs), 1),
      fmt(median(c.firstOkMs), 1),
      `${fmt(Math.min(...c.firstOkMs), 1)}–${fmt(Math.max(...c.firstOkMs), 1)}`,
      c.impl === "hello" ? "" : `+${fmt(delta, 1)}`,
    ];
  });
}

/** What was measured where: machine, versions, pinning, load settings, token reuse, noise. */
interface RunFacts {
  machine: string;
  versions: string;
  totalSeconds: number;
  /** Fresh-token requests the busiest project server got (the floor never caches, the project might). */
  maxFresh: number;
}

function runFacts(input: ReportInput): RunFacts {
  const deno = spawnSync(denoBin, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
  return {
    machine: `${cpus()[0]?.model ?? "?"} × ${cpuCount}`,
    versions: `Node ${process.versions.node}, ${deno}`,
    totalSeconds: (performance.now() - startedAt) / 1000,
    maxFresh: Math.max(...input.servers.filter((s) => s.impl === "project").map((s) => s.freshRequests)),
  };
}

function summaryLines(input: ReportInput, facts: RunFacts): string[] {
  const { git, foreign } = input;
  const pool = input.tokens.pool.length;
  const reuse = facts.maxFresh / pool;
  const pinNote = pinning
    ? `load generator pinned to CPU ${pinning.loadCpu}, every server to CPU ${pinning.serverCpu} (taskset)`
    : "no CPU pinning (taskset unavailable, < 2 CPUs, or --no-pin): load generator and server share cores";
  const dirty = git.dirty.length
    ? ` + uncommitted changes to ${git.dirty.map((l) => l.slice(3)).join(", ")}`
    : "";
  const noisy =
    foreign.load > 0.05 || foreign.cold > 0.05 ? " — **the machine was not quiet; expect noise**" : "";
  return [
    `- commit ${git.commit}${dirty}; ${facts.versions}; ${facts.machine}; ${pinNote}`,
    "- hosts: Node = scripts/bench/node-host.ts (serve.ts's `serveFunctions`, only the bundle under test) bundled to plain JS; Deno = `deno serve --allow-env --allow-net`; project = the built dist/ bundles; floor = scripts/bench/floor.ts (jose, key imported once, verifies every request)",
    `- warm load: autocannon, ${opts.connections} connections, ${opts.rounds} interleaved rounds × ${opts.duration} s per variant after a ${opts.warmup} s warm-up round; req/s = median of rounds (range); "vs floor" = median of per-round ratios (range); p50/p99 pooled over all rounds`,
    `- fresh tokens: ${fmt(pool)} distinct valid tokens, walked in order per server; the busiest project server got ${fmt(facts.maxFresh)} fresh-token requests${reuse > 1 ? ` (each token ~${fmt(reuse, 1)}× there, ${fmt(pool)} requests apart: only a per-token cache holding more than that many entries would hit)` : " (no token repeated)"}`,
    `- other processes used ${formatPercent(foreign.load)} of the machine's CPU during the load phase (per round, warm-up first: ${foreign.loadRounds.map(formatPercent).join(", ")}) and ${formatPercent(foreign.cold)} during the cold starts${noisy}`,
    `- JWKS mode: ${input.jwksFetches} JWKS fetch(es) from the Clerk stand-in during the whole load phase (all servers)`,
  ];
}

function markdown(input: ReportInput, facts: RunFacts, goals: Goal[]): string {
  const right = (n: number) => Array.from({ length: n }, () => "---:");
  const loadHeader = ["runtime", "function", "key", "token", "req/s (range)", "p50 ms", "p99 ms"];
  const sizeRows = [...input.distReports, ...input.benchReports].map((r) => [
    relative(ROOT, r.file),
    formatKib(r.raw),
    formatKib(r.gzip),
  ]);
  const memRows = input.memory.map(({ id, server, mem }) => [
    id,
    fmt(server.loadSeconds, 0),
    mem ? fmt(mem.rssMiB, 1) : "n/a",
    mem ? fmt(mem.hwmMiB, 1) : "n/a",
  ]);
  const coldHeader = ["runtime", "server", "→ listening ms", "→ first 200 ms", "range ms", "Δ vs hello ms"];
  return [
    `## Benchmark: \`protected\` vs floor (${new Date().toISOString()})`,
    "",
    ...summaryLines(input, facts),
    "",
    "### Warm load",
    "",
    markdownTable(
      [...loadHeader, "req/s vs floor (rounds)", "p99 vs floor", "failed"],
      loadRows(input.variants),
      ["---", "---", "---", "---", ...right(6)],
    ),
    "",
    `### Cold start (networkless; spawn → first authenticated 200; median of ${opts.coldRuns}, first run discarded)`,
    "",
    markdownTable(coldHeader, coldRows(input.cold), ["---", "---", ...right(4)]),
    "",
    "### Memory at the end of the load phase",
    "",
    markdownTable(["server", "load s", "VmRSS MiB", "VmHWM MiB"], memRows, ["---", ...right(3)]),
    "",
    "### Bundle sizes",
    "",
    markdownTable(["bundle", "raw", "gzip -9"], sizeRows, ["---", ...right(2)]),
    "",
    "### Goals (Node, networkless unless stated; floor from this run)",
    "",
    markdownTable(
      ["goal", "target", "measured", "met"],
      goals.map((g) => [g.goal, g.target, g.measured, g.met ? "✅ met" : "❌ not met"]),
    ),
    "",
    `Total bench time: ${fmt(facts.totalSeconds)} s.`,
  ].join("\n");
}

function resultJson(input: ReportInput, facts: RunFacts, goals: Goal[]) {
  return {
    date: new Date().toISOString(),
    git: input.git,
    machine: facts.machine,
    versions: facts.versions,
    pinning: pinning ?? null,
    foreignCpuShare: input.foreign,
    options: opts,
    totalSeconds: facts.totalSeconds,
    tokenPool: input.tokens.pool.length,
    maxFreshRequestsPerServer: facts.maxFresh,
    jwksFetchesDuringLoad: input.jwksFetches,
    load: input.variants,
    cold: input.cold.map(({ id, label, listenMs, firstOkMs }) => ({
      id,
      label,
      listenMs,
      firstOkMs,
      medianListenMs: median(listenMs),
      medianFirstOkMs: median(firstOkMs),
    })),
    memory: input.memory.map(({ id, server, mem }) => ({ id, loadSeconds: server.loadSeconds, ...mem })),
    bundles: [...input.distReports, ...input.benchReports].map((r) => ({
      file: relative(ROOT, r.file),
      raw: r.raw,
      gzip: r.gzip,
    })),
    goals,
  };
}

export async function report(input: ReportInput): Promise<void> {
  const facts = runFacts(input);
  const goals = benchGoals(input.variants, input.cold, input.memory);
  console.log(markdown(input, facts, goals));
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, "latest.json");
  await writeFile(file, `${JSON.stringify(resultJson(input, facts, goals), null, 2)}\n`);
  log(`wrote ${relative(ROOT, file)}`);
}
