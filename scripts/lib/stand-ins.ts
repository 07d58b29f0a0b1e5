// The local Clerk and Supabase stand-ins started together, wired to each other (Supabase trusts the
// Clerk stand-in's JWT secret and keys), and the functions' environment pointing at both. `npm start`,
// `npm run dev:netlify`, the load test and the test stack all start them here.
import { Worker } from "node:worker_threads";
import { type ClerkStandIn, type ClerkStandInOptions, startClerkStandIn } from "../stand-ins/clerk.ts";
import type { SupabaseStandIn, SupabaseStandInOptions } from "../stand-ins/supabase.ts";
import type { ThreadMessage } from "../stand-ins/supabase-thread.ts";

/** The origin local servers and tests use: session tokens name it as their authorized party. */
export const APP_ORIGIN = "http://localhost:8888";

export interface StandIns {
  clerk: ClerkStandIn;
  supabase: SupabaseStandIn;
  /** CLERK_* and SUPABASE_* for the functions (JWKS mode: no CLERK_JWT_KEY). */
  env: Record<string, string>;
  close(): Promise<void>;
}

const supabaseOptions = (clerk: ClerkStandIn) => ({
  jwtSecret: clerk.supabaseJwtSecret,
  clerkJwksUrl: `${clerk.url}/v1/jwks`,
  clerkSecretKey: clerk.secretKey,
  clerkIssuer: clerk.issuer,
});

const functionsEnv = (
  clerk: ClerkStandIn,
  origin: string,
  supabase: { url: string; publishableKey: string },
) => ({
  CLERK_SECRET_KEY: clerk.secretKey,
  CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
  CLERK_API_URL: clerk.url,
  CLERK_AUTHORIZED_PARTIES: origin,
  SUPABASE_URL: supabase.url,
  SUPABASE_PUBLISHABLE_KEY: supabase.publishableKey,
});

export async function startStandIns(
  opts: { origin?: string; clerk?: ClerkStandInOptions } = {},
): Promise<StandIns> {
  const origin = opts.origin ?? APP_ORIGIN;
  const clerk = await startClerkStandIn({ authorizedParty: origin, ...opts.clerk });
  // Imported here, not at the top: local servers run it in a thread and need not load Postgres themselves.
  const { startSupabaseStandIn } = await import("../stand-ins/supabase.ts");
  const supabase = await startSupabaseStandIn(supabaseOptions(clerk));
  return {
    clerk,
    supabase,
    env: functionsEnv(clerk, origin, supabase),
    async close() {
      await Promise.all([clerk.close(), supabase.close()]);
    },
  };
}

export interface LocalStandIns {
  clerk: ClerkStandIn;
  supabase: { url: string };
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * For local servers (`npm start`, `npm run dev:netlify`): the same stand-ins, Supabase's in a worker thread
 * (supabase-thread.ts), answering as soon as its gateway listens while Postgres still starts there.
 * `say` hears what a first start is preparing.
 */
export async function startLocalStandIns(opts: {
  origin: string;
  say: (message: string) => void;
}): Promise<LocalStandIns> {
  const clerk = await startClerkStandIn({ authorizedParty: opts.origin });
  const worker = new Worker(new URL("../stand-ins/supabase-thread.ts", import.meta.url), {
    workerData: supabaseOptions(clerk) satisfies SupabaseStandInOptions,
  });
  const stopped = new Promise<void>((done) => worker.once("exit", () => done()));
  try {
    let listened = false;
    const supabase = await new Promise<{ url: string; publishableKey: string }>((listening, fail) => {
      worker.on("message", (m: ThreadMessage) => {
        if ("say" in m) opts.say(m.say);
        else if ("listening" in m) {
          listened = true;
          listening(m.listening);
        }
        // Postgres can still fail after the gateway listens: then every Supabase call fails, so say why.
        else if (listened) opts.say(`The Supabase stand-in could not start Postgres: ${m.failed}`);
        else fail(new Error(`the Supabase stand-in failed to start: ${m.failed}`));
      });
      worker.once("error", fail);
      void stopped.then(() => fail(new Error("the Supabase stand-in's thread exited")));
    });
    return {
      clerk,
      supabase,
      env: functionsEnv(clerk, opts.origin, supabase),
      async close() {
        worker.postMessage("stop");
        await Promise.all([clerk.close(), stopped]);
      },
    };
  } catch (err) {
    await worker.terminate();
    await clerk.close();
    throw err;
  }
}

/** JWKS fetches the Clerk stand-in has answered (since its request log was last cleared). */
export const jwksFetchCount = (clerk: ClerkStandIn) =>
  clerk.server.requests.filter((r) => r.path === "/v1/jwks").length;
