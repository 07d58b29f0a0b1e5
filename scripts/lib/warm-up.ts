// Warming a child process up before measuring it: the load test and its chaos phase count only RSS growth
// after the heap has reached its working size.
import { memoryOf } from "./proc.ts";

/**
 * V8 grows the heap lazily to its working size: in the load test's mix the child goes from ~125 MiB to a
 * plateau of ~300 MiB over its first ~30,000 requests, in steps, and stays there (80,000-request soak). So
 * warm-up rounds repeat until RSS has moved less than this over two consecutive rounds; only growth after
 * that point counts as a leak.
 */
const STABLE_MIB = 5;
const MAX_WARMUP_ROUNDS = 8;

export const rssMiB = (pid: number) => memoryOf(pid)?.rssMiB ?? Number.NaN;

/** Rounds until `pid`'s RSS holds still; returns the RSS trail (MiB) and the rounds' connection errors. */
export async function warmUntilStable(
  pid: number,
  round: () => Promise<{ errors: number; timeouts: number }>,
): Promise<{ trail: number[]; errors: number }> {
  const trail: number[] = [rssMiB(pid)];
  let errors = 0;
  for (let i = 0; i < MAX_WARMUP_ROUNDS; i++) {
    const warm = await round();
    errors += warm.errors + warm.timeouts;
    trail.push(rssMiB(pid));
    const [a, b, c] = trail.slice(-3);
    if (i >= 2 && Math.abs(c! - b!) < STABLE_MIB && Math.abs(b! - a!) < STABLE_MIB) break;
  }
  return { trail, errors };
}
