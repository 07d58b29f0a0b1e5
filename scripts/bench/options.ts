// The bench's command line, and its progress log on stderr (stdout carries the Markdown report).
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "4" },
    duration: { type: "string", default: "3" },
    warmup: { type: "string", default: "1" },
    connections: { type: "string", default: "10" },
    "cold-runs": { type: "string", default: "10" },
    "cold-start-runs": { type: "string", default: "15" },
    tokens: { type: "string", default: "12000" },
    "latency-requests": { type: "string", default: "100" },
    "isolate-runs": { type: "string", default: "3" },
    "clerk-ms": { type: "string", default: "40" },
    "supabase-ms": { type: "string", default: "20" },
    quick: { type: "boolean", default: false },
    "no-pin": { type: "boolean", default: false },
    "allow-idle": { type: "boolean", default: false },
    doc: { type: "boolean", default: false },
    check: { type: "boolean", default: false },
    "cold-start": { type: "boolean", default: false },
    baseline: { type: "string" },
  },
});

const numbers = {
  rounds: Number(args.rounds),
  duration: Number(args.duration),
  warmup: Number(args.warmup),
  connections: Number(args.connections),
  coldRuns: Number(args["cold-runs"]),
  coldStartRuns: Number(args["cold-start-runs"]),
  tokens: Number(args.tokens),
  latencyRequests: Number(args["latency-requests"]),
  isolateRuns: Number(args["isolate-runs"]),
};

/** --quick: a smoke run of the harness itself (well under a minute); its numbers mean little. */
export const opts = args.quick
  ? {
      rounds: 1,
      duration: 1,
      warmup: 1,
      connections: 10,
      coldRuns: 2,
      coldStartRuns: 2,
      tokens: 2000,
      latencyRequests: 10,
      isolateRuns: 1,
    }
  : numbers;

for (const [name, value] of Object.entries(opts)) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

/**
 * The distance to each upstream, as the extra time every request to its stand-in takes (a round trip
 * from a function's region to Clerk's or Supabase's API).
 */
export const distance = { clerkMs: Number(args["clerk-ms"]), supabaseMs: Number(args["supabase-ms"]) };
for (const [name, value] of Object.entries(distance)) {
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number of ms ≥ 0`);
}

export const quick = args.quick;
/**
 * --baseline <dir>: another build's output folder (its dist/, e.g. of an earlier commit): only its
 * protected against this build's runs, side by side (baseline.ts).
 */
export const baselineDist = args.baseline ? resolve(args.baseline) : undefined;
/** --cold-start: only the cold-start phase (cold-start.ts), its verdicts and, with --doc, its docs table. */
export const coldStartOnly = args["cold-start"];
/** --no-pin: leave CPU placement to the scheduler. */
export const noPin = args["no-pin"];
/** --allow-idle: let CPUs halt between requests during the latency runs (see idle.ts). */
export const allowIdle = args["allow-idle"];
/** --doc: also rewrite the results in docs/benchmark.md from the JSON this run wrote. */
export const writeDoc = args.doc;
/** --check: exit 1 when a goal is not met (for a quiet machine; a busy one misses goals by noise). */
export const checkGoals = args.check;

export const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(0).padStart(3)}s`;
export const log = (msg: string) => process.stderr.write(`[bench ${elapsed()}] ${msg}\n`);
