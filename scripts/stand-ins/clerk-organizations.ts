// Organizations in the Clerk Backend API stand-in: the seed, the BAPI Organization JSON, memberships (a
// role and its `org:<feature>:<permission>` keys per member), GET/PATCH /v1/organizations/{id} as BAPI
// answers them, and the `o` claim a v2 session token carries for the active organization.
import {
  type ClerkError,
  errors,
  json,
  malformedBody,
  notFound,
  paramError,
  parseBody,
  unknownParam,
} from "./bapi.ts";

export interface SeedMember {
  userId: string;
  /** With the `org:` prefix, as Clerk names roles. */
  role: string;
  /** `org:<feature>:<permission>` keys the role grants (Clerk's system `org:sys_*` ones never reach tokens). */
  permissions: string[];
}

export interface SeedOrganization {
  id: string;
  name: string;
  slug: string;
  /** Features of the organization's plan, in the order its token claims list them. */
  features: string[];
  /** The organization's plan (billing). */
  plan?: string;
  members: SeedMember[];
  publicMetadata?: Record<string, unknown>;
  privateMetadata?: Record<string, unknown>;
  maxAllowedMemberships?: number;
}

const ADMIN_PERMISSIONS = [
  "org:settings:manage",
  "org:settings:read",
  "org:members:manage",
  "org:members:read",
  "org:dashboard:read",
];
const MEMBER_PERMISSIONS = ["org:settings:read", "org:members:read", "org:dashboard:read"];

/** Seeded when `organizations` is not given: Alice administers Acme, where Bob is a member. */
export const DEFAULT_SEED_ORGANIZATIONS: SeedOrganization[] = [
  {
    id: "org_acme",
    name: "Acme Inc",
    slug: "acme",
    features: ["settings", "members", "dashboard"],
    plan: "pro",
    members: [
      { userId: "user_alice", role: "org:admin", permissions: ADMIN_PERMISSIONS },
      { userId: "user_bob", role: "org:member", permissions: MEMBER_PERMISSIONS },
    ],
    publicMetadata: { tier: "gold" },
    privateMetadata: { secret: "acme-private-note" },
    maxAllowedMemberships: 5,
  },
  {
    id: "org_globex",
    name: "Globex",
    slug: "globex",
    features: ["settings", "members"],
    plan: "free",
    members: [{ userId: "user_alice", role: "org:member", permissions: ["org:settings:read"] }],
    privateMetadata: { secret: "globex-private-note" },
  },
];

export function newBapiOrganization(seed: SeedOrganization, now: number) {
  return {
    object: "organization" as const,
    id: seed.id,
    name: seed.name,
    slug: seed.slug,
    image_url: "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
    has_image: false,
    max_allowed_memberships: seed.maxAllowedMemberships ?? 0,
    admin_delete_enabled: true,
    public_metadata: structuredClone(seed.publicMetadata ?? {}),
    private_metadata: structuredClone(seed.privateMetadata ?? {}),
    created_by: seed.members[0]?.userId ?? "",
    role_set_key: null as string | null,
    created_at: now,
    updated_at: now,
  };
}
export type BapiOrganization = ReturnType<typeof newBapiOrganization>;

/** Organization state: the BAPI JSON by id, and what the seed says tokens need (members, features, plan). */
export interface OrganizationState {
  organizations: Map<string, BapiOrganization>;
  seeds: Map<string, SeedOrganization>;
}

export function seedOrganizations(seeds: SeedOrganization[]): OrganizationState {
  const now = Date.now();
  return {
    organizations: new Map(seeds.map((s) => [s.id, newBapiOrganization(s, now)])),
    seeds: new Map(seeds.map((s) => [s.id, structuredClone(s)])),
  };
}

/** The active organization as a session token describes it: membership, features, plan. */
export interface ActiveOrganization {
  id: string;
  slug: string;
  role: string;
  permissions: string[];
  features: string[];
  plan?: string;
}

export function activeOrganization(
  state: OrganizationState,
  orgId: string,
  userId: string,
): ActiveOrganization | undefined {
  const org = state.organizations.get(orgId);
  const seed = state.seeds.get(orgId);
  const member = seed?.members.find((m) => m.userId === userId);
  if (!org || !seed || !member) return undefined;
  return {
    id: org.id,
    slug: org.slug,
    role: member.role,
    permissions: member.permissions,
    features: seed.features,
    plan: seed.plan,
  };
}

/**
 * The v2 `o` claim: `rol` without the `org:` prefix, `per` the distinct permission names, and `fpm` one
 * decimal bitmask per organization feature (in `fea` order; bit i = `per[i]`), as Clerk encodes them.
 * BigInt, so more than 53 permissions stay exact.
 */
export function orgClaim(org: ActiveOrganization): { o: Record<string, unknown>; orgFeatures: string[] } {
  const features = [...org.features];
  const per: string[] = [];
  const granted = org.permissions.map((key) => {
    const [, feature = "", permission = ""] = key.split(":");
    if (!features.includes(feature)) features.push(feature);
    if (!per.includes(permission)) per.push(permission);
    return { feature, bit: per.indexOf(permission) };
  });
  const fpm = features.map((feature) =>
    granted
      .filter((g) => g.feature === feature)
      .reduce((mask, g) => mask | (1n << BigInt(g.bit)), 0n)
      .toString(),
  );
  const o: Record<string, unknown> = { id: org.id, rol: org.role.replace(/^org:/, ""), slg: org.slug };
  if (per.length > 0) {
    o.per = per.join(",");
    o.fpm = fpm.join(",");
  }
  return { o, orgFeatures: features };
}

// PATCH /v1/organizations/{id} parameters the stand-in models; the metadata fields 2026-05-12 dropped and
// anything else get a 422 form_param_unknown, as for users.
const NULLABLE_STRING_PARAMS = ["name", "slug", "role_set_key", "created_at"] as const;
const MAX_NAME_LENGTH = 256;
// Clerk refuses organization names that contain a URL or HTML ("… is invalid: contains a URL"); this is a
// rough model of that rule (a dotted host-like word, a scheme, or a tag), not Clerk's exact detector.
const URL_LIKE = /(?:[a-z][a-z0-9+.-]*:\/\/)|(?:\b[a-z0-9-]+\.[a-z]{2,}\b)|(?:\bwww\.)/i;
const HTML_LIKE = /<\/?[a-z!][^>]*>/i;

/** Validates a PATCH /v1/organizations body the way BAPI does: every problem reported at once. */
export function validateOrganizationUpdate(params: Record<string, unknown>): ClerkError[] {
  const problems: ClerkError[] = [];
  for (const [key, value] of Object.entries(params)) {
    if ((NULLABLE_STRING_PARAMS as readonly string[]).includes(key)) {
      if (value !== null && typeof value !== "string") {
        problems.push(paramError("form_param_format_invalid", key, "is invalid", `${key} must be a string.`));
      } else if (key === "name" && typeof value === "string") {
        if (value.length > MAX_NAME_LENGTH) {
          problems.push(
            paramError(
              "form_param_max_length_exceeded",
              key,
              "is too long",
              `Name should not exceed ${MAX_NAME_LENGTH} characters.`,
            ),
          );
        } else if (URL_LIKE.test(value) || HTML_LIKE.test(value)) {
          const what = HTML_LIKE.test(value) ? "HTML" : "a URL";
          problems.push(
            paramError(
              "form_param_value_invalid",
              key,
              "is invalid",
              `The organization name "${value}" is invalid: contains ${what}`,
            ),
          );
        }
      }
    } else if (key === "max_allowed_memberships") {
      if (value !== null && !(Number.isInteger(value) && (value as number) >= 0)) {
        problems.push(
          paramError(
            "form_param_format_invalid",
            key,
            "is invalid",
            `${key} must be a non-negative integer.`,
          ),
        );
      }
    } else if (key === "admin_delete_enabled") {
      if (value !== null && typeof value !== "boolean") {
        problems.push(
          paramError("form_param_format_invalid", key, "is invalid", `${key} must be a boolean.`),
        );
      }
    } else {
      problems.push(unknownParam(key));
    }
  }
  return problems;
}

function applyOrganizationUpdate(org: BapiOrganization, params: Record<string, unknown>): void {
  if (typeof params.name === "string") org.name = params.name;
  if (typeof params.slug === "string") org.slug = params.slug;
  if (typeof params.max_allowed_memberships === "number") {
    org.max_allowed_memberships = params.max_allowed_memberships;
  }
  if (typeof params.admin_delete_enabled === "boolean")
    org.admin_delete_enabled = params.admin_delete_enabled;
  org.updated_at = Math.max(Date.now(), org.updated_at + 1);
}

/** GET (by id or slug) and PATCH (by id) /v1/organizations/{id}; undefined for any other request. */
export function organizationRoute(
  state: OrganizationState,
  method: string,
  url: URL,
  rawBody: string,
): Response | undefined {
  const match = url.pathname.match(/^\/v1\/organizations\/([^/]+)$/);
  if (!match || (method !== "GET" && method !== "PATCH")) return undefined;
  const key = decodeURIComponent(match[1]!);
  const org =
    state.organizations.get(key) ??
    (method === "GET" ? [...state.organizations.values()].find((o) => o.slug === key) : undefined);
  if (!org) return notFound(`No organization was found with id ${key}`);
  if (method === "GET") {
    const withCount = url.searchParams.get("include_members_count") === "true";
    const members = state.seeds.get(org.id)?.members.length ?? 0;
    return json(withCount ? { ...org, members_count: members } : org);
  }
  const params = parseBody(rawBody);
  if (!params) return malformedBody();
  const problems = validateOrganizationUpdate(params);
  if (problems.length) return errors(422, ...problems);
  applyOrganizationUpdate(org, params);
  return json(org);
}
