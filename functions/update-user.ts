import * as z from "zod/mini";
import { clerkClient } from "../shared/auth/index.ts";
import { ErrorCode, HttpError } from "../shared/errors.ts";
import { defineFunction } from "../shared/handler.ts";
import { json } from "../shared/http.ts";
import { Name } from "../shared/name.ts";
import { fetchUser } from "../shared/user.ts";
import { UserBody } from "../shared/user-schema.ts";

export const UpdateUserBody = z
  .strictObject({ firstName: z.optional(Name), lastName: z.optional(Name) })
  .check(
    z.refine((b) => b.firstName !== undefined || b.lastName !== undefined, {
      message: "Give firstName, lastName or both.",
    }),
  )
  // The refinement has no JSON Schema form of its own; the OpenAPI document says it this way.
  .register(z.globalRegistry, { minProperties: 1 });

/** Clerk's "Interacting with Clerk's API" example: update the signed-in user's name. */
export default defineFunction({
  summary: "Sets the signed-in user's first and/or last name through Clerk's Backend API.",
  description:
    "A signed-out browser is redirected (303) to SIGN_IN_URL; a client whose Accept is only " +
    "application/json gets 401. A 504 means the outcome is unknown: read current-user again.",
  method: "POST",
  // Writes to a user need the person signed in, not a script.
  accepts: ["session_token"],
  body: { schema: UpdateUserBody },
  response: { schema: UserBody, name: "UserBody" },
  // The seed's NextResponse.redirect('/sign-in') for a signed-out browser.
  signedOut: "redirect",
  example: { body: { firstName: "Alice" } },
  invalidExample: { body: { firstName: "" } },
  upstream: { clerk: 1 },
  async handle(_req, { auth, body, config, remainingMs }) {
    const params = await body();
    try {
      const user = await fetchUser(remainingMs(), auth.userId, () =>
        clerkClient(config).users.updateUser(auth.userId, params),
      );
      return json({ user });
    } catch (err) {
      // Clerk's own validation (e.g. a name its instance settings refuse) is the client's problem, not ours.
      if (err instanceof HttpError && err.upstream?.status === 422) {
        throw new HttpError(422, ErrorCode.ValidationFailed, "Clerk rejected the update.", {
          details: { upstreamCode: err.upstream.code },
          upstream: err.upstream,
        });
      }
      throw err;
    }
  },
});
