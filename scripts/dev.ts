// npm start: the four functions at http://localhost:8888/api/<name>, from source.
// With CLERK_SECRET_KEY set (in the environment or .env) it uses your real Clerk and Supabase;
// without, it starts the local Clerk and Supabase stand-ins and prints a ready session token.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { loadHandlers, serveFunctions } from "./serve.ts";
import { startClerkStandIn } from "./stand-ins/clerk.ts";
import { startSupabaseStandIn } from "./stand-ins/supabase.ts";

const root = resolve(import.meta.dirname, "..");
const envFile = resolve(root, ".env");
if (existsSync(envFile)) process.loadEnvFile(envFile);

const port = Number(process.env.PORT ?? 8888);
const origin = `http://localhost:${port}`;
const closers: Array<() => Promise<void>> = [];

async function startStandIns(): Promise<{
  token: string;
  sessionId: string;
  clerkUrl: string;
  secretKey: string;
}> {
  const clerk = await startClerkStandIn({ authorizedParty: origin });
  closers.push(() => clerk.close());
  const supabase = await startSupabaseStandIn({
    jwtSecret: clerk.supabaseJwtSecret,
    clerkJwksUrl: `${clerk.url}/v1/jwks`,
    clerkSecretKey: clerk.secretKey,
    clerkIssuer: clerk.issuer,
  });
  closers.push(() => supabase.close());
  Object.assign(process.env, {
    CLERK_SECRET_KEY: clerk.secretKey,
    CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
    CLERK_API_URL: clerk.url,
    CLERK_AUTHORIZED_PARTIES: origin,
    SUPABASE_URL: supabase.url,
    SUPABASE_ANON_KEY: supabase.anonKey,
  });
  const sessionId = clerk.createSession("user_alice");
  // Real Clerk session tokens live 60 s; a local one lives an hour so the printed curl lines keep working.
  const token = await clerk.mintSessionToken({ userId: "user_alice", sessionId, ttlSeconds: 3600 });
  return { token, sessionId, clerkUrl: clerk.url, secretKey: clerk.secretKey };
}

async function main(): Promise<void> {
  const standIns = process.env.CLERK_SECRET_KEY ? undefined : await startStandIns();
  let server: Awaited<ReturnType<typeof serveFunctions>>;
  try {
    server = await serveFunctions(await loadHandlers(), { port, host: process.env.HOST ?? "127.0.0.1" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
      console.error(
        `Port ${port} is already in use: stop what is using it, or run with PORT=<another port>.`,
      );
      await shutdown(1);
    }
    throw err;
  }
  closers.unshift(() => server.close());
  const api = `${origin}/api`;
  console.log(`Functions ready on ${api}/{protected,supabase-data,current-user,update-user}`);
  if (!standIns) {
    console.log("Using the Clerk and Supabase settings from your environment/.env.");
    return;
  }
  const { token, sessionId, clerkUrl, secretKey } = standIns;
  console.log(`
No CLERK_SECRET_KEY set, so local stand-ins are running:
  Clerk Backend API  ${clerkUrl}   (users user_alice, user_bob)
  Supabase REST      ${process.env.SUPABASE_URL}   (tasks for both users, row level security on)

Session token for user_alice (valid 1 hour):
export TOKEN=${token}

Try:
curl -i ${api}/protected -H "Authorization: Bearer $TOKEN"
curl -i ${api}/protected
curl -i ${api}/supabase-data?limit=2 -H "Authorization: Bearer $TOKEN"
curl -i ${api}/current-user -H "Authorization: Bearer $TOKEN"
curl -i -X POST ${api}/update-user -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"firstName":"Ada"}'
curl -i -X POST ${api}/update-user -d firstName=Ada

Another token (as Clerk's Backend API mints them, 60 s):
curl -s -X POST ${clerkUrl}/v1/sessions/${sessionId}/tokens -H "Authorization: Bearer ${secretKey}"

Smoke test: npm run smoke -- --base-url ${origin}
`);
}

async function shutdown(code: number): Promise<never> {
  for (const close of closers) await close().catch(() => undefined);
  process.exit(code);
}

process.once("SIGINT", () => void shutdown(0));
process.once("SIGTERM", () => void shutdown(0));
await main();
