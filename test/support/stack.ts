// The local Clerk and Supabase stand-ins for a test, with the functions' environment and what the
// functions asked of each upstream.
import { APP_ORIGIN, jwksFetchCount, startStandIns } from "../../scripts/lib/stand-ins.ts";
import type { ClerkStandIn, ClerkStandInOptions } from "../../scripts/stand-ins/clerk.ts";
import type { SupabaseStandIn } from "../../scripts/stand-ins/supabase.ts";

export { APP_ORIGIN };

export interface Stack {
  clerk: ClerkStandIn;
  supabase: SupabaseStandIn;
  /** Environment for the functions: JWKS mode, the `supabase` template, short upstream timeout. */
  env: Record<string, string>;
  /**
   * Backend API calls the functions made since the last reset, JWKS fetches aside: each isolate (each
   * function on a real host) fetches the keys once, which jwksFetches() counts.
   */
  clerkCalls(): string[];
  jwksFetches(): number;
  supabaseCalls(): string[];
  resetCalls(): void;
  close(): Promise<void>;
}

export async function startStack(opts: { clerk?: ClerkStandInOptions } = {}): Promise<Stack> {
  const { clerk, supabase, env, close } = await startStandIns({ clerk: opts.clerk });
  const describe = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
  return {
    clerk,
    supabase,
    env: { ...env, UPSTREAM_TIMEOUT_MS: "1500" },
    clerkCalls: () => clerk.server.requests.map(describe).filter((c) => c !== "GET /v1/jwks"),
    jwksFetches: () => jwksFetchCount(clerk),
    supabaseCalls: () => supabase.server.requests.map(describe),
    resetCalls() {
      clerk.server.requests.length = 0;
      supabase.server.requests.length = 0;
      clerk.server.clearFaults();
      supabase.server.clearFaults();
    },
    close,
  };
}
