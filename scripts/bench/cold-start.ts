// The cold start phase: process spawn → first authenticated 200, project vs hello-world, per runtime.
import type { ClerkStandIn } from "../stand-ins/clerk.ts";
import { opts } from "./options.ts";
import {
  bundlePath,
  type Runtime,
  requestPath,
  serverCommand,
  serverEnv,
  startBenchServer,
  stopBenchServer,
} from "./servers.ts";

export interface ColdVariant {
  id: string;
  label: string;
  runtime: Runtime;
  impl: "project" | "hello";
  argv: string[];
  path: string;
  listenMs: number[];
  firstOkMs: number[];
}

function coldVariants(): ColdVariant[] {
  const make = (runtime: Runtime, impl: "project" | "hello", label: string): ColdVariant => ({
    id: `${runtime}/${impl}`,
    label,
    runtime,
    impl,
    argv: serverCommand(runtime, bundlePath(runtime, impl)),
    path: requestPath(runtime),
    listenMs: [],
    firstOkMs: [],
  });
  return [
    make("node", "hello", "hello-world (node-host.ts)"),
    make("node", "project", "protected.mjs (node-host.ts)"),
    make("deno", "hello", "hello-world (deno serve)"),
    make("deno", "project", "protected/index.js (deno serve)"),
  ];
}

/** Spawn → listening line → one authenticated GET → 200: the time a first caller would wait. */
async function coldStartOnce(variant: ColdVariant, env: Record<string, string>, token: string) {
  const t0 = performance.now();
  const server = await startBenchServer(variant.argv, env);
  const listening = performance.now();
  try {
    const res = await fetch(`${server.url}${variant.path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    });
    await res.text();
    if (res.status !== 200)
      throw new Error(`${variant.id}: first request got ${res.status}\n${server.tail()}`);
    return { listenMs: listening - t0, firstOkMs: performance.now() - t0 };
  } finally {
    await stopBenchServer(server);
  }
}

/** Run 0 of each variant (disk cache, Deno's code cache, the bench's own fetch) is discarded. */
export async function coldPhase(clerk: ClerkStandIn, token: string): Promise<ColdVariant[]> {
  const variants = coldVariants();
  const env = serverEnv(clerk, "networkless");
  for (let run = 0; run <= opts.coldRuns; run++) {
    for (const variant of variants) {
      const timing = await coldStartOnce(variant, env, token);
      if (run === 0) continue;
      variant.listenMs.push(timing.listenMs);
      variant.firstOkMs.push(timing.firstOkMs);
    }
  }
  return variants;
}
