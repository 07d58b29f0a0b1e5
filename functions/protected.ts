import { defineFunction } from "../shared/handler.ts";
import { json } from "../shared/http.ts";

/** Clerk's "Protecting route handlers" example: 200 signed in, 401 signed out. */
export default defineFunction({
  name: "protected",
  method: "GET",
  accepts: ["session_token", "m2m_token", "api_key", "oauth_token"],
  async handle(_req, ctx) {
    await ctx.requireAuth();
    return json({ data: { message: "Hello World" } });
  },
});
