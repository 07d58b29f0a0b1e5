import type { ClerkClient, Organization } from "@clerk/backend";
import { forbidden } from "./auth/authorization.ts";
import { AuthFailure } from "./auth/reasons.ts";
import { ErrorCode, HttpError } from "./errors.ts";
import { callClerk, upstreamHttpError } from "./upstream.ts";

/** What a client may see of an organization: never its private metadata or the SDK's raw copy. */
export interface PublicOrganization {
  id: string;
  name: string;
  slug: string;
  imageUrl: string;
  hasImage: boolean;
  /** Present when Clerk was asked to count (reads do, an update's answer does not). */
  membersCount?: number;
  maxAllowedMemberships: number;
  publicMetadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

// Picked field by field (not spread): a field Clerk adds later stays out until it is chosen here.
export function publicOrganization(org: Organization): PublicOrganization {
  const view: PublicOrganization = {
    id: org.id,
    name: org.name,
    slug: org.slug,
    imageUrl: org.imageUrl,
    hasImage: org.hasImage,
    maxAllowedMemberships: org.maxAllowedMemberships,
    publicMetadata: org.publicMetadata ?? {},
    createdAt: org.createdAt,
    updatedAt: org.updatedAt,
  };
  if (typeof org.membersCount === "number") view.membersCount = org.membersCount;
  return view;
}

/**
 * One Backend API call about the caller's organization, within the deadline. An organization Clerk no
 * longer has (deleted while the token naming it is still valid) is the caller's 403, not a server error;
 * Clerk's 422 (e.g. a name with a URL or HTML) is the client's 422 with Clerk's code.
 */
async function organizationCall(
  timeoutMs: number,
  orgId: string,
  call: () => Promise<Organization>,
): Promise<PublicOrganization> {
  let org: unknown;
  try {
    org = await callClerk(timeoutMs, call);
  } catch (err) {
    if (err instanceof HttpError && err.upstream?.status === 404) {
      const refused = forbidden(AuthFailure.OrganizationNotFound);
      throw new HttpError(refused.status, refused.code, refused.message, {
        reason: refused.reason,
        upstream: err.upstream,
      });
    }
    if (err instanceof HttpError && err.upstream?.status === 422) {
      throw new HttpError(422, ErrorCode.ValidationFailed, "Clerk rejected the update.", {
        details: { upstreamCode: err.upstream.code },
        upstream: err.upstream,
      });
    }
    throw err;
  }
  // The SDK hands back a body it could not read as JSON as a string; never pass that, or another
  // organization than the caller's, on to the client.
  if (typeof org !== "object" || org === null || (org as Organization).id !== orgId) {
    throw upstreamHttpError({ service: "clerk", status: 502 });
  }
  return publicOrganization(org as Organization);
}

/** GET /v1/organizations/{id} with its members count. */
export function fetchOrganization(
  clerk: ClerkClient,
  timeoutMs: number,
  orgId: string,
): Promise<PublicOrganization> {
  return organizationCall(timeoutMs, orgId, () =>
    clerk.organizations.getOrganization({ organizationId: orgId, includeMembersCount: true }),
  );
}

/** PATCH /v1/organizations/{id} `{name}`. */
export function updateOrganization(
  clerk: ClerkClient,
  timeoutMs: number,
  orgId: string,
  params: { name: string },
): Promise<PublicOrganization> {
  return organizationCall(timeoutMs, orgId, () =>
    clerk.organizations.updateOrganization(orgId, { name: params.name }),
  );
}
