// Upstream distance: every request to a stand-in answered that much later, as if Clerk's or Supabase's
// API were a round trip away; the round trips a function made, counted where they arrive; and those same
// requests sent again straight from the bench, to measure what a round trip costs.
import type { RecordedRequest, StandInServer } from "../stand-ins/http.ts";

/** Every request to `server` takes `ms` longer from now on (0: as fast as it can). */
export function setDistance(server: StandInServer, ms: number): void {
  server.clearFaults();
  // A fault without a status only delays the normal answer; without `times` it applies to every request.
  if (ms > 0) server.fault({ path: /^\//, delayMs: ms });
}

export interface Upstreams {
  clerk: StandInServer;
  supabase: StandInServer;
}

export interface TripCount {
  /** Backend API calls, JWKS fetches included. */
  clerk: number;
  jwks: number;
  supabase: number;
}

/** Forgets what the stand-ins recorded (load phases would otherwise keep every request in memory). */
export function resetTrips(upstreams: Upstreams): void {
  upstreams.clerk.requests.length = 0;
  upstreams.supabase.requests.length = 0;
}

/** Marks the bench's own replays (below), so they never count as a function's round trips. */
const REPLAY_HEADER = "x-bench-replay";
const fromFunction = (r: RecordedRequest) => r.headers[REPLAY_HEADER] === undefined;

/** Round trips recorded since the last resetTrips. */
export function countTrips(upstreams: Upstreams): TripCount {
  const clerk = upstreams.clerk.requests.filter(fromFunction);
  return {
    clerk: clerk.length,
    jwks: clerk.filter((r) => r.path.endsWith("/jwks")).length,
    supabase: upstreams.supabase.requests.filter(fromFunction).length,
  };
}

export interface Trip {
  url: string;
  init: RequestInit;
}

// fetch sets these itself (or refuses them).
const TRANSPORT_HEADERS = new Set([
  "host",
  "connection",
  "keep-alive",
  "content-length",
  "transfer-encoding",
]);

/** The requests functions made since the last resetTrips, Clerk's first, ready to be sent again. */
export function recordedTrips(upstreams: Upstreams): Trip[] {
  return [upstreams.clerk, upstreams.supabase].flatMap((server) =>
    server.requests.filter(fromFunction).map((r) => {
      const headers = Object.fromEntries(
        Object.entries(r.headers).filter(([name]) => !TRANSPORT_HEADERS.has(name)),
      );
      headers[REPLAY_HEADER] = "1";
      const bodyless = r.method === "GET" || r.method === "HEAD";
      return {
        url: `${server.url}${r.path}${r.search}`,
        init: { method: r.method, headers, body: bodyless ? undefined : r.body },
      };
    }),
  );
}

/**
 * Sends those same requests straight from the bench, one after another, and resolves to the time they
 * took: what the function's round trips cost with nothing of the function in between (the distance, the
 * stand-ins' own work such as the Postgres query, and loopback HTTP).
 */
export async function replayTrips(trips: Trip[]): Promise<number> {
  const t0 = performance.now();
  for (const trip of trips) {
    const res = await fetch(trip.url, { ...trip.init, signal: AbortSignal.timeout(15_000) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`replaying ${trip.init.method} ${trip.url}: got ${res.status}`);
  }
  return performance.now() - t0;
}

/** Trips per request over `requests` requests. */
export const perRequest = (trips: TripCount, requests: number): TripCount => ({
  clerk: trips.clerk / requests,
  jwks: trips.jwks / requests,
  supabase: trips.supabase / requests,
});
