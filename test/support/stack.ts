// Starts the local Clerk and Supabase stand-ins together and derives the functions' environment.
import {
  type ClerkStandIn,
  type ClerkStandInOptions,
  startClerkStandIn,
} from "../../scripts/stand-ins/clerk.ts";
import { type SupabaseStandIn, startSupabaseStandIn } from "../../scripts/stand-ins/supabase.ts";

export const APP_ORIGIN = "http://localhost:8888";

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
  const clerk = await startClerkStandIn({ authorizedParty: APP_ORIGIN, ...opts.clerk });
  const supabase = await startSupabaseStandIn({
    jwtSecret: clerk.supabaseJwtSecret,
    clerkJwksUrl: `${clerk.url}/v1/jwks`,
    clerkSecretKey: clerk.secretKey,
    clerkIssuer: clerk.issuer,
  });
  const describe = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
  return {
    clerk,
    supabase,
    env: {
      CLERK_SECRET_KEY: clerk.secretKey,
      CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
      CLERK_API_URL: clerk.url,
      CLERK_AUTHORIZED_PARTIES: APP_ORIGIN,
      SUPABASE_URL: supabase.url,
      SUPABASE_ANON_KEY: supabase.anonKey,
      UPSTREAM_TIMEOUT_MS: "1500",
    },
    clerkCalls: () => clerk.server.requests.map(describe).filter((c) => c !== "GET /v1/jwks"),
    jwksFetches: () => clerk.server.requests.filter((r) => r.path === "/v1/jwks").length,
    supabaseCalls: () => supabase.server.requests.map(describe),
    resetCalls() {
      clerk.server.requests.length = 0;
      supabase.server.requests.length = 0;
      clerk.server.clearFaults();
      supabase.server.clearFaults();
    },
    async close() {
      await Promise.all([clerk.close(), supabase.close()]);
    },
  };
}
