// Authorization beyond sign-in: what a function declares it `requires`, checked once where it is declared
// and judged per request after authentication, before the function's own code runs. People are judged by
// Clerk's has() (claims.ts); machine tokens, for which Clerk's has() is always false, by their scopes.
import { validateReverificationConfig } from "@clerk/shared/authorization";
import { reverificationError } from "@clerk/shared/authorization-errors";
import type { ReverificationConfig } from "@clerk/shared/types";
import { ErrorCode, HttpError } from "../errors.ts";
import { AuthFailure, type Denial } from "./reasons.ts";
import type { SignedIn } from "./signed-in.ts";
import type { Accept } from "./tokens.ts";

export type { ReverificationConfig } from "@clerk/shared/types";

/** What a person (session token) must have, with the meaning of Clerk's has(): all given must pass. */
export interface PersonRequirements {
  /** An organization role, with or without the `org:` prefix (`admin` = `org:admin`). */
  role?: string;
  /** An organization permission, `org:<feature>:<permission>` (the `org:` prefix may be left out). */
  permission?: string;
  /** A feature of the plan, optionally scoped: `o:`/`org:` (the organization's), `u:`/`user:` (the user's). */
  feature?: string;
  /** A plan, scoped as `feature`. */
  plan?: string;
  /** Step-up: `strict_mfa`, `strict`, `moderate`, `lax`, or `{ level, afterMinutes }`. */
  reverification?: ReverificationConfig;
}

/** What a machine token (M2M, API key, OAuth) must have: every listed scope. */
export interface MachineRequirements {
  scopes?: readonly string[];
}

/**
 * An active organization: a person acting for one (the token's `o.id`/`org_id`), or an API key an
 * organization owns. Not a has() parameter: the precondition of every organization-scoped function,
 * which a role or permission requirement implies for people.
 */
export interface OrganizationRequirement {
  organization?: true;
}

export type Requirements = PersonRequirements & MachineRequirements & OrganizationRequirement;

type PersonKey = keyof PersonRequirements;
const PERSON_KEYS: readonly PersonKey[] = ["role", "permission", "feature", "plan", "reverification"];
const KNOWN_KEYS = new Set<string>([...PERSON_KEYS, "scopes", "organization"]);

/**
 * The requirements a function accepting `A` may declare: once a machine token type is accepted, a person
 * requirement needs `scopes` beside it, or machine callers would have nothing to be judged by.
 */
export type RequirementsFor<A extends Accept> = OrganizationRequirement &
  ([Exclude<A, "session_token">] extends [never]
    ? PersonRequirements
    :
        | (MachineRequirements & { [K in PersonKey]?: never })
        | (PersonRequirements & { scopes: readonly [string, ...string[]] }));

const hasPersonRequirement = (requires: Requirements) => PERSON_KEYS.some((k) => requires[k] !== undefined);

/** Feature and plan scopes Clerk's has() knows; any other prefix makes it false for everyone. */
const BILLING_SCOPES = new Set(["o", "org", "organization", "u", "user"]);

/**
 * Checks a declaration's `requires` against its `accepts` where it is declared, so a mistake fails at
 * import instead of opening (or closing) a function by accident. Throws an Error naming the problem.
 */
export function checkRequirements(requires: Requirements | undefined, accepts: readonly Accept[]): void {
  if (requires === undefined) return;
  const fail = (why: string): never => {
    throw new Error(`requires: ${why}`);
  };
  if (typeof requires !== "object" || requires === null) fail("must be an object");
  for (const key of Object.keys(requires)) {
    if (!KNOWN_KEYS.has(key)) fail(`unknown requirement "${key}" (known: ${[...KNOWN_KEYS].join(", ")})`);
  }
  for (const key of ["role", "permission", "feature", "plan"] as const) {
    const value = requires[key];
    if (value !== undefined && (typeof value !== "string" || value.trim() === "")) {
      fail(`${key} must be a non-empty string`);
    }
  }
  for (const key of ["feature", "plan"] as const) {
    const parts = requires[key]?.split(":");
    if (parts && (parts.length > 2 || (parts.length === 2 && !BILLING_SCOPES.has(parts[0]!)))) {
      fail(`${key} "${requires[key]}" has a scope Clerk does not know (use o:, org:, u:, user: or none)`);
    }
  }
  // Clerk leaves system permissions (org:sys_*) out of session tokens: such a requirement never passes.
  if (requires.permission?.replace(/^(org:)*/, "").startsWith("sys_")) {
    fail(`permission "${requires.permission}" is a system permission, which session tokens never carry`);
  }
  if (requires.reverification !== undefined && !validateReverificationConfig(requires.reverification)) {
    fail(`reverification ${JSON.stringify(requires.reverification)} is not a level Clerk knows`);
  }
  if (requires.organization !== undefined && requires.organization !== true)
    fail("organization must be true");
  const { scopes } = requires;
  if (scopes !== undefined) {
    if (!Array.isArray(scopes) || scopes.length === 0) fail("scopes must be a non-empty list");
    if (scopes.some((s) => typeof s !== "string" || s === "")) fail("every scope must be a non-empty string");
  }
  const machineTypes = accepts.filter((a) => !a.startsWith("session_token"));
  if (scopes !== undefined && machineTypes.length === 0) {
    fail("scopes apply to machine tokens, and this function accepts none");
  }
  if (hasPersonRequirement(requires) && machineTypes.length > 0 && scopes === undefined) {
    // Clerk's has() is false for every machine token: without scopes machines could only ever be
    // refused, or (were person requirements skipped for them) let through unchecked.
    fail(
      `a person requirement (${PERSON_KEYS.filter((k) => requires[k] !== undefined).join(", ")}) on a ` +
        `function that accepts ${machineTypes.join(", ")} needs "scopes" for machine tokens`,
    );
  }
}

export type Judgement =
  | { ok: true }
  | {
      ok: false;
      reason: Denial /** The declared level, when only re-verifying is missing. */;
      reverification?: ReverificationConfig;
    };

const OK: Judgement = { ok: true };
const deny = (reason: Denial): Judgement => ({ ok: false, reason });

/**
 * The verdict on a signed-in caller. Requirements other than reverification come first: a caller who
 * fails one of them would gain nothing by re-verifying, so only a caller who passes them all is asked to.
 */
export function judge(requires: Requirements | undefined, auth: SignedIn): Judgement {
  if (requires === undefined) return OK;
  if (requires.organization && !auth.orgId) return deny(AuthFailure.NoActiveOrganization);
  if (auth.tokenType !== "session_token") {
    const { scopes } = requires;
    // Fail closed: a person requirement with no machine scopes declared admits no machine.
    if (scopes === undefined) return hasPersonRequirement(requires) ? deny(AuthFailure.MissingScope) : OK;
    for (const scope of scopes) if (!auth.scopes.includes(scope)) return deny(AuthFailure.MissingScope);
    return OK;
  }
  const { role, permission, feature, plan, reverification } = requires;
  if ((role !== undefined || permission !== undefined) && !auth.orgId) {
    return deny(AuthFailure.NoActiveOrganization);
  }
  if (role !== undefined && !auth.has({ role })) return deny(AuthFailure.MissingRole);
  if (permission !== undefined && !auth.has({ permission })) return deny(AuthFailure.MissingPermission);
  if (feature !== undefined && !auth.has({ feature })) return deny(AuthFailure.MissingFeature);
  if (plan !== undefined && !auth.has({ plan })) return deny(AuthFailure.MissingPlan);
  if (reverification !== undefined && !auth.has({ reverification })) {
    return { ok: false, reason: AuthFailure.ReverificationRequired, reverification };
  }
  return OK;
}

/** 403 for a signed-in caller the function's requirements refuse (the reason is logged, not sent). */
export function forbidden(reason: Denial): HttpError {
  return new HttpError(403, ErrorCode.Forbidden, "You are not allowed to use this endpoint.", { reason });
}

/**
 * 403 that Clerk's front ends recognise (`clerk_error`, built by Clerk's own helper): useReverification
 * opens its re-verification modal for `level` and retries the call. Our envelope sits beside it.
 */
export function reverificationRequired(level: ReverificationConfig): HttpError {
  return new HttpError(403, ErrorCode.ReverificationRequired, "Verify your identity again to continue.", {
    reason: AuthFailure.ReverificationRequired,
    body: reverificationError(level),
  });
}

/** The HttpError for a refusing verdict, for the boundary to throw. */
export function refusal(judgement: Extract<Judgement, { ok: false }>): HttpError {
  return judgement.reverification !== undefined
    ? reverificationRequired(judgement.reverification)
    : forbidden(judgement.reason);
}
