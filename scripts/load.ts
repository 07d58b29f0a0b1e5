// Load test of the BUILT Netlify bundles on Node (issue 5): the local stand-ins, `node scripts/serve.ts
// --bundles dist/netlify` as a child process, and autocannon sending a mix of signed-in, forged-token and
// signed-out requests to all four functions (a few update-user writes). Fails (exit 1) on any unexpected
// status, connection error or timeout, on RSS growth of the child over 30 MiB between warm-up and the end,
// or on anything secret in a response or in a line the child printed.
//   npm run test:load [-- --amount 10000 --connections 50]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { parseArgs } from "node:util";
import { startBundleServer } from "../test/support/bundle-server.ts";
import { findSecrets } from "../test/support/secrets.ts";
import { runChaosPhase } from "./load-chaos.ts";
import { startClerkStandIn } from "./stand-ins/clerk.ts";
import { startSupabaseStandIn } from "./stand-ins/supabase.ts";

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
/**
 * V8 grows the heap lazily to its working size: in this mix the child goes from ~125 MiB to a plateau of
 * ~300 MiB over its first ~30,000 requests, in steps, and stays there (80,000-request soak). So warm-up
 * rounds repeat until RSS has moved less than this over two consecutive rounds; only growth after that
 * point counts as a leak.
 */
const STABLE_MIB = 5;
const MAX_WARMUP_ROUNDS = 8;
const ORIGIN = "http://localhost:8888";

// autocannon ships no type declarations; this is the part of its API used here.
interface Histogram {
  average: number;
  p50: number;
  p99: number;
}
interface AutocannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?(req: { headers: Record<string, string> }): unknown;
  onResponse?(
    status: number,
    body: string,
    context: unknown,
    headers: Record<string, string | string[]>,
  ): void;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  requests: Histogram & { total: number };
  latency: Histogram;
}
type Autocannon = (
  options: {
    url: string;
    connections: number;
    amount: number;
    requests: AutocannonRequest[];
    timeout: number;
  },
  done: (err: Error | null, result: AutocannonResult) => void,
) => unknown;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;

const clerk = await startClerkStandIn({ authorizedParty: ORIGIN });
const supabase = await startSupabaseStandIn({
  jwtSecret: clerk.supabaseJwtSecret,
  clerkJwksUrl: `${clerk.url}/v1/jwks`,
  clerkSecretKey: clerk.secretKey,
  clerkIssuer: clerk.issuer,
});
const env = {
  CLERK_SECRET_KEY: clerk.secretKey,
  CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
  CLERK_API_URL: clerk.url,
  CLERK_AUTHORIZED_PARTIES: ORIGIN,
  SUPABASE_URL: supabase.url,
  SUPABASE_ANON_KEY: supabase.anonKey,
};
const server = await startBundleServer(env);

const failures: string[] = [];
const fail = (what: string) => {
  if (failures.length < 50) failures.push(what);
  else if (failures.length === 50) failures.push("… (more)");
};

try {
  // A pool of genuine tokens (as many browsers would send) and of forged ones (signature tampered, so each
  // is verified and refused: verified tokens are remembered per isolate, refused ones never are).
  const valid = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      clerk.mintSessionToken({ userId: i % 2 ? "user_bob" : "user_alice", ttlSeconds: 3600 }),
    ),
  );
  const forged = valid.map((t) => `${t.slice(0, -8)}${"A".repeat(8)}`);
  const pick = (pool: string[]) => pool[Math.floor(Math.random() * pool.length)]!;
  const secrets = [clerk.secretKey, clerk.supabaseJwtSecret, supabase.anonKey, supabase.serviceRoleKey];

  const statusCounts = new Map<string, number>();
  type Kind = "valid" | "forged" | "none";
  const request = (
    name: string,
    fn: string,
    kind: Kind,
    expected: number,
    extra: Partial<AutocannonRequest> = {},
  ): AutocannonRequest => ({
    method: "GET",
    path: `/api/${fn}`,
    ...extra,
    setupRequest(req) {
      const headers = { ...req.headers, ...extra.headers };
      if (kind !== "none") headers.authorization = `Bearer ${pick(kind === "valid" ? valid : forged)}`;
      req.headers = headers;
      return req;
    },
    onResponse(status, body, _context, headers) {
      const key = `${name} ${status}`;
      statusCounts.set(key, (statusCounts.get(key) ?? 0) + 1);
      if (status !== expected) fail(`${name}: expected ${expected}, got ${status} ${body.slice(0, 120)}`);
      const text = [String(status), ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), body].join(
        "\n",
      );
      const found = findSecrets(text, { exact: secrets });
      if (found.length > 0) fail(`${name}: response leaks ${found.join(", ")}`);
    },
  });
  const json = { "content-type": "application/json" };
  const weighted: [number, AutocannonRequest][] = [
    [14, request("protected signed in", "protected", "valid", 200)],
    [4, request("protected forged", "protected", "forged", 401)],
    [2, request("protected signed out", "protected", "none", 401)],
    [
      8,
      request("supabase-data signed in", "supabase-data", "valid", 200, {
        path: "/api/supabase-data?limit=5",
      }),
    ],
    [2, request("supabase-data forged", "supabase-data", "forged", 401)],
    [8, request("current-user signed in", "current-user", "valid", 200)],
    [2, request("current-user signed out", "current-user", "none", 401)],
    [
      1,
      request("update-user write", "update-user", "valid", 200, {
        method: "POST",
        headers: json,
        body: '{"firstName":"Load"}',
      }),
    ],
    [
      3,
      request("update-user invalid body", "update-user", "valid", 422, {
        method: "POST",
        headers: json,
        body: '{"firstName":""}',
      }),
    ],
    [
      3,
      request("update-user signed out", "update-user", "none", 303, {
        method: "POST",
        headers: json,
        body: "{}",
      }),
    ],
    [
      3,
      request("update-user forged, JSON only", "update-user", "forged", 401, {
        method: "POST",
        headers: { ...json, accept: "application/json" },
        body: '{"firstName":"X"}',
      }),
    ],
  ];
  // Interleaved (not grouped), so every connection sends the mix from its first requests on.
  const cycle = weighted.flatMap(([n, r]) => Array.from({ length: n }, () => r));
  for (let i = cycle.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [cycle[i], cycle[j]] = [cycle[j]!, cycle[i]!];
  }

  const run = (amount: number) =>
    new Promise<AutocannonResult>((resolve, reject) =>
      autocannon(
        { url: server.url, connections: CONNECTIONS, amount, requests: cycle, timeout: 10 },
        (err, res) => (err ? reject(err) : resolve(res)),
      ),
    );

  const trail: number[] = [rssMiB(server.pid)];
  let warmErrors = 0;
  for (let round = 0; round < MAX_WARMUP_ROUNDS; round++) {
    const warm = await run(WARMUP);
    warmErrors += warm.errors + warm.timeouts;
    trail.push(rssMiB(server.pid));
    const [a, b, c] = trail.slice(-3);
    if (round >= 2 && Math.abs(c! - b!) < STABLE_MIB && Math.abs(b! - a!) < STABLE_MIB) break;
  }
  const rssWarm = trail.at(-1)!;
  statusCounts.clear();
  const patchesBefore = clerk.server.requests.filter((r) => r.method === "PATCH").length;
  const result = await run(AMOUNT);
  const rssEnd = rssMiB(server.pid);
  const growth = rssEnd - rssWarm;

  if (warmErrors > 0) fail(`warm-up: ${warmErrors} connection errors or timeouts`);
  if (result.errors + result.timeouts > 0)
    fail(`${result.errors} connection errors, ${result.timeouts} timeouts`);
  const answered = [...statusCounts.values()].reduce((a, b) => a + b, 0);
  if (answered < AMOUNT) fail(`only ${answered} of ${AMOUNT} requests answered`);
  if (growth > MAX_RSS_GROWTH_MIB)
    fail(`child RSS grew ${growth.toFixed(1)} MiB (limit ${MAX_RSS_GROWTH_MIB})`);
  const patches = clerk.server.requests.filter((r) => r.method === "PATCH").length - patchesBefore;
  const writes = [...statusCounts]
    .filter(([k]) => k.startsWith("update-user write 200"))
    .reduce((a, [, n]) => a + n, 0);
  if (patches !== writes) fail(`Clerk saw ${patches} updates for ${writes} valid writes`);

  // Give the child a moment to flush its last log lines, then scan everything it printed.
  await new Promise((r) => setTimeout(r, 200));
  const leaking = server.lines.filter((l) => findSecrets(l, { exact: secrets }).length > 0);
  for (const line of leaking.slice(0, 5))
    fail(`log line leaks ${findSecrets(line, { exact: secrets }).join(", ")}: ${line.slice(0, 160)}`);
  const logLines = server.logs.length;
  const sent = WARMUP * (trail.length - 1) + AMOUNT;
  if (logLines < sent) fail(`${logLines} log lines for ${sent} requests`);

  const rps = answered / result.duration;
  console.log(
    `\nLoad: ${AMOUNT} requests, ${CONNECTIONS} connections, Netlify bundles on Node (${server.url})`,
  );
  console.log(`  req/s     ${rps.toFixed(0)}  (autocannon mean ${result.requests.average.toFixed(0)})`);
  console.log(`  latency   p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`);
  console.log(
    `  warm-up   ${trail.length - 1} × ${WARMUP} requests, child RSS ${trail.map((m) => m.toFixed(0)).join(" → ")} MiB`,
  );
  console.log(
    `  child RSS ${rssWarm.toFixed(1)} MiB after warm-up → ${rssEnd.toFixed(1)} MiB at the end (${growth >= 0 ? "+" : ""}${growth.toFixed(1)} MiB)`,
  );
  console.log(`  Clerk updates ${patches}; log lines ${logLines}; lines scanned ${server.lines.length}`);
  console.log("  statuses:");
  for (const [key, n] of [...statusCounts].sort()) console.log(`    ${String(n).padStart(6)}  ${key}`);
  await runChaosPhase({ clerk, env, valid, forged, secrets, connections: CONNECTIONS, fail });
} catch (err) {
  fail(`load run failed: ${err instanceof Error ? err.stack : String(err)}`);
} finally {
  await server.close();
  await Promise.all([clerk.close(), supabase.close()]);
}

if (failures.length > 0) {
  console.error(`\nFAIL (${failures.length}):\n${failures.map((f) => `  - ${f}`).join("\n")}`);
  process.exit(1);
}
console.log("\nPASS: no unexpected status, no leak, RSS within bounds");
