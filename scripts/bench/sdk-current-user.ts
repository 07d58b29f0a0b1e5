// A reference for the cold start, not judged: `current-user` as Clerk's docs would have you write it with
// nothing of this project (sdk-protected.ts, then one Backend API call through the SDK's client).
import { clerk, signedInUser } from "./sdk-reference.ts";

export default async function sdkCurrentUser(req: Request): Promise<Response> {
  const userId = await signedInUser(req);
  if (typeof userId !== "string") return userId;
  const user = await clerk.users.getUser(userId);
  return Response.json({ user: { id: user.id, firstName: user.firstName } });
}
