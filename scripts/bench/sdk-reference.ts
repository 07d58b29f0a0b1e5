// The SDK references' shared part (sdk-protected.ts, sdk-current-user.ts): the client built at load and
// the request authenticated as Clerk's docs show it, with the functions' own settings.
import { createClerkClient } from "@clerk/backend";
import { readEnv as env } from "../../shared/env.ts";

export const clerk = createClerkClient({
  secretKey: env("CLERK_SECRET_KEY"),
  publishableKey: env("CLERK_PUBLISHABLE_KEY"),
  apiUrl: env("CLERK_API_URL"),
  telemetry: { disabled: true },
});

/** The signed-in user's id, or the 401 to answer. */
export async function signedInUser(req: Request): Promise<string | Response> {
  const state = await clerk.authenticateRequest(req, {
    jwtKey: env("CLERK_JWT_KEY"),
    authorizedParties: env("CLERK_AUTHORIZED_PARTIES")?.split(","),
  });
  if (!state.isSignedIn) return Response.json({ error: state.reason }, { status: 401 });
  return state.toAuth().userId;
}
