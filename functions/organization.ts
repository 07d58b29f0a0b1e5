import { clerkClient } from "../shared/auth/index.ts";
import { defineFunction } from "../shared/handler.ts";
import { json } from "../shared/http.ts";
import { fetchOrganization } from "../shared/organization.ts";
import { OrganizationBody } from "../shared/organization-schema.ts";

/** Clerk's B2B pattern: what the caller's active organization is, from Clerk, with their membership. */
export default defineFunction({
  summary:
    "The caller's active organization and their membership (an organization's API key: its organization).",
  method: "GET",
  // A person acting for an organization, or a script holding an API key the organization owns.
  accepts: ["session_token", "api_key:org"],
  requires: { organization: true },
  response: { schema: OrganizationBody },
  example: {},
  upstream: { clerk: 1 },
  async handle(_req, { auth, config, remainingMs }) {
    // The requirement guarantees it; the types cannot see that.
    const orgId = auth.orgId!;
    const organization = await fetchOrganization(clerkClient(config), remainingMs(), orgId);
    const membership =
      auth.tokenType === "session_token"
        ? { role: auth.orgRole ?? "", permissions: auth.orgPermissions ?? [] }
        : null;
    return json({ organization, membership });
  },
});
