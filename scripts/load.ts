// Load test of the BUILT Netlify bundles on Node: the local stand-ins, `node scripts/serve.ts --bundles
// dist/netlify` as a child process, and autocannon sending a mix of signed-in, forged-token and
// signed-out requests to every function, rows read from the declarations (scripts/lib/load-rows.ts; a few
// writes among them). Fails (exit 1) on any unexpected
// status, connection error or timeout, on RSS growth of the child over 30 MiB between warm-up and the end,
// or on anything secret in a response or in a line the child printed.
//   npm run test:load [-- --amount 10000 --connections 50]
import { parseArgs } from "node:util";
import { type AutocannonRequest, type AutocannonResult, autocannon } from "./lib/autocannon.ts";
import { type BundleServer, startBundleServer } from "./lib/bundle-server.ts";
import { loadFunctions } from "./lib/functions.ts";
import { isRefusal, type LoadRow, loadRows, requestCycle } from "./lib/load-rows.ts";
import { findSecrets, responseText } from "./lib/secrets.ts";
import { type StandIns, startStandIns } from "./lib/stand-ins.ts";
import { rssMiB, warmUntilStable } from "./lib/warm-up.ts";
import { runChaosPhase } from "./load-chaos.ts";

const { values: args } = parseArgs({
  options: {
    amount: { type: "string", default: "10000" },
    connections: { type: "string", default: "50" },
    warmup: { type: "string", default: "10000" },
  },
});
const AMOUNT = Number(args.amount);
const CONNECTIONS = Number(args.connections);
const WARMUP = Number(args.warmup);
const MAX_RSS_GROWTH_MIB = 30;
const failures: string[] = [];
function fail(what: string): void {
  if (failures.length < 50) failures.push(what);
  else if (failures.length === 50) failures.push("… (more)");
}

/** What the mix sends with, and what it counts per `<row name> <status>`. */
interface MixContext {
  /** Genuine tokens of organization members, the organization active (Alice administers it, Bob not). */
  member: string[];
  /** Signature tampered: each is verified and refused (refused tokens are never remembered). */
  forged: string[];
  /** Exact strings no response may contain. */
  secrets: string[];
  statusCounts: Map<string, number>;
}

async function mixContext(services: StandIns): Promise<MixContext> {
  const { clerk, supabase } = services;
  const member = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      clerk.mintSessionToken({
        userId: i % 2 ? "user_bob" : "user_alice",
        ttlSeconds: 3600,
        org: "org_acme",
      }),
    ),
  );
  return {
    member,
    forged: member.map((t) => `${t.slice(0, -8)}${"A".repeat(8)}`),
    secrets: [clerk.secretKey, clerk.supabaseJwtSecret, supabase.anonKey, supabase.serviceRoleKey],
    statusCounts: new Map(),
  };
}

/** Counts an answer per `<row name> <status>`, checks its status, and scans it for secrets. */
function judge(
  ctx: MixContext,
  row: LoadRow,
  status: number,
  body: string,
  headers: Record<string, string | string[]>,
) {
  const key = `${row.name} ${status}`;
  ctx.statusCounts.set(key, (ctx.statusCounts.get(key) ?? 0) + 1);
  if (status !== row.status && !(row.refusable && isRefusal(status, body)))
    fail(`${row.name}: expected ${row.status}, got ${status} ${body.slice(0, 120)}`);
  const flat = Object.entries(headers).map(([k, v]): [string, string] => [k, String(v)]);
  const found = findSecrets(responseText(status, flat, body), { exact: ctx.secrets });
  if (found.length > 0) fail(`${row.name}: response leaks ${found.join(", ")}`);
}

function sendMix(url: string, requests: AutocannonRequest[], amount: number): Promise<AutocannonResult> {
  return new Promise((resolve, reject) =>
    autocannon({ url, connections: CONNECTIONS, amount, requests, timeout: 10 }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

/** Warm-up rounds until the child's RSS holds still; returns the RSS trail (MiB) and connection errors. */
const warmUp = (server: BundleServer, requests: AutocannonRequest[]) =>
  warmUntilStable(server.pid, () => sendMix(server.url, requests, WARMUP));

const patchCount = (services: StandIns) =>
  services.clerk.server.requests.filter((r) => r.method === "PATCH").length;

interface Measured {
  result: AutocannonResult;
  trail: number[];
  rssEnd: number;
  patches: number;
}

/** Checks the measured run: errors, answers, RSS growth, Clerk writes, and every line the child printed. */
async function checkRun(
  server: BundleServer,
  ctx: MixContext,
  rows: [number, LoadRow][],
  run: Measured,
  warmErrors: number,
) {
  const { result, trail, rssEnd, patches } = run;
  const growth = rssEnd - trail.at(-1)!;
  if (warmErrors > 0) fail(`warm-up: ${warmErrors} connection errors or timeouts`);
  if (result.errors + result.timeouts > 0)
    fail(`${result.errors} connection errors, ${result.timeouts} timeouts`);
  const answered = [...ctx.statusCounts.values()].reduce((a, b) => a + b, 0);
  if (answered < AMOUNT) fail(`only ${answered} of ${AMOUNT} requests answered`);
  if (growth > MAX_RSS_GROWTH_MIB)
    fail(`child RSS grew ${growth.toFixed(1)} MiB (limit ${MAX_RSS_GROWTH_MIB})`);
  // A write through Clerk is an update (PATCH) of its Backend API: exactly one per write answered 200.
  const clerkWrites = new Set(
    rows.filter(([, r]) => r.write && !r.clerkFree).map(([, r]) => `${r.name} 200`),
  );
  const writes = [...ctx.statusCounts].filter(([k]) => clerkWrites.has(k)).reduce((a, [, n]) => a + n, 0);
  if (patches !== writes) fail(`Clerk saw ${patches} updates for ${writes} valid writes`);
  // Give the child a moment to flush its last log lines, then scan everything it printed.
  await new Promise((r) => setTimeout(r, 200));
  const leaking = server.lines.filter((l) => findSecrets(l, { exact: ctx.secrets }).length > 0);
  for (const line of leaking.slice(0, 5))
    fail(`log line leaks ${findSecrets(line, { exact: ctx.secrets }).join(", ")}: ${line.slice(0, 160)}`);
  const sent = WARMUP * (trail.length - 1) + AMOUNT;
  if (server.logs.length < sent) fail(`${server.logs.length} log lines for ${sent} requests`);
  return { answered, growth };
}

function printSummary(
  server: BundleServer,
  ctx: MixContext,
  run: Measured,
  answered: number,
  growth: number,
) {
  const { result, trail, rssEnd, patches } = run;
  const rssWarm = trail.at(-1)!;
  console.log(
    `\nLoad: ${AMOUNT} requests, ${CONNECTIONS} connections, Netlify bundles on Node (${server.url})`,
  );
  console.log(
    `  req/s     ${(answered / result.duration).toFixed(0)}  (autocannon mean ${result.requests.average.toFixed(0)})`,
  );
  console.log(`  latency   p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
  console.log(
    `  warm-up   ${trail.length - 1} × ${WARMUP} requests, child RSS ${trail.map((m) => m.toFixed(0)).join(" → ")} MiB`,
  );
  console.log(
    `  child RSS ${rssWarm.toFixed(1)} MiB after warm-up → ${rssEnd.toFixed(1)} MiB at the end (${growth >= 0 ? "+" : ""}${growth.toFixed(1)} MiB)`,
  );
  console.log(
    `  Clerk updates ${patches}; log lines ${server.logs.length}; lines scanned ${server.lines.length}`,
  );
  console.log("  statuses:");
  for (const [key, n] of [...ctx.statusCounts].sort()) console.log(`    ${String(n).padStart(6)}  ${key}`);
}

async function loadTest(services: StandIns, server: BundleServer): Promise<void> {
  const ctx = await mixContext(services);
  const rows = loadRows(await loadFunctions());
  const requests = requestCycle(rows, ctx, (row, ...answer) => judge(ctx, row, ...answer));
  const warm = await warmUp(server, requests);
  ctx.statusCounts.clear();
  const patchesBefore = patchCount(services);
  const result = await sendMix(server.url, requests, AMOUNT);
  const run = {
    result,
    trail: warm.trail,
    rssEnd: rssMiB(server.pid),
    patches: patchCount(services) - patchesBefore,
  };
  const { answered, growth } = await checkRun(server, ctx, rows, run, warm.errors);
  printSummary(server, ctx, run, answered, growth);
  await runChaosPhase({
    clerk: services.clerk,
    env: services.env,
    member: ctx.member,
    forged: ctx.forged,
    rows,
    secrets: ctx.secrets,
    connections: CONNECTIONS,
    fail,
  });
}

const services = await startStandIns();
const server = await startBundleServer(services.env);
try {
  await loadTest(services, server);
} catch (err) {
  fail(`load run failed: ${err instanceof Error ? err.stack : String(err)}`);
} finally {
  await server.close();
  await services.close();
}

if (failures.length > 0) {
  console.error(`\nFAIL (${failures.length}):\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("\nPASS: no unexpected status, no leak, RSS within bounds");
