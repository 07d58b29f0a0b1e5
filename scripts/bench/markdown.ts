// The bench's Markdown, rendered from its JSON result alone (so docs/benchmark.md's results can be regenerated
// from bench-results/latest.json at any time).

import { coldStartTable } from "./cold-start-report.ts";
import type { TripCount } from "./distance.ts";
import { formatNumber as fmt, formatKib, formatPercent, formatRatio, markdownTable } from "./format.ts";
import { latencyBudget, pairedRatio } from "./goals.ts";
import type { BenchResult } from "./report.ts";

const right = (n: number) => Array.from({ length: n }, () => "---:");
const us = (ms: number) => fmt(ms * 1000, 0);
const trips = (t: TripCount) =>
  `${fmt(t.clerk, 2)}${t.jwks > 0 ? ` (${fmt(t.jwks, 2)} JWKS)` : ""} / ${fmt(t.supabase, 2)}`;

function summaryLines(r: BenchResult): string[] {
  const f = r.foreignCpuShare;
  const noisy = [f.coldLoad, f.latency, f.load, f.functions].some((s) => s > 0.05)
    ? " — **the machine was not quiet; expect noise**"
    : "";
  const dirty = r.git.dirty.length
    ? ` + uncommitted changes to ${r.git.dirty.map((l) => l.slice(3)).join(", ")}`
    : "";
  const pin = r.pinning
    ? `load generator and stand-ins pinned to CPU ${r.pinning.loadCpu}, every server to CPU ${r.pinning.serverCpu} (taskset)`
    : "no CPU pinning: load generator and servers share cores";
  const o = r.options;
  return [
    `- commit ${r.git.commit}${dirty}; ${r.machine.cpuModel} × ${r.machine.cores} cores; Node ${r.versions.node}, ${r.versions.deno}; ${pin}`,
    `- other processes used ${formatPercent(f.coldLoad)} of the machine's CPU during the cold loads, ${formatPercent(f.latency)} during the latency runs, ${formatPercent(f.load)} during the protected load rounds (per round, warm-up first: ${f.loadRounds.map(formatPercent).join(", ")}), ${formatPercent(f.functions)} during the per-function load${noisy}`,
    `- upstream distance: every request to the Clerk stand-in takes ${r.distance.clerkMs} ms longer, to the Supabase stand-in ${r.distance.supabaseMs} ms (\`--clerk-ms\`, \`--supabase-ms\`)`,
    `- "trips sent directly": after each warm request, the upstream requests it made are sent again straight from the bench (same method, path, headers and body), so their cost — distance, the stand-ins' own work (the Supabase stand-in's Postgres query), loopback HTTP — is measured side by side; "own ms" = warm p50 − their p50`,
    `- latency: JWKS mode, one request at a time over one connection; ${r.latencyCpusPolling ? "idle CPUs kept polling (`/dev/cpu_dma_latency` = 0), so no vCPU wake-up latency (`--allow-idle` to measure with it)" : "CPUs allowed to halt when idle (vCPU wake-ups included)"}; ${o.latencyRequests} warm requests with one session token, up to 10 requests each with a new session's token, ${o.isolateRuns} fresh processes each asked once`,
    `- load: autocannon, ${o.connections} connections, networkless, upstreams at zero distance; protected vs floor in ${o.rounds} interleaved rounds × ${o.duration} s after a ${o.warmup} s warm-up; every function ${o.duration} s after a ${o.warmup} s warm-up; CPU = the server process's utime + stime from /proc per answered request`,
    `- fresh tokens: ${fmt(r.tokenPool)} distinct valid tokens walked in order per server (busiest: ${fmt(r.maxFreshRequestsPerServer)} fresh-token requests); M2M: ${r.m2m ? "one reused opaque M2M token from the stand-in" : "n/a (the Clerk stand-in does not issue M2M tokens on this commit)"}`,
  ];
}

function latencyTable(r: BenchResult): string {
  const rows = r.latency.map((l) => [
    l.runtime,
    l.fn,
    trips(l.warm.trips),
    fmt(l.warm.p50, 1),
    fmt(l.warm.p99, 1),
    fmt(l.floorMs, 0),
    fmt(l.upstreamMs, 1),
    `≤ ${fmt(latencyBudget(l), 1)}`,
    fmt(l.ownMs, 1),
    `${fmt(l.newSession.median, 1)} (${trips(l.newSession.trips)})`,
    `${fmt(l.newIsolate.median, 1)} (${trips(l.newIsolate.trips)})`,
  ]);
  return markdownTable(
    [
      "runtime",
      "function",
      "warm trips/req Clerk / Supabase",
      "warm p50 ms",
      "warm p99 ms",
      "distance ms",
      "trips sent directly p50 ms",
      "p50 goal ms",
      "own ms",
      "new session ms (trips)",
      "new isolate 1st request ms (trips)",
    ],
    rows,
    ["---", "---", "---:", ...right(8)],
  );
}

function coldTable(r: BenchResult): string {
  const rows = r.coldLoad.map((c) => {
    const hello = r.coldLoad.find((h) => h.runtime === c.runtime && h.module === "hello")!;
    return [
      c.runtime,
      c.module === "hello" ? "hello-world (fetch, Request, WebCrypto touched)" : c.module,
      fmt(c.medianImportMs, 1),
      `${fmt(Math.min(...c.importMs), 1)}–${fmt(Math.max(...c.importMs), 1)}`,
      c.module === "hello" ? "" : `+${fmt(c.medianImportMs - hello.medianImportMs, 1)}`,
      fmt(c.medianImportCpuMs, 1),
      fmt(c.medianProcessMs, 1),
    ];
  });
  return markdownTable(
    [
      "runtime",
      "module",
      "import ms",
      "range ms",
      "Δ vs hello ms",
      "import CPU ms",
      "process spawn → exit ms",
    ],
    rows,
    ["---", "---", ...right(5)],
  );
}

function loadTable(r: BenchResult): string {
  const rows = r.load.map((v) => {
    const floor =
      v.impl === "project"
        ? r.load.find(
            (f) =>
              f.runtime === v.runtime &&
              f.impl === "floor" &&
              f.token === (v.token === "m2m" ? "reused" : v.token),
          )
        : undefined;
    const paired = floor && pairedRatio(v, floor);
    const hello = v.impl === "hello";
    return [
      v.runtime,
      hello ? "hello (ceiling)" : v.impl === "project" ? "protected" : "floor",
      hello ? "–" : v.token,
      `${fmt(v.rps)} (${fmt(v.rpsMin)}–${fmt(v.rpsMax)})`,
      fmt(v.p50, 2),
      fmt(v.p99, 2),
      us(v.cpuMsPerRequest),
      paired ? `${formatRatio(paired.ratio)} (${paired.range})` : "",
      floor ? formatRatio(v.cpuMsPerRequest / floor.cpuMsPerRequest) : "",
      fmt(v.failures),
    ];
  });
  return markdownTable(
    [
      "runtime",
      "function",
      "token",
      "req/s (range)",
      "p50 ms",
      "p99 ms",
      "CPU µs/req",
      "req/s vs floor",
      "CPU vs floor",
      "failed",
    ],
    rows,
    ["---", "---", "---", ...right(7)],
  );
}

function functionsTable(r: BenchResult): string {
  const rows = r.functions.map((f) => [
    f.runtime,
    f.fn,
    fmt(f.rps),
    fmt(f.p50, 2),
    fmt(f.p99, 2),
    us(f.cpuMsPerRequest),
    fmt(f.failures),
  ]);
  return markdownTable(["runtime", "function", "req/s", "p50 ms", "p99 ms", "CPU µs/req", "failed"], rows, [
    "---",
    "---",
    ...right(5),
  ]);
}

function goalsTable(r: BenchResult): string {
  const verdict = (met: boolean | null) => (met === null ? "n/a" : met ? "✅ met" : "❌ not met");
  return markdownTable(
    ["goal", "target", "measured", "met"],
    r.goals.map((g) => [g.goal, g.target, g.measured, verdict(g.met)]),
  );
}

export function renderMarkdown(r: BenchResult): string {
  const memRows = r.memory.map((m) => [
    m.id,
    fmt(m.loadSeconds),
    fmt(m.rssMiB ?? Number.NaN, 1),
    fmt(m.hwmMiB ?? Number.NaN, 1),
  ]);
  const sizeRows = r.bundles.map((b) => [b.file, formatKib(b.raw), formatKib(b.gzip)]);
  const met = r.goals.filter((g) => g.met === true).length;
  return [
    `### Latest run (${r.date})`,
    "",
    ...summaryLines(r),
    "",
    `#### Goals (${met} of ${r.goals.filter((g) => g.met !== null).length} met)`,
    "",
    goalsTable(r),
    "",
    "#### Round trips and latency (upstreams at a distance)",
    "",
    latencyTable(r),
    "",
    ...(r.coldStart
      ? [
          `#### Cold start (fresh server, spawn → first response with a valid token; median of ${r.options.coldStartRuns} runs, interleaved with hello-world and paired)`,
          "",
          coldStartTable(r.coldStart),
          "",
        ]
      : []),
    `#### Cold load (import of the bundle in a fresh process; median of ${r.options.coldRuns} interleaved runs)`,
    "",
    coldTable(r),
    "",
    "#### protected vs floor under load (CPU per request and throughput)",
    "",
    loadTable(r),
    "",
    "#### Every function under load (one reused session token)",
    "",
    functionsTable(r),
    "",
    "#### Memory at the end of the load rounds",
    "",
    markdownTable(["server", "load s", "VmRSS MiB", "VmHWM MiB"], memRows, ["---", ...right(3)]),
    "",
    "#### Bundle sizes",
    "",
    markdownTable(["bundle", "raw", "gzip -9"], sizeRows, ["---", ...right(2)]),
    "",
    `Total bench time: ${fmt(r.totalSeconds)} s.`,
  ].join("\n");
}
