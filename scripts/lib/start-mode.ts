// Which Clerk and Supabase a local server uses, said on screen with the reason, and a real secret key
// checked once before serving: a well-formed but wrong key would otherwise start fine and surface only as
// 502s on the first signed-in request.

export type StartMode =
  | { kind: "stand-ins"; why: string }
  | { kind: "real"; why: string }
  | { kind: "refused"; why: string };

/**
 * Real Clerk and Supabase when CLERK_SECRET_KEY is set; the local stand-ins when no CLERK_* or SUPABASE_*
 * variable is. Anything in between is refused: the stand-ins would silently replace the variables given.
 */
export function startMode(env: Record<string, string | undefined>): StartMode {
  const given = Object.keys(env).filter((n) => /^(?:CLERK|SUPABASE)_/.test(n) && env[n]?.trim());
  if (env.CLERK_SECRET_KEY?.trim()) {
    return {
      kind: "real",
      why: "CLERK_SECRET_KEY is set (environment or .env): using your Clerk and Supabase.",
    };
  }
  if (given.length === 0) {
    return {
      kind: "stand-ins",
      why: "No CLERK_* or SUPABASE_* variable is set (environment or .env): using local stand-ins.",
    };
  }
  return {
    kind: "refused",
    why:
      `${given.join(", ")} ${given.length === 1 ? "is" : "are"} set (environment or .env) but CLERK_SECRET_KEY is not.\n` +
      "Set CLERK_SECRET_KEY too to use your real Clerk and Supabase, or unset these to use the local stand-ins.",
  };
}

const CHECK_TIMEOUT_MS = 5_000;

/**
 * One Backend API call with the secret key (GET /v1/jwks, which every function makes too): undefined when
 * Clerk accepts the key, otherwise what to tell the operator. Never prints the key.
 */
export async function clerkKeyProblem(apiUrl: string, secretKey: string): Promise<string | undefined> {
  let res: Response;
  try {
    res = await fetch(`${apiUrl}/v1/jwks`, {
      headers: { authorization: `Bearer ${secretKey}` },
      signal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
  } catch {
    return `cannot reach Clerk at ${apiUrl} (within ${CHECK_TIMEOUT_MS / 1000} s): check your network, or CLERK_API_URL`;
  }
  await res.body?.cancel();
  if (res.status === 401 || res.status === 403) {
    return `Clerk rejected CLERK_SECRET_KEY (HTTP ${res.status}): copy it again from Dashboard → API keys, for the instance CLERK_PUBLISHABLE_KEY belongs to`;
  }
  if (!res.ok) return `Clerk at ${apiUrl} answered HTTP ${res.status} to the key check; try again shortly`;
  return undefined;
}
