// The warm load phase: every variant (runtime × implementation × token mode) under autocannon, in
// interleaved rounds so machine drift hits all variants alike; server CPU time per request from /proc.
import { autocannon } from "../lib/autocannon.ts";
import { cpuSnapshot, foreignShare, MS_PER_TICK, processTicks } from "../lib/proc.ts";
import type { ServerProcess } from "../lib/process.ts";
import type { ClerkStandIn } from "../stand-ins/clerk.ts";
import { formatPercent } from "./format.ts";
import { log, opts } from "./options.ts";
import {
  bundlePath,
  childPids,
  type Impl,
  type KeyMode,
  type Runtime,
  requestPath,
  serverCommand,
  serverEnv,
  startBenchServer,
  type TokenMode,
} from "./servers.ts";
import { median, percentile, seededRandom, shuffled } from "./stats.ts";

const OK_BODY = '{"data":{"message":"Hello World"}}';

export interface Tokens {
  reused: string;
  /** Distinct valid tokens, each with its own session; fresh-token load rotates through them. */
  pool: string[];
  /** One opaque M2M token, when the Clerk stand-in issues them (machine tokens); else undefined. */
  m2m?: string;
}

export async function mintTokens(clerk: ClerkStandIn, count: number): Promise<Tokens> {
  // An hour of validity outlives the run; the stand-in signs through WebCrypto, so batches go parallel.
  const mint = () => clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 3600 });
  const pool: string[] = [];
  while (pool.length < count) {
    const batch = Math.min(500, count - pool.length);
    pool.push(...(await Promise.all(Array.from({ length: batch }, mint))));
  }
  return { reused: await mint(), pool };
}

interface LoadSample {
  seconds: number;
  ok: number;
  rps: number;
  /** autocannon's non-2xx + connection errors + timeouts + body mismatches */
  failures: number;
  /** Per-response latency in ms (200s only), as autocannon's own histogram only keeps whole ms. */
  latencies: number[];
  /** The server process's CPU time (utime + stime) during the run, in ms. */
  cpuMs: number;
}

export interface LoadTarget {
  url: string;
  path: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** The exact body each 200 must carry; unchecked when absent. */
  expect?: string;
  authorization: () => string;
  /** The server's pid: its CPU time is read before and after. */
  pid: number;
}

export function runLoad(target: LoadTarget, seconds: number) {
  return new Promise<LoadSample>((resolveRun, reject) => {
    const latencies: number[] = [];
    let ok = 0;
    const setupRequest = (req: { headers: Record<string, string> }) => {
      req.headers.authorization = target.authorization();
      return req;
    };
    const ticksBefore = processTicks(target.pid, false);
    const { expect } = target;
    const instance = autocannon(
      {
        url: target.url,
        connections: opts.connections,
        duration: seconds,
        // setupRequest in every token mode, so the load generator does the same work in each.
        requests: [
          {
            method: target.method ?? "GET",
            path: target.path,
            headers: target.headers,
            body: target.body,
            setupRequest,
          },
        ],
        ...(expect === undefined ? {} : { verifyBody: (received: string) => received === expect }),
      },
      (err, result) => {
        if (err) return reject(err);
        const cpuMs = (processTicks(target.pid, false) - ticksBefore) * MS_PER_TICK;
        const failures = result.non2xx + result.errors + result.timeouts + result.mismatches;
        resolveRun({ seconds: result.duration, ok, rps: ok / result.duration, failures, latencies, cpuMs });
      },
    );
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status !== 200) return;
      ok++;
      latencies.push(ms);
    });
  });
}

export interface Server {
  runtime: Runtime;
  impl: Impl;
  mode: KeyMode;
  process: ServerProcess;
  /** Next pool index: each server walks the pool on its own, continuing across rounds. */
  cursor: number;
  freshRequests: number;
  loadSeconds: number;
}

export interface Variant {
  id: string;
  server: Server;
  token: TokenMode;
  rounds: LoadSample[];
}

/** `impls` on each runtime, networkless; the project's (and a baseline build's) with `projectEnv` added. */
export async function startServers(
  clerk: ClerkStandIn,
  projectEnv: Record<string, string>,
  impls: Impl[] = ["project", "floor", "hello"],
): Promise<Server[]> {
  const specs = (["node", "deno"] as const).flatMap((runtime) =>
    impls.map((impl) => [runtime, impl] as const),
  );
  return Promise.all(
    specs.map(async ([runtime, impl]) => {
      const argv = serverCommand(runtime, bundlePath(runtime, impl));
      const ours = impl === "project" || impl === "baseline";
      const env = serverEnv(clerk, "networkless", ours ? projectEnv : {});
      const started = await startBenchServer(argv, env);
      return {
        runtime,
        impl,
        mode: "networkless",
        process: started,
        cursor: 0,
        freshRequests: 0,
        loadSeconds: 0,
      };
    }),
  );
}

function tokenModes(server: Server, tokens: Tokens): TokenMode[] {
  if (server.impl === "hello") return ["reused"];
  return server.impl === "project" && tokens.m2m ? ["reused", "fresh", "m2m"] : ["reused", "fresh"];
}

export function variantsFor(servers: Server[], tokens: Tokens): Variant[] {
  return servers.flatMap((server) =>
    tokenModes(server, tokens).map((token) => ({
      id: `${server.runtime}/${server.impl}/${server.mode}/${token}`,
      server,
      token,
      rounds: [],
    })),
  );
}

function authorizationFor(variant: Variant, tokens: Tokens): () => string {
  const fixed = `Bearer ${variant.token === "m2m" ? tokens.m2m : tokens.reused}`;
  if (variant.token !== "fresh") return () => fixed;
  const server = variant.server;
  return () => {
    server.freshRequests++;
    return `Bearer ${tokens.pool[server.cursor++ % tokens.pool.length]}`;
  };
}

/** Variants grouped by runtime and token mode (hello-world alone). */
function blocksOf(variants: Variant[]): Variant[][] {
  const blocks = new Map<string, Variant[]>();
  for (const variant of variants) {
    // An M2M token is compared with the reused session token: same block.
    const token = variant.token === "m2m" ? "reused" : variant.token;
    const key = variant.server.impl === "hello" ? variant.id : `${variant.server.runtime}/${token}`;
    blocks.set(key, [...(blocks.get(key) ?? []), variant]);
  }
  return [...blocks.values()];
}

/**
 * Round 0 is the warm-up (JIT, JWKS fetch, connection pools) and is discarded. Returns, per round, the
 * share of CPU that other processes on the machine took meanwhile.
 */
export async function loadPhase(variants: Variant[], tokens: Tokens): Promise<number[]> {
  const foreign: number[] = [];
  const random = seededRandom(6);
  for (let round = 0; round <= opts.rounds; round++) {
    const before = cpuSnapshot(childPids());
    const seconds = round === 0 ? opts.warmup : opts.duration;
    log(`load round ${round}/${opts.rounds}${round === 0 ? " (warm-up, discarded)" : ""}`);
    // Blocks of the variants a goal compares (project and floor, networkless and JWKS: same runtime
    // and token mode) run back to back, so a burst from another process hits both sides of a ratio;
    // blocks and the order inside them are shuffled anew each round, so none always goes first.
    const order = shuffled(blocksOf(variants), random).flatMap((block) => shuffled(block, random));
    for (const variant of order) {
      const { server } = variant;
      const sample = await runLoad(
        {
          url: server.process.url,
          path: requestPath(server.runtime),
          expect: server.impl === "hello" ? "Hello World" : OK_BODY,
          authorization: authorizationFor(variant, tokens),
          pid: server.process.pid,
        },
        seconds,
      );
      server.loadSeconds += sample.seconds;
      if (sample.failures > 0) log(`  ${variant.id}: ${sample.failures} failed responses`);
      if (round > 0) variant.rounds.push(sample);
    }
    const share = foreignShare(before, cpuSnapshot(childPids()));
    foreign.push(share);
    log(`  other processes used ${formatPercent(share)} of the machine's CPU during round ${round}`);
  }
  return foreign;
}

export interface VariantSummary {
  id: string;
  runtime: Runtime;
  impl: Impl;
  mode: KeyMode;
  token: TokenMode;
  rps: number;
  rpsMin: number;
  rpsMax: number;
  p50: number;
  p99: number;
  requests: number;
  failures: number;
  roundsRps: number[];
  /** The server's CPU time per answered request, over all measured rounds. */
  cpuMsPerRequest: number;
  roundsCpuMsPerRequest: number[];
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

export function summarize(variant: Variant): VariantSummary {
  const roundsRps = variant.rounds.map((r) => r.rps);
  const all = Float64Array.from(variant.rounds.flatMap((r) => r.latencies)).sort();
  return {
    id: variant.id,
    runtime: variant.server.runtime,
    impl: variant.server.impl,
    mode: variant.server.mode,
    token: variant.token,
    rps: median(roundsRps),
    rpsMin: Math.min(...roundsRps),
    rpsMax: Math.max(...roundsRps),
    // Pooled over all measured rounds: a p99 of one 3 s round rests on too few slow requests.
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    requests: all.length,
    failures: variant.rounds.reduce((n, r) => n + r.failures, 0),
    roundsRps,
    cpuMsPerRequest: sum(variant.rounds.map((r) => r.cpuMs)) / sum(variant.rounds.map((r) => r.ok)),
    roundsCpuMsPerRequest: variant.rounds.map((r) => r.cpuMs / r.ok),
  };
}
