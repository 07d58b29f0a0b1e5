// The smoke CLI's machine token: SMOKE_MACHINE_TOKEN (an M2M token, an API key or an OAuth token), or an
// M2M token minted with CLERK_MACHINE_SECRET_KEY through the Backend API's POST /m2m_tokens. With no
// session credentials this is how a production instance is smoke-tested: machine rows and the signed-out
// ones only.

type Env = Record<string, string | undefined>;

/** Whether the session rows can run: a session token, or what it takes to mint one. */
export const sessionConfigured = (env: Env = process.env) =>
  Boolean(env.SMOKE_SESSION_TOKEN || (env.CLERK_SECRET_KEY && env.SMOKE_USER_ID));

/** SMOKE_MACHINE_TOKEN, or an M2M token minted with CLERK_MACHINE_SECRET_KEY; undefined when neither. */
export async function machineToken(env: Env = process.env): Promise<string | undefined> {
  if (env.SMOKE_MACHINE_TOKEN) return env.SMOKE_MACHINE_TOKEN;
  const machineKey = env.CLERK_MACHINE_SECRET_KEY;
  if (!machineKey) return undefined;
  const api = (env.CLERK_API_URL ?? "https://api.clerk.com").replace(/\/$/, "");
  // Unversioned, as @clerk/backend calls it; only a machine's secret key may create its tokens.
  const res = await fetch(`${api}/m2m_tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${machineKey}`, "content-type": "application/json" },
    body: JSON.stringify({ seconds_until_expiration: 300 }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`Clerk Backend API POST /m2m_tokens answered ${res.status}`);
  const token = ((await res.json()) as { token?: unknown }).token;
  if (typeof token !== "string") throw new Error("Clerk Backend API POST /m2m_tokens returned no token");
  return token;
}
