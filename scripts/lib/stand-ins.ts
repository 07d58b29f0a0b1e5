// The local Clerk and Supabase stand-ins started together, wired to each other (Supabase trusts the
// Clerk stand-in's JWT secret and keys), and the functions' environment pointing at both. `npm start`,
// `npm run dev:netlify`, the load test and the test stack all start them here.
import { type ClerkStandIn, type ClerkStandInOptions, startClerkStandIn } from "../stand-ins/clerk.ts";
import { type SupabaseStandIn, startSupabaseStandIn } from "../stand-ins/supabase.ts";

/** The origin local servers and tests use: session tokens name it as their authorized party. */
export const APP_ORIGIN = "http://localhost:8888";

export interface StandIns {
  clerk: ClerkStandIn;
  supabase: SupabaseStandIn;
  /** CLERK_* and SUPABASE_* for the functions (JWKS mode: no CLERK_JWT_KEY). */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startStandIns(
  opts: { origin?: string; clerk?: ClerkStandInOptions; onFirstStart?: (message: string) => void } = {},
): Promise<StandIns> {
  const origin = opts.origin ?? APP_ORIGIN;
  const clerk = await startClerkStandIn({ authorizedParty: origin, ...opts.clerk });
  const supabase = await startSupabaseStandIn({
    jwtSecret: clerk.supabaseJwtSecret,
    clerkJwksUrl: `${clerk.url}/v1/jwks`,
    clerkSecretKey: clerk.secretKey,
    clerkIssuer: clerk.issuer,
    onFirstStart: opts.onFirstStart,
  });
  return {
    clerk,
    supabase,
    env: {
      CLERK_SECRET_KEY: clerk.secretKey,
      CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
      CLERK_API_URL: clerk.url,
      CLERK_AUTHORIZED_PARTIES: origin,
      SUPABASE_URL: supabase.url,
      SUPABASE_PUBLISHABLE_KEY: supabase.publishableKey,
    },
    async close() {
      await Promise.all([clerk.close(), supabase.close()]);
    },
  };
}

/** JWKS fetches the Clerk stand-in has answered (since its request log was last cleared). */
export const jwksFetchCount = (clerk: ClerkStandIn) =>
  clerk.server.requests.filter((r) => r.path === "/v1/jwks").length;
