// The bench's command line, and its progress log on stderr (stdout carries the Markdown report).
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "4" },
    duration: { type: "string", default: "3" },
    warmup: { type: "string", default: "1" },
    connections: { type: "string", default: "10" },
    "cold-runs": { type: "string", default: "10" },
    tokens: { type: "string", default: "12000" },
    quick: { type: "boolean", default: false },
    "no-pin": { type: "boolean", default: false },
  },
});

/** --quick: a smoke run of the harness itself (seconds, not minutes); its numbers mean little. */
export const opts = args.quick
  ? { rounds: 1, duration: 1, warmup: 1, connections: 10, coldRuns: 2, tokens: 2000 }
  : {
      rounds: Number(args.rounds),
      duration: Number(args.duration),
      warmup: Number(args.warmup),
      connections: Number(args.connections),
      coldRuns: Number(args["cold-runs"]),
      tokens: Number(args.tokens),
    };

for (const [name, value] of Object.entries(opts)) {
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
}

/** --no-pin: leave CPU placement to the scheduler. */
export const noPin = args["no-pin"];

export const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(0).padStart(3)}s`;
export const log = (msg: string) => process.stderr.write(`[bench ${elapsed()}] ${msg}\n`);
