// The success bodies of the organization functions, for the OpenAPI document and the smoke CLI (the build
// leaves them out of the bundles: the functions build these bodies, they never parse them).
import * as z from "zod/mini";

const PublicOrganization = z.strictObject({
  id: z.string(),
  name: z.string(),
  slug: z.string(),
  imageUrl: z.string(),
  hasImage: z.boolean(),
  membersCount: z.optional(z.number()),
  maxAllowedMemberships: z.number(),
  publicMetadata: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
  updatedAt: z.number(),
});

/** The caller's organization and, for a person, their membership (an organization's API key has none). */
export const OrganizationBody = z.strictObject({
  organization: PublicOrganization,
  membership: z.nullable(z.strictObject({ role: z.string(), permissions: z.array(z.string()) })),
});

export const UpdatedOrganizationBody = z.strictObject({ organization: PublicOrganization });
