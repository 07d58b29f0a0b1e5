// The chaos phase of `npm run test:load`: under the same mixed load, the Clerk stand-in goes silent for
// 5 s and comes back. During the silence only JSON 502/503/504 may come from calls that need Clerk, while
// requests that need no network (protected with a known key, refusals, validation) keep their answers;
// open sockets to Clerk stay ≤ 2 × connections (the deadline aborts its calls instead of queueing them);
// Clerk-backed 200s are back within 1 s of recovery; RSS grows < 30 MiB; nothing unhandled; no secret in
// any response or line the functions print.
import { type AutocannonRequest, autocannon } from "./lib/autocannon.ts";
import { startBundleServer } from "./lib/bundle-server.ts";
import { memoryOf } from "./lib/proc.ts";
import { findSecrets } from "./lib/secrets.ts";
import type { ClerkStandIn } from "./stand-ins/clerk.ts";

export interface ChaosOptions {
  clerk: ClerkStandIn;
  /** The functions' environment of the main load phase. */
  env: Record<string, string>;
  valid: string[];
  forged: string[];
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
const MAX_WARMUP_ROUNDS = 8;
const STABLE_MIB = 5;

const rssMiB = (pid: number) => memoryOf(pid)?.rssMiB ?? Number.NaN;

/** What one kind of request may answer: normally, and while Clerk is silent. */
interface Kind {
  name: string;
  fn: string;
  token: "valid" | "forged" | "none";
  normal: number;
  /** Needs a Clerk call to answer: 502/503/504 while Clerk is silent. */
  needsClerk: boolean;
  extra?: Partial<AutocannonRequest>;
}

const JSON_BODY = { "content-type": "application/json" };
const KINDS: [number, Kind][] = [
  [14, { name: "protected signed in", fn: "protected", token: "valid", normal: 200, needsClerk: false }],
  [4, { name: "protected forged", fn: "protected", token: "forged", normal: 401, needsClerk: false }],
  [2, { name: "protected signed out", fn: "protected", token: "none", normal: 401, needsClerk: false }],
  [
    8,
    {
      name: "supabase-data signed in",
      fn: "supabase-data",
      token: "valid",
      normal: 200,
      needsClerk: true,
      extra: { path: "/api/supabase-data?limit=5" },
    },
  ],
  [8, { name: "current-user signed in", fn: "current-user", token: "valid", normal: 200, needsClerk: true }],
  [
    1,
    {
      name: "update-user write",
      fn: "update-user",
      token: "valid",
      normal: 200,
      needsClerk: true,
      extra: { method: "POST", headers: JSON_BODY, body: '{"firstName":"Chaos"}' },
    },
  ],
  [
    3,
    {
      name: "update-user invalid body",
      fn: "update-user",
      token: "valid",
      normal: 422,
      needsClerk: false,
      extra: { method: "POST", headers: JSON_BODY, body: '{"firstName":""}' },
    },
  ],
];

export async function runChaosPhase(opts: ChaosOptions): Promise<void> {
  const { clerk, fail } = opts;
  // A short deadline, so a silent Clerk shows as 504s within the silence rather than as waiting.
  const server = await startBundleServer({ ...opts.env, UPSTREAM_TIMEOUT_MS: String(UPSTREAM_TIMEOUT_MS) });
  const pick = (pool: string[]) => pool[Math.floor(Math.random() * pool.length)]!;
  let silenceStart = Number.POSITIVE_INFINITY;
  let silenceEnd = Number.POSITIVE_INFINITY;
  const counts = new Map<string, number>();
  let firstClerk200AfterRecovery: number | undefined;
  let maxSockets = 0;
  let unexpected = 0;

  const request = (k: Kind): AutocannonRequest => ({
    method: "GET",
    path: `/api/${k.fn}`,
    ...k.extra,
    setupRequest(req) {
      const headers = { ...req.headers, ...k.extra?.headers };
      if (k.token !== "none")
        headers.authorization = `Bearer ${pick(k.token === "valid" ? opts.valid : opts.forged)}`;
      req.headers = headers;
      return req;
    },
    onResponse(status, body, _context, headers) {
      const now = Date.now();
      const during = now >= silenceStart && now < silenceEnd;
      const phase = now < silenceStart ? "before" : during ? "silent" : "after";
      const key = `${phase.padEnd(6)} ${k.name} ${status}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
      if (k.needsClerk && status === 200 && now >= silenceEnd) firstClerk200AfterRecovery ??= now;
      const isJson = String(headers["content-type"] ?? "").startsWith("application/json");
      let ok = status === k.normal;
      if (during && k.needsClerk) {
        ok = [502, 503, 504].includes(status) && isJson && /"code":"upstream_/.test(body);
        // A call that started just before the silence may still be answered in it.
        if (status === k.normal && now - silenceStart < UPSTREAM_TIMEOUT_MS) ok = true;
      } else if (k.needsClerk && now >= silenceEnd && now - silenceEnd < UPSTREAM_TIMEOUT_MS) {
        // Calls held by the silence are cut off by their deadline right after it.
        ok ||= status === 504;
      }
      if (!ok && unexpected++ < 10)
        fail(`chaos ${phase}: ${k.name} answered ${status} ${body.slice(0, 100)}`);
      const text = [String(status), ...Object.entries(headers).map(([h, v]) => `${h}: ${v}`), body].join(
        "\n",
      );
      const found = findSecrets(text, { exact: opts.secrets });
      if (found.length > 0) fail(`chaos: ${k.name} response leaks ${found.join(", ")}`);
    },
  });
  const cycle = KINDS.flatMap(([n, k]) => Array.from({ length: n }, () => request(k)));
  for (let i = cycle.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [cycle[i], cycle[j]] = [cycle[j]!, cycle[i]!];
  }

  const load = (limits: { duration?: number; amount?: number }) =>
    new Promise<{ errors: number; timeouts: number }>((resolve, reject) =>
      autocannon(
        { url: server.url, connections: opts.connections, requests: cycle, timeout: 10, ...limits },
        (err, res) => (err ? reject(err) : resolve(res)),
      ),
    );

  try {
    // A fresh process grows its heap to a working size first (see load.ts): warm it up until RSS settles,
    // so only growth caused by the silence counts.
    const trail = [rssMiB(server.pid)];
    for (let round = 0; round < MAX_WARMUP_ROUNDS; round++) {
      await load({ amount: WARMUP_REQUESTS });
      trail.push(rssMiB(server.pid));
      const [a, b, c] = trail.slice(-3);
      if (round >= 2 && Math.abs(c! - b!) < STABLE_MIB && Math.abs(b! - a!) < STABLE_MIB) break;
    }
    counts.clear();
    unexpected = 0;
    const rssBefore = trail.at(-1)!;
    const sampler = setInterval(() => {
      maxSockets = Math.max(maxSockets, clerk.server.openConnections());
    }, 50);
    const silenceTimer = setTimeout(() => {
      silenceStart = Date.now();
      silenceEnd = silenceStart + SILENCE_MS;
      clerk.server.silence(SILENCE_MS);
    }, BEFORE_MS);
    const result = await load({ duration: (BEFORE_MS + SILENCE_MS + AFTER_MS) / 1000 });
    clearInterval(sampler);
    clearTimeout(silenceTimer);
    const rssAfter = rssMiB(server.pid);
    const growth = rssAfter - rssBefore;
    const recoveryMs =
      firstClerk200AfterRecovery === undefined ? undefined : firstClerk200AfterRecovery - silenceEnd;

    if (result.errors + result.timeouts > 0)
      fail(`chaos: ${result.errors} connection errors, ${result.timeouts} timeouts`);
    if (maxSockets > 2 * opts.connections)
      fail(`chaos: ${maxSockets} sockets open to Clerk (limit ${2 * opts.connections})`);
    if (recoveryMs === undefined || recoveryMs > RECOVERY_LIMIT_MS)
      fail(
        `chaos: Clerk-backed 200s back ${recoveryMs ?? "never"} ms after recovery (limit ${RECOVERY_LIMIT_MS})`,
      );
    if (growth > MAX_RSS_GROWTH_MIB) fail(`chaos: child RSS grew ${growth.toFixed(1)} MiB`);
    const protectedDuringSilence = counts.get("silent protected signed in 200") ?? 0;
    if (protectedDuringSilence === 0) fail("chaos: protected answered no 200 while Clerk was silent");

    await new Promise((r) => setTimeout(r, 200));
    const unhandled = server.lines.filter((l) => /unhandled|uncaught/i.test(l));
    for (const line of unhandled.slice(0, 3)) fail(`chaos: ${line.slice(0, 160)}`);
    const leaking = server.lines.filter((l) => findSecrets(l, { exact: opts.secrets }).length > 0);
    for (const line of leaking.slice(0, 3)) fail(`chaos: log line leaks: ${line.slice(0, 120)}`);

    console.log(
      `\nChaos: Clerk silent for ${SILENCE_MS / 1000} s under ${opts.connections} connections (UPSTREAM_TIMEOUT_MS=${UPSTREAM_TIMEOUT_MS})`,
    );
    console.log(`  max open sockets to Clerk   ${maxSockets} (limit ${2 * opts.connections})`);
    console.log(
      `  first Clerk-backed 200      ${recoveryMs ?? "never"} ms after Clerk came back (limit 1000)`,
    );
    console.log(
      `  warm-up                     ${trail.length - 1} × ${WARMUP_REQUESTS} requests, RSS ${trail.map((m) => m.toFixed(0)).join(" → ")} MiB`,
    );
    console.log(
      `  child RSS                   ${rssBefore.toFixed(1)} → ${rssAfter.toFixed(1)} MiB (${growth >= 0 ? "+" : ""}${growth.toFixed(1)} MiB)`,
    );
    console.log(`  unhandled/uncaught lines    ${unhandled.length}; leaking lines ${leaking.length}`);
    console.log("  statuses:");
    for (const [key, n] of [...counts].sort()) console.log(`    ${String(n).padStart(6)}  ${key}`);
  } finally {
    await server.close();
  }
}
