// Upstream distance: every request to a stand-in answered that much later, as if Clerk's or Supabase's
// API were a round trip away; and the round trips a function made, counted where they arrive.
import type { StandInServer } from "../stand-ins/http.ts";

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

/** Round trips recorded since the last resetTrips. */
export function countTrips(upstreams: Upstreams): TripCount {
  const clerk = upstreams.clerk.requests;
  return {
    clerk: clerk.length,
    jwks: clerk.filter((r) => r.path.endsWith("/jwks")).length,
    supabase: upstreams.supabase.requests.length,
  };
}

/** Trips per request over `requests` requests. */
export const perRequest = (trips: TripCount, requests: number): TripCount => ({
  clerk: trips.clerk / requests,
  jwks: trips.jwks / requests,
  supabase: trips.supabase / requests,
});
