// Benchmark for issue 6: what does `protected` cost on top of the least any function must do?
//   node scripts/bench.ts [--rounds 4] [--duration 3] [--warmup 1] [--cold-runs 10] [--tokens 12000] [--quick]
//                                                                                         (npm run bench)
// One run measures, against floors measured in the same run:
//   - warm load (autocannon, 10 connections): req/s, p50, p99 of the BUILT protected bundle on Node
//     (dist/netlify) and Deno (dist/supabase), networkless (CLERK_JWT_KEY) and JWKS mode, with one reused
//     token and with a fresh token per request; the same for scripts/bench/floor.ts (jose, key imported
//     once, same checks, same response) and hello-world as the harness ceiling;
//   - cold start: process spawn → first authenticated 200, project vs hello-world, on each runtime;
//   - bundle sizes, and RSS of the Node project and floor servers at the end of the load phase.
// Load rounds are interleaved (every variant once per round, compared variants back to back, the order
// shuffled each round), so machine drift hits all variants alike. It prints Markdown tables (progress goes to stderr) and writes
// bench-results/latest.json.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism, cpus } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { build } from "./build.ts";
import { type ClerkStandIn, startClerkStandIn } from "./stand-ins/clerk.ts";

const root = resolve(import.meta.dirname, "..");
const resultsDir = join(root, "bench-results");
const benchBuildDir = join(resultsDir, "build");
const AUTHORIZED_PARTY = "http://localhost:8888";
const OK_BODY = '{"data":{"message":"Hello World"}}';

// ---------------------------------------------------------------------------------------------------
// Options

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
const opts = args.quick
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

const log = (msg: string) => process.stderr.write(`[bench ${elapsed()}] ${msg}\n`);
const startedAt = performance.now();
const elapsed = () => `${((performance.now() - startedAt) / 1000).toFixed(0).padStart(3)}s`;

// ---------------------------------------------------------------------------------------------------
// Child processes: every one is tracked and SIGKILLed when the bench exits, however it exits.

const children = new Set<ChildProcess>();

function killChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}
process.on("exit", killChildren);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping`);
    killChildren();
    process.exit(130);
  });
}

/** Counted before pinning: availableParallelism() follows this process's own CPU affinity. */
const cpuCount = availableParallelism();
/**
 * CPU pinning: load generator (this process) on CPU 0, every server on CPU 1. On a 2-core machine the
 * servers would otherwise steal the load generator's core (and vice versa) in ways that differ per
 * runtime; pinned, each server gets exactly one core, like a small serverless instance.
 */
const pinning = (() => {
  if (args["no-pin"]) return undefined;
  if (cpuCount < 2) return undefined;
  if (spawnSync("taskset", ["-V"]).status !== 0) return undefined;
  return { loadCpu: "0", serverCpu: "1" };
})();

function pinSelf(): void {
  // -a: all of this process's threads (libuv pool, V8 workers), not only the main one.
  if (pinning) spawnSync("taskset", ["-a", "-p", "-c", pinning.loadCpu, String(process.pid)]);
}

interface Running {
  child: ChildProcess;
  pid: number;
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Last output, for the error message when it dies. */
  tail(): string;
}

/**
 * Spawns a server (pinned when possible; taskset execs, so the pid is the server's own) and resolves
 * once it prints its listening line on stderr. Stdout — the project's one log line per request — goes
 * to /dev/null: still written, as on a platform, but never through this process, whose event loop is
 * busy generating load and would otherwise set the pace of the server's (synchronous) log writes.
 */
function startProcess(argv: string[], env: Record<string, string>, ready: RegExp): Promise<Running> {
  const [cmd, ...rest] = pinning ? ["taskset", "-c", pinning.serverCpu, ...argv] : argv;
  const devNull = openSync("/dev/null", "w");
  const child = spawn(cmd!, rest, { cwd: root, env, stdio: ["ignore", devNull, "pipe"] });
  closeSync(devNull);
  children.add(child);
  child.once("exit", () => children.delete(child));
  let output = "";
  const tail = () => output.slice(-2000);
  return new Promise((resolveReady, reject) => {
    let url: string | undefined;
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-8000);
      if (url) return;
      const match = ready.exec(output);
      if (match) {
        url = match[1]!.replace(/\/$/, "");
        resolveReady({ child, pid: child.pid!, url, tail });
      }
    };
    child.stderr!.on("data", onData);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (!url)
        reject(new Error(`${argv.join(" ")} exited (${code ?? signal}) before listening:\n${tail()}`));
    });
  });
}

async function stopProcess(running: Running): Promise<void> {
  if (running.child.exitCode !== null || running.child.signalCode !== null) return;
  const exited = new Promise((r) => running.child.once("exit", r));
  running.child.kill("SIGKILL");
  await exited;
}

// ---------------------------------------------------------------------------------------------------
// What is served, and how

type Runtime = "node" | "deno";
type Impl = "project" | "floor" | "hello";
type KeyMode = "networkless" | "jwks";
type TokenMode = "reused" | "fresh";

const denoBin = existsSync(join(root, "node_modules/.bin/deno"))
  ? join(root, "node_modules/.bin/deno")
  : "deno";

/** The bundle each runtime serves per implementation: the project's are the ones `npm run build` ships. */
function bundlePath(runtime: Runtime, impl: Impl): string {
  if (impl === "project") {
    return runtime === "node"
      ? join(root, "dist/netlify/protected.mjs")
      : join(root, "dist/supabase/functions/protected/index.js");
  }
  return runtime === "node"
    ? join(benchBuildDir, `node/${impl}.mjs`)
    : join(benchBuildDir, `deno/${impl}.js`);
}

/** Same request path the platform would route; Deno's `deno serve` hands every path to `fetch`. */
const requestPath = (runtime: Runtime) => (runtime === "node" ? "/api/protected" : "/functions/v1/protected");

/** scripts/bench/node-host.ts (serve.ts's adapter, one function), bundled to plain JS. */
const nodeHost = join(benchBuildDir, "node/host.mjs");

/** Both runtimes host every implementation the same way: node-host over serve.ts, or `deno serve`. */
function serverCommand(runtime: Runtime, bundle: string): { argv: string[]; ready: RegExp } {
  if (runtime === "node") {
    return {
      argv: [process.execPath, nodeHost, bundle, "protected"],
      ready: /^listening (\S+)/m,
    };
  }
  return {
    argv: [denoBin, "serve", "--allow-env", "--allow-net", "--host", "127.0.0.1", "--port", "0", bundle],
    ready: /Listening on (http:\/\/\S+)/,
  };
}

function serverEnv(clerk: ClerkStandIn, mode: KeyMode): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    CLERK_SECRET_KEY: clerk.secretKey,
    CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
    CLERK_API_URL: clerk.url,
    CLERK_AUTHORIZED_PARTIES: AUTHORIZED_PARTY,
  };
  if (process.env.DENO_DIR) env.DENO_DIR = process.env.DENO_DIR;
  if (mode === "networkless") env.CLERK_JWT_KEY = clerk.jwtKeyPem;
  return env;
}

/** Floor and hello-world, bundled with the same esbuild settings scripts/build.ts uses per target. */
interface Size {
  file: string;
  raw: number;
  gzip: number;
}

async function bundleBenchFunctions(): Promise<Size[]> {
  const reports: Size[] = [];
  for (const impl of ["floor", "hello"] as const) {
    const source = join(root, `scripts/bench/${impl}.ts`);
    for (const runtime of ["node", "deno"] as const) {
      const entry =
        runtime === "node"
          ? `export { default } from ${JSON.stringify(source)};`
          : `import handler from ${JSON.stringify(source)};\nexport default { fetch: handler };`;
      const platform: esbuild.BuildOptions =
        runtime === "node"
          ? { platform: "node", target: "node22", conditions: ["node"] }
          : {
              platform: "neutral",
              target: "es2022",
              conditions: ["deno", "worker", "browser"],
              mainFields: ["module", "main"],
            };
      const outfile = bundlePath(runtime, impl);
      await esbuild.build({
        stdin: { contents: entry, resolveDir: root, sourcefile: `${runtime}-${impl}.ts`, loader: "ts" },
        bundle: true,
        format: "esm",
        minify: true,
        legalComments: "none",
        logLevel: "warning",
        outfile,
        ...platform,
      });
      const code = await readFile(outfile);
      reports.push({ file: outfile, raw: code.length, gzip: gzipSync(code, { level: 9 }).length });
    }
  }
  // The Node host is bundled too: run as .ts, Node would load its type stripper (tens of MiB of RSS,
  // milliseconds of startup) into every server, a cost no deployed function pays.
  await esbuild.build({
    entryPoints: [join(root, "scripts/bench/node-host.ts")],
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node22",
    // serve.ts's own CLI block must not run inside the host.
    define: { "import.meta.main": "false" },
    logLevel: "warning",
    outfile: nodeHost,
  });
  await esbuild.stop();
  return reports;
}

// ---------------------------------------------------------------------------------------------------
// Tokens

interface Tokens {
  reused: string;
  /** Distinct valid tokens, each with its own session; fresh-token load rotates through them. */
  pool: string[];
}

async function mintTokens(clerk: ClerkStandIn, count: number): Promise<Tokens> {
  // An hour of validity outlives the run; the stand-in signs through WebCrypto, so batches go parallel.
  const mint = () => clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 3600 });
  const pool: string[] = [];
  while (pool.length < count) {
    const batch = Math.min(500, count - pool.length);
    pool.push(...(await Promise.all(Array.from({ length: batch }, mint))));
  }
  return { reused: await mint(), pool };
}

// ---------------------------------------------------------------------------------------------------
// Load generation (autocannon has no type declarations; this is the part of its API used here)

interface AutocannonRequest {
  method: string;
  path: string;
  setupRequest(req: { headers: Record<string, string> }): unknown;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
}
type Autocannon = (
  options: {
    url: string;
    connections: number;
    duration: number;
    requests: AutocannonRequest[];
    /** A false return counts as a mismatch (`expectBody` is refused together with `requests`). */
    verifyBody?: (body: string) => boolean;
  },
  done: (err: Error | null, result: AutocannonResult) => void,
) => {
  on(event: "response", fn: (client: unknown, status: number, bytes: number, ms: number) => void): void;
};
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

interface LoadSample {
  seconds: number;
  ok: number;
  rps: number;
  /** autocannon's non-2xx + connection errors + timeouts + body mismatches */
  failures: number;
  /** Per-response latency in ms (200s only), as autocannon's own histogram only keeps whole ms. */
  latencies: number[];
}

function runLoad(url: string, path: string, authorization: () => string, seconds: number, body: string) {
  return new Promise<LoadSample>((resolveRun, reject) => {
    const latencies: number[] = [];
    let ok = 0;
    const instance = autocannon(
      {
        url,
        connections: opts.connections,
        duration: seconds,
        // setupRequest in both token modes, so the load generator does the same work in each.
        requests: [
          {
            method: "GET",
            path,
            setupRequest: (req) => {
              req.headers.authorization = authorization();
              return req;
            },
          },
        ],
        verifyBody: (received) => received === body,
      },
      (err, result) => {
        if (err) return reject(err);
        const failures = result.non2xx + result.errors + result.timeouts + result.mismatches;
        resolveRun({ seconds: result.duration, ok, rps: ok / result.duration, failures, latencies });
      },
    );
    instance.on("response", (_client, status, _bytes, ms) => {
      if (status !== 200) return;
      ok++;
      latencies.push(ms);
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// Statistics

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

// ---------------------------------------------------------------------------------------------------
// Warm load phase

interface Server {
  runtime: Runtime;
  impl: Impl;
  mode: KeyMode;
  running: Running;
  /** Next pool index: each server walks the pool on its own, continuing across rounds. */
  cursor: number;
  freshRequests: number;
  loadSeconds: number;
}

interface Variant {
  id: string;
  server: Server;
  token: TokenMode;
  rounds: LoadSample[];
}

async function startServers(clerk: ClerkStandIn): Promise<Server[]> {
  const specs: Array<[Runtime, Impl, KeyMode]> = [];
  for (const runtime of ["node", "deno"] as const) {
    for (const impl of ["project", "floor"] as const)
      for (const mode of ["networkless", "jwks"] as const) specs.push([runtime, impl, mode]);
    specs.push([runtime, "hello", "networkless"]);
  }
  return Promise.all(
    specs.map(async ([runtime, impl, mode]) => {
      const { argv, ready } = serverCommand(runtime, bundlePath(runtime, impl));
      const running = await startProcess(argv, serverEnv(clerk, mode), ready);
      return { runtime, impl, mode, running, cursor: 0, freshRequests: 0, loadSeconds: 0 };
    }),
  );
}

function variantsFor(servers: Server[]): Variant[] {
  return servers.flatMap((server) =>
    (server.impl === "hello" ? (["reused"] as const) : (["reused", "fresh"] as const)).map((token) => ({
      id: `${server.runtime}/${server.impl}/${server.mode}/${token}`,
      server,
      token,
      rounds: [],
    })),
  );
}

function authorizationFor(variant: Variant, tokens: Tokens): () => string {
  const reused = `Bearer ${tokens.reused}`;
  if (variant.token === "reused") return () => reused;
  const server = variant.server;
  return () => {
    server.freshRequests++;
    return `Bearer ${tokens.pool[server.cursor++ % tokens.pool.length]}`;
  };
}

/** mulberry32: a fixed seed makes the variant order of every round reproducible from run to run. */
function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled<T>(items: T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Variants grouped by runtime and token mode (hello-world alone). */
function blocksOf(variants: Variant[]): Variant[][] {
  const blocks = new Map<string, Variant[]>();
  for (const v of variants) {
    const key = v.server.impl === "hello" ? v.id : `${v.server.runtime}/${v.token}`;
    blocks.set(key, [...(blocks.get(key) ?? []), v]);
  }
  return [...blocks.values()];
}

/**
 * Round 0 is the warm-up (JIT, JWKS fetch, connection pools) and is discarded. Returns, per round, the
 * share of CPU that other processes on the machine took meanwhile.
 */
async function loadPhase(variants: Variant[], tokens: Tokens): Promise<number[]> {
  const foreign: number[] = [];
  const random = seededRandom(6);
  for (let round = 0; round <= opts.rounds; round++) {
    const before = cpuSnapshot();
    const seconds = round === 0 ? opts.warmup : opts.duration;
    log(`load round ${round}/${opts.rounds}${round === 0 ? " (warm-up, discarded)" : ""}`);
    // Blocks of the variants a goal compares (project and floor, networkless and JWKS: same runtime
    // and token mode) run back to back, so a burst from another process hits both sides of a ratio;
    // blocks and the order inside them are shuffled anew each round, so none always goes first.
    const order = shuffled(blocksOf(variants), random).flatMap((block) => shuffled(block, random));
    for (const v of order) {
      const { server } = v;
      const body = server.impl === "hello" ? "Hello World" : OK_BODY;
      const sample = await runLoad(
        server.running.url,
        requestPath(server.runtime),
        authorizationFor(v, tokens),
        seconds,
        body,
      );
      server.loadSeconds += sample.seconds;
      if (sample.failures > 0) log(`  ${v.id}: ${sample.failures} failed responses`);
      if (round > 0) v.rounds.push(sample);
    }
    const share = foreignShare(before, cpuSnapshot());
    foreign.push(share);
    log(`  other processes used ${pct(share)} of the machine's CPU during round ${round}`);
  }
  return foreign;
}

interface VariantSummary {
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
}

function summarize(v: Variant): VariantSummary {
  const roundsRps = v.rounds.map((r) => r.rps);
  const all = Float64Array.from(v.rounds.flatMap((r) => r.latencies)).sort();
  return {
    id: v.id,
    runtime: v.server.runtime,
    impl: v.server.impl,
    mode: v.server.mode,
    token: v.token,
    rps: median(roundsRps),
    rpsMin: Math.min(...roundsRps),
    rpsMax: Math.max(...roundsRps),
    // Pooled over all measured rounds: a p99 of one 3 s round rests on too few slow requests.
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    requests: all.length,
    failures: v.rounds.reduce((n, r) => n + r.failures, 0),
    roundsRps,
  };
}

/** VmRSS/VmHWM in MiB from /proc (Linux only). */
function memoryOf(pid: number): { rssMiB: number; hwmMiB: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
    return { rssMiB: kib("VmRSS") / 1024, hwmMiB: kib("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/** One process's CPU time in clock ticks: utime + stime, plus cutime + cstime (reaped children) if asked. */
function processTicks(pid: number | "self", withChildren: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name (which may contain spaces): state is index 0.
    const f = stat
      .slice(stat.lastIndexOf(")") + 2)
      .split(" ")
      .map(Number);
    return f[11]! + f[12]! + (withChildren ? f[13]! + f[14]! : 0);
  } catch {
    return 0;
  }
}

/**
 * Machine-wide busy ticks vs the bench's own (this process, its live servers, its reaped children), so
 * the report can say how much CPU other processes took while we measured: on a shared 2-core machine
 * that, not the code under test, is the main source of noise.
 */
function cpuSnapshot(): { total: number; busy: number; ours: number } {
  try {
    const cpu = readFileSync("/proc/stat", "utf8")
      .split("\n")[0]!
      .trim()
      .split(/\s+/)
      .slice(1, 9)
      .map(Number);
    const total = cpu.reduce((a, b) => a + b, 0);
    const idle = cpu[3]! + cpu[4]!;
    let ours = processTicks("self", true);
    for (const child of children) if (child.pid) ours += processTicks(child.pid, false);
    return { total, busy: total - idle, ours };
  } catch {
    return { total: 0, busy: 0, ours: 0 };
  }
}

/** Share of all CPUs' capacity used by processes other than the bench's between two snapshots. */
function foreignShare(a: ReturnType<typeof cpuSnapshot>, b: ReturnType<typeof cpuSnapshot>): number {
  const total = b.total - a.total;
  return total > 0 ? Math.max(0, (b.busy - a.busy - (b.ours - a.ours)) / total) : Number.NaN;
}

// ---------------------------------------------------------------------------------------------------
// Cold start phase

interface ColdVariant {
  id: string;
  label: string;
  runtime: Runtime;
  impl: "project" | "hello";
  argv: string[];
  ready: RegExp;
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
    ...serverCommand(runtime, bundlePath(runtime, impl)),
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
async function coldStartOnce(v: ColdVariant, env: Record<string, string>, token: string) {
  const t0 = performance.now();
  const running = await startProcess(v.argv, env, v.ready);
  const listening = performance.now();
  try {
    const res = await fetch(`${running.url}${v.path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    });
    await res.text();
    if (res.status !== 200) throw new Error(`${v.id}: first request got ${res.status}\n${running.tail()}`);
    return { listenMs: listening - t0, firstOkMs: performance.now() - t0 };
  } finally {
    await stopProcess(running);
  }
}

/** Run 0 of each variant (disk cache, Deno's code cache, the bench's own fetch) is discarded. */
async function coldPhase(clerk: ClerkStandIn, tokens: Tokens): Promise<ColdVariant[]> {
  const variants = coldVariants();
  const env = serverEnv(clerk, "networkless");
  for (let run = 0; run <= opts.coldRuns; run++) {
    for (const v of variants) {
      const t = await coldStartOnce(v, env, tokens.reused);
      if (run === 0) continue;
      v.listenMs.push(t.listenMs);
      v.firstOkMs.push(t.firstOkMs);
    }
  }
  return variants;
}

// ---------------------------------------------------------------------------------------------------
// Report

interface Goal {
  goal: string;
  target: string;
  measured: string;
  met: boolean;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : "n/a";
const x = (n: number) => `${fmt(n, 2)}×`;
const pct = (share: number) => `${fmt(share * 100)}%`;
const kib = (bytes: number) => `${fmt(bytes / 1024, 1)} KiB`;

function table(header: string[], rows: string[][], align: string[] = header.map(() => "---")): string {
  return [header, align, ...rows].map((r) => `| ${r.join(" | ")} |`).join("\n");
}

function gitState(): { commit: string; dirty: string[] } {
  // Only the final newline is dropped: porcelain lines start with a (possibly blank) status column.
  const git = (...a: string[]) =>
    (spawnSync("git", a, { cwd: root, encoding: "utf8" }).stdout ?? "").replace(/\n$/, "");
  return {
    commit: git("rev-parse", "--short", "HEAD"),
    // Only what goes into the measured bundles; other work in progress does not change the numbers.
    dirty: git("status", "--porcelain", "--", "functions", "shared", "package.json", "package-lock.json")
      .split("\n")
      .filter(Boolean),
  };
}

// ---------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  pinSelf();
  // Before building: the state that gets built and measured (others may commit while this runs).
  const git = gitState();
  log("building dist/ (scripts/build.ts) and the floor/hello bundles");
  const distReports = await build();
  const benchReports = await bundleBenchFunctions();

  const clerk = await startClerkStandIn({ authorizedParty: AUTHORIZED_PARTY });
  try {
    log(`minting ${opts.tokens} session tokens`);
    const tokens = await mintTokens(clerk, opts.tokens);

    log(`cold starts: ${opts.coldRuns} runs (+1 discarded) per variant, interleaved`);
    const coldCpu = cpuSnapshot();
    const cold = await coldPhase(clerk, tokens);
    const coldForeign = foreignShare(coldCpu, cpuSnapshot());

    log("starting servers");
    const servers = await startServers(clerk);
    const variants = variantsFor(servers);
    const jwksBefore = clerk.server.requests.filter((r) => r.path === "/v1/jwks").length;
    const loadCpu = cpuSnapshot();
    const roundsForeign = await loadPhase(variants, tokens);
    const loadForeign = foreignShare(loadCpu, cpuSnapshot());
    // Read right at the end of the load phase, before anything is stopped.
    const memory = servers.map((s) => ({
      id: `${s.runtime}/${s.impl}/${s.mode}`,
      server: s,
      mem: memoryOf(s.running.pid),
    }));
    const jwksFetches = clerk.server.requests.filter((r) => r.path === "/v1/jwks").length - jwksBefore;
    await Promise.all(servers.map((s) => stopProcess(s.running)));

    await report({
      git,
      variants: variants.map(summarize),
      servers,
      memory,
      cold,
      distReports,
      benchReports,
      tokens,
      jwksFetches,
      foreign: { cold: coldForeign, load: loadForeign, loadRounds: roundsForeign },
    });
  } finally {
    killChildren();
    await clerk.close();
  }
}

interface ReportInput {
  git: ReturnType<typeof gitState>;
  /** Share of the machine's CPU other processes used: cold phase, load phase, and per load round. */
  foreign: { cold: number; load: number; loadRounds: number[] };
  variants: VariantSummary[];
  servers: Server[];
  memory: Array<{ id: string; server: Server; mem: ReturnType<typeof memoryOf> }>;
  cold: ColdVariant[];
  distReports: Size[];
  benchReports: Size[];
  tokens: Tokens;
  jwksFetches: number;
}

async function report(input: ReportInput): Promise<void> {
  const { variants, cold } = input;
  const find = (runtime: Runtime, impl: Impl, mode: KeyMode, token: TokenMode) =>
    variants.find((v) => v.runtime === runtime && v.impl === impl && v.mode === mode && v.token === token);

  // Throughput ratios are taken per round (the two ran back to back in the same block) and the median
  // of those is reported, with their range: a burst from another process then skews one round's
  // ratio, not the result, and the range shows how much to trust it.
  const paired = (a: VariantSummary, b: VariantSummary) => {
    const r = a.roundsRps.map((v, i) => v / b.roundsRps[i]!);
    return { ratio: median(r), range: `${fmt(Math.min(...r), 2)}–${fmt(Math.max(...r), 2)}` };
  };

  const loadRows = variants.map((v) => {
    const floor = v.impl === "project" ? find(v.runtime, "floor", v.mode, v.token) : undefined;
    return [
      v.runtime,
      v.impl === "hello" ? "hello (ceiling)" : v.impl,
      v.impl === "hello" ? "–" : v.mode,
      v.impl === "hello" ? "–" : v.token,
      `${fmt(v.rps)} (${fmt(v.rpsMin)}–${fmt(v.rpsMax)})`,
      fmt(v.p50, 2),
      fmt(v.p99, 2),
      floor ? `${x(paired(v, floor).ratio)} (${paired(v, floor).range})` : "",
      floor ? x(v.p99 / floor.p99) : "",
      fmt(v.failures),
    ];
  });

  const coldRows = cold.map((c) => {
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

  const sizeRows = [...input.distReports, ...input.benchReports].map((r) => [
    relative(root, r.file),
    kib(r.raw),
    kib(r.gzip),
  ]);

  const memRows = input.memory.map(({ id, server, mem }) => [
    id,
    fmt(server.loadSeconds, 0),
    mem ? fmt(mem.rssMiB, 1) : "n/a",
    mem ? fmt(mem.hwmMiB, 1) : "n/a",
  ]);

  // ---- goals (Node, networkless, ratios against the floor of this same run)
  const goals: Goal[] = [];
  const ratioGoal = (
    goal: string,
    target: number,
    a?: VariantSummary,
    b?: VariantSummary,
    higherIsBetter = true,
  ) => {
    if (!a || !b) return;
    const r = higherIsBetter ? paired(a, b).ratio : a.p99 / b.p99;
    goals.push({
      goal,
      target: `${higherIsBetter ? "≥" : "≤"} ${x(target)}`,
      measured: higherIsBetter
        ? `${x(r)} (rounds ${paired(a, b).range}; ${fmt(a.rps)} vs ${fmt(b.rps)} req/s)`
        : `${x(r)} (${fmt(a.p99, 2)} vs ${fmt(b.p99, 2)} ms)`,
      met: higherIsBetter ? r >= target : r <= target,
    });
  };
  const node = (impl: Impl, mode: KeyMode, token: TokenMode) => find("node", impl, mode, token);
  ratioGoal(
    "throughput, reused token: project / floor",
    0.6,
    node("project", "networkless", "reused"),
    node("floor", "networkless", "reused"),
  );
  ratioGoal(
    "throughput, fresh token per request: project / floor",
    0.4,
    node("project", "networkless", "fresh"),
    node("floor", "networkless", "fresh"),
  );
  ratioGoal(
    "p99, reused token: project / floor",
    1.5,
    node("project", "networkless", "reused"),
    node("floor", "networkless", "reused"),
    false,
  );
  ratioGoal(
    "p99, fresh token: project / floor",
    1.5,
    node("project", "networkless", "fresh"),
    node("floor", "networkless", "fresh"),
    false,
  );
  for (const [runtime, budget] of [
    ["node", 40],
    ["deno", 50],
  ] as const) {
    const p = cold.find((c) => c.id === `${runtime}/project`)!;
    const h = cold.find((c) => c.id === `${runtime}/hello`)!;
    const delta = median(p.firstOkMs) - median(h.firstOkMs);
    goals.push({
      goal: `cold start ${runtime}: project − hello (median spawn → first 200)`,
      target: `≤ +${budget} ms`,
      measured: `+${fmt(delta, 1)} ms (${fmt(median(p.firstOkMs), 1)} vs ${fmt(median(h.firstOkMs), 1)})`,
      met: delta <= budget,
    });
  }
  for (const token of ["reused", "fresh"] as const) {
    ratioGoal(
      `JWKS mode warm throughput / networkless (${token} token)`,
      0.9,
      node("project", "jwks", token),
      node("project", "networkless", token),
    );
  }
  const memOf = (impl: Impl) => input.memory.find((m) => m.id === `node/${impl}/networkless`);
  const pMem = memOf("project");
  const fMem = memOf("floor");
  if (pMem?.mem && fMem?.mem) {
    const r = pMem.mem.rssMiB / fMem.mem.rssMiB;
    goals.push({
      goal: `RSS after ~${fmt(pMem.server.loadSeconds)} s of load: project / floor`,
      target: "≤ 1.30×",
      measured: `${x(r)} (${fmt(pMem.mem.rssMiB, 1)} vs ${fmt(fMem.mem.rssMiB, 1)} MiB)`,
      met: r <= 1.3,
    });
  }

  const { git, foreign } = input;
  // The project is what might cache verified tokens; the floor never does.
  const maxFresh = Math.max(...input.servers.filter((s) => s.impl === "project").map((s) => s.freshRequests));
  const totalSeconds = (performance.now() - startedAt) / 1000;
  const machine = `${cpus()[0]?.model ?? "?"} × ${cpuCount}`;
  const versions = `Node ${process.versions.node}, ${spawnSync(denoBin, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0]}`;
  const pinNote = pinning
    ? `load generator pinned to CPU ${pinning.loadCpu}, every server to CPU ${pinning.serverCpu} (taskset)`
    : "no CPU pinning (taskset unavailable, < 2 CPUs, or --no-pin): load generator and server share cores";
  const reuse = maxFresh / input.tokens.pool.length;

  const out = [
    `## Benchmark: \`protected\` vs floor (${new Date().toISOString()})`,
    "",
    `- commit ${git.commit}${git.dirty.length ? ` + uncommitted changes to ${git.dirty.map((l) => l.slice(3)).join(", ")}` : ""}; ${versions}; ${machine}; ${pinNote}`,
    "- hosts: Node = scripts/bench/node-host.ts (serve.ts's `serveFunctions`, only the bundle under test) bundled to plain JS; Deno = `deno serve --allow-env --allow-net`; project = the built dist/ bundles; floor = scripts/bench/floor.ts (jose, key imported once, verifies every request)",
    `- warm load: autocannon, ${opts.connections} connections, ${opts.rounds} interleaved rounds × ${opts.duration} s per variant after a ${opts.warmup} s warm-up round; req/s = median of rounds (range); "vs floor" = median of per-round ratios (range); p50/p99 pooled over all rounds`,
    `- fresh tokens: ${fmt(input.tokens.pool.length)} distinct valid tokens, walked in order per server; the busiest project server got ${fmt(maxFresh)} fresh-token requests${reuse > 1 ? ` (each token ~${fmt(reuse, 1)}× there, ${fmt(input.tokens.pool.length)} requests apart: only a per-token cache holding more than that many entries would hit)` : " (no token repeated)"}`,
    `- other processes used ${pct(foreign.load)} of the machine's CPU during the load phase (per round, warm-up first: ${foreign.loadRounds.map(pct).join(", ")}) and ${pct(foreign.cold)} during the cold starts${foreign.load > 0.05 || foreign.cold > 0.05 ? " — **the machine was not quiet; expect noise**" : ""}`,
    `- JWKS mode: ${input.jwksFetches} JWKS fetch(es) from the Clerk stand-in during the whole load phase (all servers)`,
    "",
    "### Warm load",
    "",
    table(
      [
        "runtime",
        "function",
        "key",
        "token",
        "req/s (range)",
        "p50 ms",
        "p99 ms",
        "req/s vs floor (rounds)",
        "p99 vs floor",
        "failed",
      ],
      loadRows,
      ["---", "---", "---", "---", "---:", "---:", "---:", "---:", "---:", "---:"],
    ),
    "",
    `### Cold start (networkless; spawn → first authenticated 200; median of ${opts.coldRuns}, first run discarded)`,
    "",
    table(["runtime", "server", "→ listening ms", "→ first 200 ms", "range ms", "Δ vs hello ms"], coldRows, [
      "---",
      "---",
      "---:",
      "---:",
      "---:",
      "---:",
    ]),
    "",
    "### Memory at the end of the load phase",
    "",
    table(["server", "load s", "VmRSS MiB", "VmHWM MiB"], memRows, ["---", "---:", "---:", "---:"]),
    "",
    "### Bundle sizes",
    "",
    table(["bundle", "raw", "gzip -9"], sizeRows, ["---", "---:", "---:"]),
    "",
    "### Issue 6 goals (Node, networkless unless stated; floor from this run)",
    "",
    table(
      ["goal", "target", "measured", "met"],
      goals.map((g) => [g.goal, g.target, g.measured, g.met ? "✅ met" : "❌ not met"]),
      ["---", "---", "---", "---"],
    ),
    "",
    `Total bench time: ${fmt(totalSeconds)} s.`,
  ].join("\n");
  console.log(out);

  await mkdir(resultsDir, { recursive: true });
  const json = {
    date: new Date().toISOString(),
    git,
    machine,
    versions,
    pinning: pinning ?? null,
    foreignCpuShare: foreign,
    options: opts,
    totalSeconds,
    tokenPool: input.tokens.pool.length,
    maxFreshRequestsPerServer: maxFresh,
    jwksFetchesDuringLoad: input.jwksFetches,
    load: variants,
    cold: cold.map(({ id, label, listenMs, firstOkMs }) => ({
      id,
      label,
      listenMs,
      firstOkMs,
      medianListenMs: median(listenMs),
      medianFirstOkMs: median(firstOkMs),
    })),
    memory: input.memory.map(({ id, server, mem }) => ({ id, loadSeconds: server.loadSeconds, ...mem })),
    bundles: [...input.distReports, ...input.benchReports].map((r) => ({
      file: relative(root, r.file),
      raw: r.raw,
      gzip: r.gzip,
    })),
    goals,
  };
  const file = join(resultsDir, "latest.json");
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(json, null, 2)}\n`);
  log(`wrote ${relative(root, file)}`);
}

await main().catch((err: unknown) => {
  console.error(err);
  killChildren();
  process.exit(1);
});
