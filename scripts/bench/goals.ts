// The bench's goals: the project against the floor of the same run (Node, networkless unless stated),
// cold-start budgets, JWKS mode against networkless, and memory.
import type { ColdVariant } from "./cold-start.ts";
import { formatNumber as fmt, formatRatio } from "./format.ts";
import type { MemoryRow } from "./report.ts";
import type { Impl, KeyMode, TokenMode } from "./servers.ts";
import { median } from "./stats.ts";
import type { VariantSummary } from "./warm-load.ts";

export interface Goal {
  goal: string;
  target: string;
  measured: string;
  met: boolean;
}

// Throughput ratios are taken per round (the two ran back to back in the same block) and the median of
// those is reported, with their range: a burst from another process then skews one round's ratio, not
// the result, and the range shows how much to trust it.
export function pairedRatio(a: VariantSummary, b: VariantSummary) {
  const ratios = a.roundsRps.map((rps, i) => rps / b.roundsRps[i]!);
  return { ratio: median(ratios), range: `${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)}` };
}

function throughputGoal(goal: string, target: number, a?: VariantSummary, b?: VariantSummary): Goal[] {
  if (!a || !b) return [];
  const { ratio, range } = pairedRatio(a, b);
  return [
    {
      goal,
      target: `≥ ${formatRatio(target)}`,
      measured: `${formatRatio(ratio)} (rounds ${range}; ${fmt(a.rps)} vs ${fmt(b.rps)} req/s)`,
      met: ratio >= target,
    },
  ];
}

function p99Goal(goal: string, target: number, a?: VariantSummary, b?: VariantSummary): Goal[] {
  if (!a || !b) return [];
  const ratio = a.p99 / b.p99;
  return [
    {
      goal,
      target: `≤ ${formatRatio(target)}`,
      measured: `${formatRatio(ratio)} (${fmt(a.p99, 2)} vs ${fmt(b.p99, 2)} ms)`,
      met: ratio <= target,
    },
  ];
}

function coldStartGoals(cold: ColdVariant[]): Goal[] {
  const budgets = [
    ["node", 40],
    ["deno", 50],
  ] as const;
  return budgets.map(([runtime, budget]) => {
    const project = cold.find((c) => c.id === `${runtime}/project`)!;
    const hello = cold.find((c) => c.id === `${runtime}/hello`)!;
    const delta = median(project.firstOkMs) - median(hello.firstOkMs);
    return {
      goal: `cold start ${runtime}: project − hello (median spawn → first 200)`,
      target: `≤ +${budget} ms`,
      measured: `+${fmt(delta, 1)} ms (${fmt(median(project.firstOkMs), 1)} vs ${fmt(median(hello.firstOkMs), 1)})`,
      met: delta <= budget,
    };
  });
}

function memoryGoal(memory: MemoryRow[]): Goal[] {
  const memOf = (impl: Impl) => memory.find((m) => m.id === `node/${impl}/networkless`);
  const project = memOf("project");
  const floor = memOf("floor");
  if (!project?.mem || !floor?.mem) return [];
  const ratio = project.mem.rssMiB / floor.mem.rssMiB;
  return [
    {
      goal: `RSS after ~${fmt(project.server.loadSeconds)} s of load: project / floor`,
      target: "≤ 1.30×",
      measured: `${formatRatio(ratio)} (${fmt(project.mem.rssMiB, 1)} vs ${fmt(floor.mem.rssMiB, 1)} MiB)`,
      met: ratio <= 1.3,
    },
  ];
}

export function benchGoals(variants: VariantSummary[], cold: ColdVariant[], memory: MemoryRow[]): Goal[] {
  const node = (impl: Impl, mode: KeyMode, token: TokenMode) =>
    variants.find((v) => v.runtime === "node" && v.impl === impl && v.mode === mode && v.token === token);
  const [reused, fresh] = (["reused", "fresh"] as const).map((token) => ({
    project: node("project", "networkless", token),
    floor: node("floor", "networkless", token),
  })) as [
    { project?: VariantSummary; floor?: VariantSummary },
    { project?: VariantSummary; floor?: VariantSummary },
  ];
  return [
    ...throughputGoal("throughput, reused token: project / floor", 0.6, reused.project, reused.floor),
    ...throughputGoal(
      "throughput, fresh token per request: project / floor",
      0.4,
      fresh.project,
      fresh.floor,
    ),
    ...p99Goal("p99, reused token: project / floor", 1.5, reused.project, reused.floor),
    ...p99Goal("p99, fresh token: project / floor", 1.5, fresh.project, fresh.floor),
    ...coldStartGoals(cold),
    ...(["reused", "fresh"] as const).flatMap((token) =>
      throughputGoal(
        `JWKS mode warm throughput / networkless (${token} token)`,
        0.9,
        node("project", "jwks", token),
        node("project", "networkless", token),
      ),
    ),
    ...memoryGoal(memory),
  ];
}
