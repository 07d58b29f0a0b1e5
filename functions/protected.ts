import * as z from "zod/mini";
import { defineFunction } from "../shared/handler.ts";
import { json } from "../shared/http.ts";

/** Clerk's "Protecting route handlers" example: 200 signed in, 401 signed out. */
export default defineFunction({
  summary: "Hello World for a signed-in caller (Clerk's 'Protecting route handlers').",
  method: "GET",
  accepts: ["session_token", "m2m_token", "api_key", "oauth_token"],
  response: { schema: z.strictObject({ data: z.strictObject({ message: z.literal("Hello World") }) }) },
  example: {},
  async handle() {
    return json({ data: { message: "Hello World" } });
  },
});
