// The chaos phase of `npm run test:load`: under the same mixed load, the Clerk stand-in goes silent for
// 5 s and comes back. During the silence only JSON 502/503/504 may come from calls that need Clerk, while
// requests that need no network (a known key, refusals, validation) keep their answers;
// open sockets to Clerk stay ≤ 2 × connections (the deadline aborts its calls instead of queueing them);
// Clerk-backed 200s are back within 1 s of recovery; RSS grows < 30 MiB; nothing unhandled; no secret in
// any response or line the functions print.
import { type AutocannonResult, autocannon } from "./lib/autocannon.ts";
import { type BundleServer, startBundleServer } from "./lib/bundle-server.ts";
import { isRefusal, type LoadRow, requestCycle } from "./lib/load-rows.ts";
import { findSecrets } from "./lib/secrets.ts";
import { rssMiB, warmUntilStable } from "./lib/warm-up.ts";
import type { ClerkStandIn } from "./stand-ins/clerk.ts";

export interface ChaosOptions {
  clerk: ClerkStandIn;
  /** The functions' environment of the main load phase. */
  env: Record<string, string>;
  /** Organization members' tokens, the organization active. */
  member: string[];
  forged: string[];
  /** The rows of the main phase (scripts/lib/load-rows.ts), sent in the same proportions. */
  rows: [number, LoadRow][];
  secrets: string[];
  connections: number;
  fail(what: string): void;
}

const SILENCE_MS = 5_000;
const BEFORE_MS = 2_000;
const AFTER_MS = 3_000;
const UPSTREAM_TIMEOUT_MS = 1_000;
const RECOVERY_LIMIT_MS = 1_000;
const MAX_RSS_GROWTH_MIB = 30;
const WARMUP_REQUESTS = 10_000;

/** What the load saw, by phase of the silence (its bounds are set when it starts). */
interface Run {
  opts: ChaosOptions;
  silenceStart: number;
  silenceEnd: number;
  counts: Map<string, number>;
  firstClerk200AfterRecovery?: number;
  unexpected: number;
}

/**
 * Counts an answer by phase, checks it is one the row may give then, and that it leaks nothing. While Clerk
 * is silent a row that calls an upstream may answer JSON 502/503/504, or still 200 where its warm requests
 * need no Clerk call (a cached template token).
 */
function judge(
  run: Run,
  k: LoadRow,
  status: number,
  body: string,
  headers: Record<string, string | string[]>,
) {
  const { fail } = run.opts;
  const now = Date.now();
  const during = now >= run.silenceStart && now < run.silenceEnd;
  const phase = now < run.silenceStart ? "before" : during ? "silent" : "after";
  const key = `${phase.padEnd(6)} ${k.name} ${status}`;
  run.counts.set(key, (run.counts.get(key) ?? 0) + 1);
  if (k.upstream && !k.clerkFree && status === 200 && now >= run.silenceEnd) {
    run.firstClerk200AfterRecovery ??= now;
  }
  const isJson = String(headers["content-type"] ?? "").startsWith("application/json");
  const refused = k.refusable && isRefusal(status, body);
  let ok = status === k.status || refused;
  if (during && k.upstream) {
    ok = [502, 503, 504].includes(status) && isJson && /"code":"upstream_/.test(body);
    // A call that started just before the silence may still be answered in it.
    if (status === k.status && (k.clerkFree || now - run.silenceStart < UPSTREAM_TIMEOUT_MS)) ok = true;
    // A refusal is decided before any call.
    ok ||= refused;
  } else if (k.upstream && now >= run.silenceEnd && now - run.silenceEnd < UPSTREAM_TIMEOUT_MS) {
    // Calls held by the silence are cut off by their deadline right after it.
    ok ||= status === 504;
  }
  if (!ok && run.unexpected++ < 10)
    fail(`chaos ${phase}: ${k.name} answered ${status} ${body.slice(0, 100)}`);
  const text = [String(status), ...Object.entries(headers).map(([h, v]) => `${h}: ${v}`), body].join("\n");
  const found = findSecrets(text, { exact: run.opts.secrets });
  if (found.length > 0) fail(`chaos: ${k.name} response leaks ${found.join(", ")}`);
}

type Load = (limits: { duration?: number; amount?: number }) => Promise<AutocannonResult>;

/** Loads for BEFORE_MS, with Clerk silent for SILENCE_MS, then AFTER_MS; samples sockets open to Clerk. */
async function silencedLoad(run: Run, load: Load) {
  const { clerk } = run.opts;
  let maxSockets = 0;
  const sampler = setInterval(() => {
    maxSockets = Math.max(maxSockets, clerk.server.openConnections());
  }, 50);
  const silenceTimer = setTimeout(() => {
    run.silenceStart = Date.now();
    run.silenceEnd = run.silenceStart + SILENCE_MS;
    clerk.server.silence(SILENCE_MS);
  }, BEFORE_MS);
  const result = await load({ duration: (BEFORE_MS + SILENCE_MS + AFTER_MS) / 1000 });
  clearInterval(sampler);
  clearTimeout(silenceTimer);
  return { result, maxSockets };
}

interface Measured {
  result: AutocannonResult;
  maxSockets: number;
  trail: number[];
  rssAfter: number;
}

/** Checks sockets, recovery, RSS growth, and every line the child printed; returns what the report shows. */
async function check(run: Run, server: BundleServer, m: Measured) {
  const { fail, connections, secrets } = run.opts;
  const growth = m.rssAfter - m.trail.at(-1)!;
  const recoveryMs =
    run.firstClerk200AfterRecovery === undefined
      ? undefined
      : run.firstClerk200AfterRecovery - run.silenceEnd;
  if (m.result.errors + m.result.timeouts > 0)
    fail(`chaos: ${m.result.errors} connection errors, ${m.result.timeouts} timeouts`);
  if (m.maxSockets > 2 * connections)
    fail(`chaos: ${m.maxSockets} sockets open to Clerk (limit ${2 * connections})`);
  if (recoveryMs === undefined || recoveryMs > RECOVERY_LIMIT_MS)
    fail(
      `chaos: Clerk-backed 200s back ${recoveryMs ?? "never"} ms after recovery (limit ${RECOVERY_LIMIT_MS})`,
    );
  if (growth > MAX_RSS_GROWTH_MIB) fail(`chaos: child RSS grew ${growth.toFixed(1)} MiB`);
  // Signed-in rows that call no upstream (a known key, no network) answer as usual while Clerk is silent.
  const networkless = run.opts.rows.filter(
    ([, r]) => r.token === "member" && r.status === 200 && !r.upstream,
  );
  const answeredSilent = networkless.reduce(
    (n, [, r]) => n + (run.counts.get(`silent ${r.name} 200`) ?? 0),
    0,
  );
  if (networkless.length > 0 && answeredSilent === 0)
    fail("chaos: no networkless signed-in row answered 200 while Clerk was silent");

  await new Promise((r) => setTimeout(r, 200));
  const unhandled = server.lines.filter((l) => /unhandled|uncaught/i.test(l));
  for (const line of unhandled.slice(0, 3)) fail(`chaos: ${line.slice(0, 160)}`);
  const leaking = server.lines.filter((l) => findSecrets(l, { exact: secrets }).length > 0);
  for (const line of leaking.slice(0, 3)) fail(`chaos: log line leaks: ${line.slice(0, 120)}`);
  return { growth, recoveryMs, unhandled: unhandled.length, leaking: leaking.length };
}

function report(run: Run, m: Measured, outcome: Awaited<ReturnType<typeof check>>) {
  const { connections } = run.opts;
  const { growth, recoveryMs } = outcome;
  const rssBefore = m.trail.at(-1)!;
  console.log(
    `\nChaos: Clerk silent for ${SILENCE_MS / 1000} s under ${connections} connections (UPSTREAM_TIMEOUT_MS=${UPSTREAM_TIMEOUT_MS})`,
  );
  console.log(`  max open sockets to Clerk   ${m.maxSockets} (limit ${2 * connections})`);
  console.log(`  first Clerk-backed 200      ${recoveryMs ?? "never"} ms after Clerk came back (limit 1000)`);
  console.log(
    `  warm-up                     ${m.trail.length - 1} × ${WARMUP_REQUESTS} requests, RSS ${m.trail.map((x) => x.toFixed(0)).join(" → ")} MiB`,
  );
  console.log(
    `  child RSS                   ${rssBefore.toFixed(1)} → ${m.rssAfter.toFixed(1)} MiB (${growth >= 0 ? "+" : ""}${growth.toFixed(1)} MiB)`,
  );
  console.log(`  unhandled/uncaught lines    ${outcome.unhandled}; leaking lines ${outcome.leaking}`);
  console.log("  statuses:");
  for (const [key, n] of [...run.counts].sort()) console.log(`    ${String(n).padStart(6)}  ${key}`);
}

export async function runChaosPhase(opts: ChaosOptions): Promise<void> {
  // A short deadline, so a silent Clerk shows as 504s within the silence rather than as waiting.
  const server = await startBundleServer({ ...opts.env, UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) });
  const run: Run = {
    opts,
    silenceStart: Number.POSITIVE_INFINITY,
    silenceEnd: Number.POSITIVE_INFINITY,
    counts: new Map(),
    unexpected: 0,
  };
  const cycle = requestCycle(opts.rows, opts, (row, ...answer) => judge(run, row, ...answer));
  const load: Load = (limits) =>
    new Promise((resolve, reject) =>
      autocannon(
        { url: server.url, connections: opts.connections, requests: cycle, timeout: 10, ...limits },
        (err, res) => (err ? reject(err) : resolve(res)),
      ),
    );
  try {
    // A fresh process grows its heap to a working size first: warm it up until RSS settles, so only growth
    // caused by the silence counts.
    const { trail } = await warmUntilStable(server.pid, () => load({ amount: WARMUP_REQUESTS }));
    run.counts.clear();
    run.unexpected = 0;
    const { result, maxSockets } = await silencedLoad(run, load);
    const measured = { result, maxSockets, trail, rssAfter: rssMiB(server.pid) };
    report(run, measured, await check(run, server, measured));
  } finally {
    await server.close();
  }
}
