import * as z from "zod/mini";
import { clerkClient } from "../shared/auth/index.ts";
import { defineFunction } from "../shared/handler.ts";
import { json } from "../shared/http.ts";
import { Name } from "../shared/name.ts";
import { updateOrganization } from "../shared/organization.ts";
import { UpdatedOrganizationBody } from "../shared/organization-schema.ts";

export const UpdateOrganizationBody = z.strictObject({ name: Name });

/** Renames the caller's active organization: a settings permission and a recent second factor. */
export default defineFunction({
  summary: "Renames the caller's active organization (needs org:settings:manage and a fresh second factor).",
  description:
    "A caller without the permission gets 403 forbidden; one whose second factor is older than 10 minutes " +
    "gets 403 reverification_required with Clerk's clerk_error body, which Clerk's useReverification " +
    "answers with its re-verification modal. A signed-out browser is redirected (303) to SIGN_IN_URL.",
  method: "POST",
  // Renaming an organization needs a person, who can prove it is them again.
  accepts: ["session_token"],
  requires: { permission: "org:settings:manage", reverification: "strict" },
  body: { schema: UpdateOrganizationBody },
  response: { schema: UpdatedOrganizationBody },
  signedOut: "redirect",
  example: { body: { name: "Acme Inc" } },
  invalidExample: { body: { name: "" } },
  upstream: { clerk: 1 },
  async handle(_req, { auth, body, config, remainingMs }) {
    const { name } = await body();
    const organization = await updateOrganization(clerkClient(config), remainingMs(), auth.orgId!, { name });
    return json({ organization });
  },
});
