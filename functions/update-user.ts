import * as z from "zod/mini";
import { clerkClient } from "../shared/auth/index.ts";
import { readBody } from "../shared/body.ts";
import { getConfig } from "../shared/config.ts";
import { ErrorCode, HttpError } from "../shared/errors.ts";
import { defineFunction } from "../shared/handler.ts";
import { json, unauthorized } from "../shared/http.ts";
import { Name } from "../shared/name.ts";
import { fetchUser } from "../shared/user.ts";
import { validate } from "../shared/validation.ts";

const MAX_BODY_BYTES = 16 * 1024;

const UpdateUserBody = z.strictObject({ firstName: z.optional(Name), lastName: z.optional(Name) }).check(
  z.refine((b) => b.firstName !== undefined || b.lastName !== undefined, {
    message: "Give firstName, lastName or both.",
  }),
);

/** Browsers navigating or posting forms get the seed's redirect; API clients asking only for JSON get 401. */
function wantsJsonOnly(req: Request): boolean {
  const accept = req.headers.get("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

/** Clerk's "Interacting with Clerk's API" example: update the signed-in user's name. */
export default defineFunction({
  name: "update-user",
  method: "POST",
  // Writes to a user need the person signed in, not a script.
  accepts: ["session_token"],
  async handle(req, ctx) {
    const auth = await ctx.auth();
    if (!auth.signedIn) {
      if (wantsJsonOnly(req)) throw unauthorized(auth.reason, auth.tokenPresented);
      // The seed's NextResponse.redirect('/sign-in') needs an absolute URL; 303 turns the POST into a GET.
      return new Response(null, {
        status: 303,
        headers: { location: new URL(getConfig("signIn").url, req.url).href },
      });
    }
    const params = validate(UpdateUserBody, await readBody(req, MAX_BODY_BYTES));
    try {
      const user = await fetchUser(ctx.remainingMs(), auth.userId, () =>
        clerkClient(ctx.config).users.updateUser(auth.userId, params),
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

// The generated OpenAPI document describes the body with this same schema.
export { UpdateUserBody };
