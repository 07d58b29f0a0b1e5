// The bench's result: one JSON document (bench-results/latest.json) from which everything else — the
// Markdown on stdout, bench-results/latest.md, the results in docs/benchmark.md — is rendered.
import { spawnSync } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join, relative } from "node:path";
import { ROOT } from "../lib/paths.ts";
import type { Size } from "./bundles.ts";
import type { ColdLoad } from "./cold-load.ts";
import type { ColdStart } from "./cold-start.ts";
import { writeColdStartSection } from "./cold-start-report.ts";
import { LATEST_JSON, updateBenchmarkDoc } from "./doc.ts";
import type { FunctionLoad } from "./function-load.ts";
import { benchGoals, type Goal, type MemoryResult } from "./goals.ts";
import type { LatencyResult } from "./latency.ts";
import { renderMarkdown } from "./markdown.ts";
import { distance, log, opts, startedAt } from "./options.ts";
import { cpuCount, denoBin, pinning, RESULTS_DIR } from "./servers.ts";
import type { VariantSummary } from "./warm-load.ts";

export interface GitState {
  commit: string;
  dirty: string[];
}

/** Share of the machine's CPU other processes used, per phase (and per load round, warm-up first). */
export interface ForeignShare {
  coldStart?: number;
  coldLoad: number;
  latency: number;
  load: number;
  loadRounds: number[];
  functions: number;
}

export interface BenchResult {
  date: string;
  git: GitState;
  machine: { cpuModel: string; cores: number };
  versions: { node: string; deno: string };
  pinning: { loadCpu: string; serverCpu: string } | null;
  options: typeof opts;
  /** Injected upstream distance: every request to the stand-in takes this much longer. */
  distance: typeof distance;
  foreignCpuShare: ForeignShare;
  totalSeconds: number;
  tokenPool: number;
  maxFreshRequestsPerServer: number;
  /** Whether the Clerk stand-in issued an opaque M2M token (machine tokens on this commit). */
  m2m: boolean;
  latency: LatencyResult[];
  /** Idle CPUs were kept polling during the latency runs (idle.ts). */
  latencyCpusPolling: boolean;
  /** Spawn → first response per function and target vs hello-world (absent in older results). */
  coldStart?: ColdStart[];
  coldLoad: ColdLoad[];
  load: VariantSummary[];
  functions: FunctionLoad[];
  memory: MemoryResult[];
  bundles: Array<{ file: string; raw: number; gzip: number }>;
  goals: Goal[];
}

export type MeasuredParts = Omit<
  BenchResult,
  "date" | "machine" | "versions" | "pinning" | "options" | "distance" | "totalSeconds" | "bundles" | "goals"
> & { sizes: Size[] };

export function buildResult(parts: MeasuredParts): BenchResult {
  const { sizes, ...measured } = parts;
  const deno = spawnSync(denoBin, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0] ?? "?";
  return {
    date: new Date().toISOString(),
    ...measured,
    machine: { cpuModel: cpus()[0]?.model ?? "?", cores: cpuCount },
    versions: { node: process.versions.node, deno },
    pinning: pinning ?? null,
    options: opts,
    distance,
    totalSeconds: (performance.now() - startedAt) / 1000,
    bundles: sizes.map((r) => ({ file: relative(ROOT, r.file), raw: r.raw, gzip: r.gzip })),
    goals: benchGoals(measured),
  };
}

export async function report(result: BenchResult, doc: boolean): Promise<void> {
  const markdown = renderMarkdown(result);
  console.log(markdown);
  await mkdir(RESULTS_DIR, { recursive: true });
  await writeFile(LATEST_JSON, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(join(RESULTS_DIR, "latest.md"), `${markdown}\n`);
  log(`wrote ${relative(ROOT, LATEST_JSON)} and latest.md`);
  if (doc) {
    await updateBenchmarkDoc(result);
    if (result.coldStart)
      await writeColdStartSection(result.coldStart, result.date, result.git.commit, opts.coldStartRuns);
  }
}
