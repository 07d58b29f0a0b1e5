// A verified session token's authorization claims, read by Clerk's own parser (session token v1 `org_*`
// claims; v2 `o.{id,rol,slg,per,fpm}`, `fea`, `pla`, `fva`) and judged by Clerk's own has(), exactly as
// @clerk/backend's toAuth() builds them — so no bitmask or reverification preset is re-implemented here.
import { createCheckAuthorization } from "@clerk/shared/authorization";
import { __experimental_JWTPayloadToAuthObjectProperties as authObjectProperties } from "@clerk/shared/jwtPayloadParser";
import type { CheckAuthorizationParamsWithCustomPermissions, JwtPayload } from "@clerk/shared/types";

/**
 * Clerk's has(): true when every given dimension (role, permission, feature, plan, reverification) passes.
 * Clerk's own parameter type allows one of role/permission at a time; at run time it checks all it is given.
 */
export type Has = (params: CheckAuthorizationParamsWithCustomPermissions | HasParams) => boolean;

export interface HasParams {
  role?: string;
  permission?: string;
  feature?: string;
  plan?: string;
  reverification?: CheckAuthorizationParamsWithCustomPermissions["reverification"];
}

/** What a person's token says about their organization, factors and entitlements. */
export interface PersonClaims {
  orgId: string | undefined;
  /** As Clerk reports it: `org:admin` (v2 tokens get the prefix; v1 tokens carry it already). */
  orgRole: string | undefined;
  orgSlug: string | undefined;
  /** `org:<feature>:<permission>` keys (v2: decoded from the per/fpm bitmasks over the org features). */
  orgPermissions: string[] | undefined;
  /** Minutes since the first and second factor were verified; -1 = that factor is not enrolled. */
  factorVerificationAge: [number, number] | null;
  has: Has;
}

const NEVER: Has = () => false;

/**
 * Built once per verified token (and kept with it in the token cache, so a remembered token answers as a
 * fresh one). Clerk's parser throws on a `fea` element without a scope; the SDK's toAuth() would throw
 * too. Such a token still signs its person in, but claims nothing: every has() is false (fail closed).
 */
export function personClaims(claims: JwtPayload): PersonClaims {
  let props: ReturnType<typeof authObjectProperties>;
  try {
    props = authObjectProperties(claims);
  } catch {
    return {
      orgId: undefined,
      orgRole: undefined,
      orgSlug: undefined,
      orgPermissions: undefined,
      factorVerificationAge: null,
      has: NEVER,
    };
  }
  const { orgId, orgRole, orgSlug, orgPermissions, factorVerificationAge, userId } = props;
  const has = createCheckAuthorization({
    userId,
    orgId,
    orgRole,
    orgPermissions,
    factorVerificationAge,
    // As the SDK's signedInAuthObject passes them.
    features: typeof claims.fea === "string" ? claims.fea : "",
    plans: typeof claims.pla === "string" ? claims.pla : "",
  }) as Has;
  return {
    orgId: orgId ?? undefined,
    orgRole: orgRole ?? undefined,
    orgSlug: orgSlug ?? undefined,
    orgPermissions: orgPermissions ?? undefined,
    factorVerificationAge,
    has,
  };
}
