// The bench's pieces that do not depend on timing: the injected upstream distance really delays a
// stand-in's answers (a lower bound only), trips are counted where they arrive, the M2M probe answers
// "n/a" exactly when the Clerk stand-in issues no M2M tokens, the goals say n/a rather than failing, and
// the generator of docs/benchmark.md's results replaces exactly the marked section.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ColdStart } from "../../scripts/bench/cold-start.ts";
import { COLD_START_MARKERS, coldStartTable } from "../../scripts/bench/cold-start-report.ts";
import {
  countTrips,
  recordedTrips,
  replayTrips,
  resetTrips,
  setDistance,
} from "../../scripts/bench/distance.ts";
import { BENCH_MARKERS } from "../../scripts/bench/doc.ts";
import { benchGoals } from "../../scripts/bench/goals.ts";
import type { LatencyResult } from "../../scripts/bench/latency.ts";
import { mintM2M } from "../../scripts/bench/m2m.ts";
import type { VariantSummary } from "../../scripts/bench/warm-load.ts";
import { replaceMarked } from "../../scripts/lib/markers.ts";
import { type StandIns, startStandIns } from "../../scripts/lib/stand-ins.ts";

let stand: StandIns;
beforeAll(async () => {
  stand = await startStandIns();
});
afterAll(() => stand.close());

const jwks = () =>
  fetch(`${stand.clerk.url}/v1/jwks`, { headers: { authorization: `Bearer ${stand.clerk.secretKey}` } });

describe("upstream distance", () => {
  it("answers every request at least that much later, with the normal answer, until reset", async () => {
    setDistance(stand.clerk.server, 120);
    for (let i = 0; i < 2; i++) {
      const t0 = performance.now();
      const res = await jwks();
      // Timers may fire up to a millisecond early; the point is 120 ms, not the ~1 ms of no distance.
      expect(performance.now() - t0).toBeGreaterThanOrEqual(118);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { keys: unknown[] }).keys).toHaveLength(1);
    }
    // Reset from a distance no test could wait out: the answer arriving at all shows it is gone (a
    // stopwatch on a busy machine could not tell 1 ms from 120 ms reliably).
    setDistance(stand.clerk.server, 600_000);
    setDistance(stand.clerk.server, 0);
    expect((await jwks()).status).toBe(200);
  });

  it("counts round trips per stand-in, JWKS fetches apart, and forgets them on reset", async () => {
    const upstreams = { clerk: stand.clerk.server, supabase: stand.supabase.server };
    resetTrips(upstreams);
    await (await jwks()).arrayBuffer();
    await (await fetch(`${stand.supabase.url}/rest/v1/tasks`)).arrayBuffer();
    expect(countTrips(upstreams)).toEqual({ clerk: 1, jwks: 1, supabase: 1 });
    resetTrips(upstreams);
    expect(countTrips(upstreams)).toEqual({ clerk: 0, jwks: 0, supabase: 0 });
  });
});

describe("round trips sent again", () => {
  it("replays the recorded requests as they were sent, and never counts the replays", async () => {
    const upstreams = { clerk: stand.clerk.server, supabase: stand.supabase.server };
    resetTrips(upstreams);
    const patch = { first_name: "Replayed" };
    await fetch(`${stand.clerk.url}/v1/users/user_bob?x=1`, {
      method: "PATCH",
      headers: { authorization: `Bearer ${stand.clerk.secretKey}`, "content-type": "application/json" },
      body: JSON.stringify(patch),
    }).then((res) => res.arrayBuffer());
    await fetch(`${stand.supabase.url}/rest/v1/tasks?select=id`, {
      headers: { apikey: stand.supabase.publishableKey },
    }).then((res) => res.arrayBuffer());
    const trips = recordedTrips(upstreams);
    expect(trips.map((t) => [t.init.method, new URL(t.url).pathname + new URL(t.url).search])).toEqual([
      ["PATCH", "/v1/users/user_bob?x=1"],
      ["GET", "/rest/v1/tasks?select=id"],
    ]);

    await replayTrips(trips);
    const [, replayed] = stand.clerk.server.requests;
    expect(replayed).toMatchObject({ method: "PATCH", path: "/v1/users/user_bob", search: "?x=1" });
    expect(JSON.parse(replayed!.body)).toEqual(patch);
    expect(replayed!.headers.authorization).toBe(`Bearer ${stand.clerk.secretKey}`);
    expect(stand.supabase.server.requests[1]?.headers.apikey).toBe(stand.supabase.publishableKey);
    expect(countTrips(upstreams)).toEqual({ clerk: 1, jwks: 0, supabase: 1 });
    // Only the functions' own requests are ever replayed, not the bench's replays of them.
    expect(recordedTrips(upstreams)).toHaveLength(2);
  });

  it("fails loudly when a replay is refused, rather than timing an error", async () => {
    const trip = { url: `${stand.supabase.url}/rest/v1/tasks`, init: { method: "GET", headers: {} } };
    await expect(replayTrips([trip])).rejects.toThrow(/got 401/);
  });
});

describe("M2M detection", () => {
  it("mints an opaque token exactly when the Clerk stand-in knows machines", async () => {
    const m2m = await mintM2M(stand.clerk);
    if ("seedMachines" in stand.clerk) {
      expect(m2m?.token).toEqual(expect.any(String));
      expect(m2m?.env.CLERK_MACHINE_SECRET_KEY).toMatch(/^ak_/);
    } else {
      expect(m2m).toBeUndefined();
    }
  });

  it("reports the M2M throughput goal as n/a without an M2M variant", () => {
    const variant = (impl: "project" | "floor", token: "reused" | "fresh", rps: number) =>
      ({ runtime: "node", impl, token, rps, roundsRps: [rps], cpuMsPerRequest: 0.1 }) as VariantSummary;
    const goals = benchGoals({
      latency: [],
      coldLoad: [],
      memory: [],
      load: [
        variant("project", "reused", 130),
        variant("floor", "reused", 100),
        variant("project", "fresh", 80),
      ],
    });
    const byName = (part: string) => goals.find((g) => g.goal.includes(part));
    expect(byName("node, reused opaque M2M")).toMatchObject({ measured: "n/a", met: null });
    expect(byName("node, reused token: protected / floor")).toMatchObject({ met: true });
    expect(byName("node, fresh token: protected / floor")).toMatchObject({ met: null });
  });
});

describe("latency goal", () => {
  const result = (p50: number, supabaseTrips: number) =>
    ({
      fn: "supabase-data",
      runtime: "deno",
      minTrips: { clerk: 0, supabase: 1 },
      floorMs: 20,
      upstreamMs: 22.5,
      ownMs: p50 - 22.5,
      warm: { p50, p99: p50, requests: 100, trips: { clerk: 0, jwks: 0, supabase: supabaseTrips } },
    }) as LatencyResult;
  const goal = (l: LatencyResult) =>
    benchGoals({ latency: [l], coldLoad: [], memory: [], load: [] }).find((g) =>
      g.goal.startsWith("warm p50"),
    );

  it("allows 3 ms over the function's trips sent directly", () => {
    expect(goal(result(25.4, 1))).toMatchObject({ target: "≤ 25.5 ms", met: true });
    expect(goal(result(25.6, 1))).toMatchObject({ met: false });
  });

  it("fails a function that makes more trips than it needs, however fast they were", () => {
    expect(goal(result(24, 2))).toMatchObject({ met: false });
  });
});

describe("generated sections (the benchmark results in docs/benchmark.md)", () => {
  const { start, end, note } = BENCH_MARKERS;
  const doc = `# Title\n\nintro\n\n${start}\nold table\n${end}\n\n## After\n\ntail\n`;
  const replace = (text: string, section: string) => replaceMarked(text, BENCH_MARKERS, section);

  it("replaces exactly the marked section and keeps everything around it", () => {
    const out = replace(doc, "| new | table |");
    expect(out.startsWith(`# Title\n\nintro\n\n${start}\n${note}\n`)).toBe(true);
    expect(out.endsWith(`${end}\n\n## After\n\ntail\n`)).toBe(true);
    expect(out).toContain("| new | table |");
    expect(out).not.toContain("old table");
    // Regenerating from the same result changes nothing.
    expect(replace(out, "| new | table |")).toBe(out);
  });

  it("refuses a file without both markers, or with two sections", () => {
    expect(() => replace("# no markers\n", "x")).toThrow(/needs one/);
    expect(() => replace(`${end}\n${start}\n`, "x")).toThrow(/needs one/);
    expect(() => replace(`${doc}${doc}`, "x")).toThrow(/needs one/);
  });
});

describe("cold-start goal", () => {
  const entry = (runtime: "node" | "deno", module: string, medianMs: number, delta?: number): ColdStart => ({
    id: `${runtime}/${module}`,
    runtime,
    module,
    totalMs: [medianMs],
    listenMs: [medianMs - 10],
    medianMs,
    p10Ms: medianMs,
    p90Ms: medianMs,
    ...(delta === undefined
      ? {}
      : { deltaMs: [delta], medianDeltaMs: delta, p10DeltaMs: delta - 5, p90DeltaMs: delta + 5 }),
  });
  const cold = [
    entry("node", "hello", 100),
    entry("node", "protected", 125, 25),
    entry("node", "supabase-data", 126, 25.1),
    // The runtime's first fetch, shown for reference and never judged.
    entry("node", "hello-fetch", 160, 60),
    entry("deno", "hello", 50),
    // A paired median, not the difference of the medians, is the verdict.
    entry("deno", "protected", 90, 12),
    // The same work with @clerk/backend alone: a reference, never judged.
    entry("deno", "sdk-protected", 110, 40),
  ];
  const goals = benchGoals({ latency: [], coldLoad: [], coldStart: cold, memory: [], load: [] }).filter((g) =>
    g.goal.startsWith("cold"),
  );

  it("judges each function against the hello-world of its own target by the paired median, within +25 ms", () => {
    expect(goals.map((g) => [g.goal.split(":")[0], g.met])).toEqual([
      ["cold start node/protected", true],
      ["cold start node/supabase-data", false],
      ["cold start deno/protected", true],
    ]);
    expect(goals[2]!.measured).toBe("+12.0 ms (p10–p90 +7.0…+17.0; 90.0 vs 50.0)");
  });

  it("is one figure: the import-only cold load is shown, not judged", () => {
    expect(goals.some((g) => g.goal.startsWith("cold load"))).toBe(false);
  });

  it("renders a row per target and module, with the verdict and the spread", () => {
    const table = coldStartTable(cold).split("\n");
    expect(table).toHaveLength(2 + cold.length);
    expect(table[5]).toMatch(
      /^\| node \| \(hello-world \+ one upstream fetch.* \| \+60\.0 \| \+55\.0…\+65\.0 \| {2}\|$/,
    );
    expect(table[4]).toBe(
      "| node | supabase-data | 126.0 | 126.0–126.0 | 116.0 | +25.1 | +20.1…+30.1 | ❌ |",
    );
    expect(table[2]).toContain("| node | hello-world | 100.0 |");
    expect(table[8]).toMatch(
      /^\| deno \| \(@clerk\/backend alone: .*; not judged\) \| 110\.0 .* \| \+40\.0 \| .* \| {2}\|$/,
    );
  });

  it("has its own section in docs/benchmark.md", () => {
    const doc = `a\n${COLD_START_MARKERS.start}\nold\n${COLD_START_MARKERS.end}\nb\n${BENCH_MARKERS.start}\nx\n${BENCH_MARKERS.end}\n`;
    const out = replaceMarked(doc, COLD_START_MARKERS, "new");
    expect(out).toContain(
      `${COLD_START_MARKERS.start}\n${COLD_START_MARKERS.note}\n\nnew\n\n${COLD_START_MARKERS.end}`,
    );
    expect(out).toContain(`${BENCH_MARKERS.start}\nx\n${BENCH_MARKERS.end}`);
  });
});
