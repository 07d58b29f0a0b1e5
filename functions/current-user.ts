import { clerkClient } from "../shared/auth/index.ts";
import { defineFunction } from "../shared/handler.ts";
import { json } from "../shared/http.ts";
import { fetchUser } from "../shared/user.ts";

/** Clerk's "Retrieve the current user" example, minus privateMetadata: one Backend API call per request. */
export default defineFunction({
  name: "current-user",
  method: "GET",
  // Machine callers acting for a user: an OAuth token (granted by its user), a user's API key.
  accepts: ["session_token", "oauth_token:user", "api_key:user"],
  async handle(_req, ctx) {
    const { userId } = await ctx.requireAuth();
    const user = await fetchUser(ctx.remainingMs(), userId, () =>
      clerkClient(ctx.config).users.getUser(userId),
    );
    return json({ user });
  },
});
