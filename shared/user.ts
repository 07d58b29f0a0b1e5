import type { User } from "@clerk/backend";
import { AuthFailure } from "./auth/reasons.ts";
import { HttpError } from "./errors.ts";
import { unauthorized } from "./http.ts";
import { callClerk, upstreamHttpError } from "./upstream.ts";

/**
 * A Backend API call that returns the signed-in user. A user deleted at Clerk while their session token
 * is still valid is signed out (401), not a server error. json() strips privateMetadata and `_raw`.
 */
export async function fetchUser(timeoutMs: number, userId: string, call: () => Promise<User>): Promise<User> {
  let user: unknown;
  try {
    user = await callClerk(timeoutMs, call);
  } catch (err) {
    if (err instanceof HttpError && err.upstream?.status === 404) {
      // Clerk's answer caused this 401: logged with the upstream, as a warning.
      const signedOut = unauthorized(AuthFailure.UserNotFound, true);
      throw new HttpError(signedOut.status, signedOut.code, signedOut.message, {
        reason: signedOut.reason,
        headers: signedOut.headers,
        upstream: err.upstream,
      });
    }
    throw err;
  }
  // The SDK hands back a body it could not read as JSON (e.g. an HTML page with status 200) as a string;
  // never pass that, or a user that is not the caller, on to the client.
  if (typeof user !== "object" || user === null || (user as User).id !== userId) {
    throw upstreamHttpError({ service: "clerk", status: 502 });
  }
  return user as User;
}
