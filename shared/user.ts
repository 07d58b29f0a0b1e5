import type { User } from "@clerk/backend";
import { HttpError } from "./errors.ts";
import { unauthorized } from "./http.ts";
import { callClerk } from "./upstream.ts";

/**
 * A Backend API call that returns the signed-in user. A user deleted at Clerk while their session token
 * is still valid is signed out (401), not a server error. json() strips privateMetadata and `_raw`.
 */
export async function fetchUser(timeoutMs: number, call: () => Promise<User>): Promise<User> {
  try {
    return await callClerk(timeoutMs, call);
  } catch (err) {
    if (err instanceof HttpError && err.upstream?.status === 404) throw unauthorized("user-not-found", true);
    throw err;
  }
}
