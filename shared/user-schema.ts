// The success bodies of the user functions, for the OpenAPI document and the smoke CLI (the build leaves
// them out of the bundles: the functions build these bodies, they never parse them).
import * as z from "zod/mini";

/**
 * The user as the functions answer it: @clerk/backend's User in camelCase, never `privateMetadata` or the
 * snake_case `_raw` copy (json() strips both; the schema says so, so the document and the smoke CLI check it).
 */
const PublicUser = z.looseObject({
  id: z.string(),
  firstName: z.nullable(z.string()),
  lastName: z.nullable(z.string()),
  username: z.nullable(z.string()),
  imageUrl: z.string(),
  hasImage: z.boolean(),
  primaryEmailAddressId: z.nullable(z.string()),
  emailAddresses: z.array(z.looseObject({ id: z.string(), emailAddress: z.string() })),
  phoneNumbers: z.array(z.unknown()),
  publicMetadata: z.record(z.string(), z.unknown()),
  unsafeMetadata: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
  updatedAt: z.number(),
  lastSignInAt: z.nullable(z.number()),
  privateMetadata: z.optional(z.never()),
  _raw: z.optional(z.never()),
});
export const UserBody = z.strictObject({ user: PublicUser });
