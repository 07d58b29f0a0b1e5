// The local Clerk and Supabase stand-ins wired together, for `npm start` and `npm run dev:netlify`
// when no real keys are configured.
import { curlLines } from "./lib/curl.ts";
import { loadFunctions } from "./lib/functions.ts";
import { startLocalStandIns } from "./lib/stand-ins.ts";

export interface LocalServices {
  /** The functions' environment pointing at the stand-ins. */
  env: Record<string, string>;
  /** What to print: the stand-ins, a ready session token and curl lines for `origin`. */
  banner(origin: string): string;
  close(): Promise<void>;
}

export async function startLocalServices(origin: string): Promise<LocalServices> {
  const {
    clerk,
    supabase,
    env: standInEnv,
    close,
  } = await startLocalStandIns({
    origin,
    say: (message) => console.log(message),
  });
  const functions = await loadFunctions();
  // Acting for her organization, so the organization functions answer with the printed token too.
  const sessionId = clerk.createSession("user_alice", "org_acme");
  // Real Clerk session tokens live 60 s; a local one lives an hour so the printed curl lines keep working.
  const token = await clerk.mintSessionToken({ userId: "user_alice", sessionId, ttlSeconds: 3600 });
  // Machine callers: an M2M token of the seeded caller machine (scoped to the functions' machine) and
  // an API key of user_alice.
  const { caller, api } = clerk.seedMachines;
  const m2mToken = await clerk.machineAuth.mintM2MToken({ machineId: caller.id, ttlSeconds: 3600 });
  const apiKey = clerk.machineAuth.createApiKey({ subject: "user_alice", name: "local" });
  // The functions verify M2M tokens as this machine (opaque ones through Clerk, JWTs by its id): only
  // tokens scoped to it are accepted.
  const env = { ...standInEnv, CLERK_MACHINE_SECRET_KEY: api.secretKey, CLERK_MACHINE_ID: api.id };
  const banner = (base: string) => {
    const api = `${base}/api`;
    return `
No CLERK_SECRET_KEY set, so local stand-ins are running:
  Clerk Backend API  ${clerk.url}   (users user_alice, user_bob)
  Supabase REST      ${supabase.url}   (tasks for both users, row level security on)

Session token for user_alice (valid 1 hour):
export TOKEN=${token}

Machine tokens: an M2M token of a machine the functions accept, and an API key of user_alice:
export M2M_TOKEN=${m2mToken}
export API_KEY=${apiKey}

Try each function (signed in, with each machine token it accepts, signed out):
${curlLines(functions, api, { session: "$TOKEN", m2m: "$M2M_TOKEN", userApiKey: "$API_KEY" }).join("\n")}

Another token, minted as Clerk's Backend API does (valid 60 s):
curl -s -X POST ${clerk.url}/v1/sessions/${sessionId}/tokens -H "Authorization: Bearer ${clerk.secretKey}"

A fresh M2M token, minted as a machine does (POST /m2m_tokens with its machine secret key):
curl -s -X POST ${clerk.url}/m2m_tokens -H "Authorization: Bearer ${caller.secretKey}" -H "Content-Type: application/json" -d '{"seconds_until_expiration":600}'

Smoke test:
SMOKE_SESSION_TOKEN=$TOKEN npm run smoke -- --base-url ${base}
CLERK_MACHINE_SECRET_KEY=${caller.secretKey} CLERK_API_URL=${clerk.url} npm run smoke -- --base-url ${base}
CLERK_SECRET_KEY=${clerk.secretKey} CLERK_API_URL=${clerk.url} SMOKE_USER_ID=user_bob npm run smoke -- --base-url ${base}
`;
  };
  return { env, banner, close };
}
