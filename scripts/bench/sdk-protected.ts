// A reference for the cold start, not judged: `protected` as Clerk's docs would have you write it with
// nothing of this project — createClerkClient at load, authenticateRequest per request (networkless, the
// same settings; sdk-reference.ts). Its Δ over hello-world is what any function built on @clerk/backend
// pays before doing anything of its own; a function's Δ over it is this project's share.
import { signedInUser } from "./sdk-reference.ts";

export default async function sdkProtected(req: Request): Promise<Response> {
  const userId = await signedInUser(req);
  return typeof userId === "string" ? Response.json({ userId }) : userId;
}
