import { clerkClient } from "../shared/auth/index.ts";
import { defineFunction } from "../shared/handler.ts";
import { json } from "../shared/http.ts";
import { fetchUser } from "../shared/user.ts";
import { UserBody } from "../shared/user-schema.ts";

/** Clerk's "Retrieve the current user" example, minus privateMetadata: one Backend API call per request. */
export default defineFunction({
  summary: "The signed-in user as @clerk/backend's User exposes it, without privateMetadata.",
  method: "GET",
  // Machine callers acting for a user: an OAuth token (granted by its user), a user's API key.
  accepts: ["session_token", "oauth_token:user", "api_key:user"],
  response: { schema: UserBody, name: "UserBody" },
  example: {},
  upstream: { clerk: 1 },
  async handle(_req, { auth, config, remainingMs }) {
    const user = await fetchUser(remainingMs(), auth.userId, () =>
      clerkClient(config).users.getUser(auth.userId),
    );
    return json({ user });
  },
});
