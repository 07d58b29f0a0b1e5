// Opaque M2M tokens for the bench, when the Clerk stand-in issues them: machine tokens are verified by
// Clerk (with a short reuse cache), so a reused one is a throughput case of its own. Until the stand-in
// serves POST /m2m_tokens the bench reports "n/a" for it.
import type { ClerkStandIn } from "../stand-ins/clerk.ts";

interface Machine {
  secretKey: string;
}

/** What the stand-in offers once it knows machines: a caller and the machine the functions verify as. */
type WithMachines = ClerkStandIn & { seedMachines?: { caller: Machine; api: Machine } };

export interface M2M {
  token: string;
  /** Added to the functions' environment so they may verify it. */
  env: Record<string, string>;
}

/** One opaque M2M token from the stand-in, or undefined when it does not serve POST /m2m_tokens. */
export async function mintM2M(clerk: ClerkStandIn): Promise<M2M | undefined> {
  const machines = (clerk as WithMachines).seedMachines;
  if (!machines) return undefined;
  const res = await fetch(`${clerk.url}/m2m_tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${machines.caller.secretKey}`, "content-type": "application/json" },
    body: JSON.stringify({ token_format: "opaque", seconds_until_expiration: 3600 }),
  });
  const body = (await res.json().catch(() => undefined)) as { token?: unknown } | undefined;
  if (!res.ok || typeof body?.token !== "string") return undefined;
  return { token: body.token, env: { CLERK_MACHINE_SECRET_KEY: machines.api.secretKey } };
}
