// The bench's goals: latency against the round trips a function cannot avoid, cold load against
// hello-world, CPU per request and throughput against the floor of the same run, memory.
import type { ColdLoad } from "./cold-load.ts";
import { type ColdStart, isReference } from "./cold-start.ts";
import { formatNumber as fmt, formatRatio } from "./format.ts";
import type { LatencyResult } from "./latency.ts";
import type { Runtime, TokenMode } from "./servers.ts";
import { median } from "./stats.ts";
import type { VariantSummary } from "./warm-load.ts";

export interface Goal {
  goal: string;
  target: string;
  measured: string;
  /** null: not measurable in this run (e.g. no machine tokens in the stand-in yet). */
  met: boolean | null;
}

export interface MemoryResult {
  id: string;
  loadSeconds: number;
  rssMiB?: number;
  hwmMiB?: number;
}

/**
 * Warm p50 within 3 ms of the function's round trips, and no more trips than it needs. A round trip is
 * what the same upstream request costs sent straight from the bench (see LatencyResult.upstreamMs): the
 * distance alone leaves out the upstream's own work, which no function can save (the Supabase
 * stand-in's Postgres query with Row Level Security takes ~2 ms, as a real one takes some).
 */
export const LATENCY_SLACK_MS = 3;

export const latencyBudget = (l: LatencyResult) => l.upstreamMs + LATENCY_SLACK_MS;

export const COLD_LOAD_BUDGET_MS = 25;

// Throughput ratios are taken per round (the two ran back to back in the same block) and the median of
// those is reported, with their range: a burst from another process then skews one round's ratio, not
// the result, and the range shows how much to trust it.
export function pairedRatio(a: VariantSummary, b: VariantSummary) {
  const ratios = a.roundsRps.map((rps, i) => rps / b.roundsRps[i]!);
  return { ratio: median(ratios), range: `${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)}` };
}

function latencyGoals(latency: LatencyResult[]): Goal[] {
  return latency.map((l) => {
    const budget = latencyBudget(l);
    const trips = `${fmt(l.warm.trips.clerk, 2)} Clerk + ${fmt(l.warm.trips.supabase, 2)} Supabase trips/request`;
    const fewest = l.warm.trips.clerk <= l.minTrips.clerk && l.warm.trips.supabase <= l.minTrips.supabase;
    return {
      goal: `warm p50 ${l.runtime}/${l.fn}: its trips sent directly + ${LATENCY_SLACK_MS} ms, with ${l.minTrips.clerk} Clerk + ${l.minTrips.supabase} Supabase trips at most`,
      target: `≤ ${fmt(budget, 1)} ms`,
      measured: `${fmt(l.warm.p50, 1)} ms (${trips}; sent directly ${fmt(l.upstreamMs, 1)} ms)`,
      met: fewest && l.warm.p50 <= budget,
    };
  });
}

/** Cold start (spawn → first response) − hello-world's, the median of paired runs: within +25 ms. */
export function coldStartGoals(cold: ColdStart[]): Goal[] {
  return cold.flatMap((c) => {
    if (c.medianDeltaMs === undefined || isReference(c.module)) return [];
    const hello = cold.find((h) => h.runtime === c.runtime && h.module === "hello")!;
    return [
      {
        goal: `cold start ${c.runtime}/${c.module}: spawn → first response − hello's (median of paired runs)`,
        target: `≤ +${COLD_LOAD_BUDGET_MS} ms`,
        measured: `${signed(c.medianDeltaMs)} ms (p10–p90 ${signed(c.p10DeltaMs!)}…${signed(c.p90DeltaMs!)}; ${fmt(c.medianMs, 1)} vs ${fmt(hello.medianMs, 1)})`,
        met: c.medianDeltaMs <= COLD_LOAD_BUDGET_MS,
      },
    ];
  });
}

const signed = (ms: number) => `${ms < 0 ? "−" : "+"}${fmt(Math.abs(ms), 1)}`;

type Find = (runtime: Runtime, impl: "project" | "floor", token: TokenMode) => VariantSummary | undefined;

function cpuGoal(find: Find, runtime: Runtime): Goal[] {
  const project = find(runtime, "project", "fresh");
  const floor = find(runtime, "floor", "fresh");
  if (!project || !floor) return [];
  const ratio = project.cpuMsPerRequest / floor.cpuMsPerRequest;
  return [
    {
      goal: `CPU per request ${runtime}, fresh token: protected / floor`,
      target: "≤ 1.15×",
      measured: `${formatRatio(ratio)} (${fmt(project.cpuMsPerRequest * 1000, 0)} vs ${fmt(floor.cpuMsPerRequest * 1000, 0)} µs)`,
      met: ratio <= 1.15,
    },
  ];
}

function throughputGoal(goal: string, target: number, a?: VariantSummary, b?: VariantSummary): Goal {
  if (!a || !b) return { goal, target: `≥ ${formatRatio(target)}`, measured: "n/a", met: null };
  const { ratio, range } = pairedRatio(a, b);
  return {
    goal,
    target: `≥ ${formatRatio(target)}`,
    measured: `${formatRatio(ratio)} (rounds ${range}; ${fmt(a.rps)} vs ${fmt(b.rps)} req/s)`,
    met: ratio >= target,
  };
}

function throughputGoals(find: Find, runtime: Runtime): Goal[] {
  const project = (token: TokenMode) => find(runtime, "project", token);
  return [
    throughputGoal(
      `throughput ${runtime}, fresh token: protected / floor`,
      0.9,
      project("fresh"),
      find(runtime, "floor", "fresh"),
    ),
    throughputGoal(
      `throughput ${runtime}, reused token: protected / floor`,
      1.2,
      project("reused"),
      find(runtime, "floor", "reused"),
    ),
    throughputGoal(
      `throughput ${runtime}, reused opaque M2M token / reused session token`,
      0.8,
      project("m2m"),
      project("reused"),
    ),
  ];
}

function memoryGoal(memory: MemoryResult[]): Goal[] {
  const project = memory.find((m) => m.id === "node/project/networkless");
  const floor = memory.find((m) => m.id === "node/floor/networkless");
  if (!project?.rssMiB || !floor?.rssMiB) return [];
  const ratio = project.rssMiB / floor.rssMiB;
  return [
    {
      goal: `RSS after ~${fmt(project.loadSeconds)} s of load: protected / floor (node)`,
      target: "≤ 1.30×",
      measured: `${formatRatio(ratio)} (${fmt(project.rssMiB, 1)} vs ${fmt(floor.rssMiB, 1)} MiB)`,
      met: ratio <= 1.3,
    },
  ];
}

export interface GoalInput {
  latency: LatencyResult[];
  coldLoad: ColdLoad[];
  /** Absent in results written before the cold-start phase existed. */
  coldStart?: ColdStart[];
  load: VariantSummary[];
  memory: MemoryResult[];
}

export function benchGoals(input: GoalInput): Goal[] {
  const find: Find = (runtime, impl, token) =>
    input.load.find((v) => v.runtime === runtime && v.impl === impl && v.token === token);
  return [
    ...latencyGoals(input.latency),
    // One cold-start figure is judged: the import alone (coldLoad) is reported beside it, to explain it.
    ...coldStartGoals(input.coldStart ?? []),
    ...(["node", "deno"] as const).flatMap((runtime) => [
      ...cpuGoal(find, runtime),
      ...throughputGoals(find, runtime),
    ]),
    ...memoryGoal(input.memory),
  ];
}
