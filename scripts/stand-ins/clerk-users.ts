// Users in the Clerk Backend API stand-in: the seed, the BAPI User JSON, and PATCH /v1/users/{id} checked
// and applied as BAPI does it.
import { type ClerkError, paramError, randomId, unknownParam } from "./bapi.ts";

export interface SeedUser {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string;
  username?: string | null;
  publicMetadata?: Record<string, unknown>;
  privateMetadata?: Record<string, unknown>;
  unsafeMetadata?: Record<string, unknown>;
}

/** Seeded when `users` is not given. */
export const DEFAULT_SEED_USERS: SeedUser[] = [
  {
    id: "user_alice",
    firstName: "Alice",
    lastName: "Example",
    email: "alice@example.com",
    username: "alice",
    publicMetadata: { plan: "pro" },
    privateMetadata: { secret: "alice-private-note" },
  },
  {
    id: "user_bob",
    firstName: "Bob",
    lastName: "Example",
    email: "bob@example.com",
    username: "bob",
    publicMetadata: { plan: "free" },
    privateMetadata: { secret: "bob-private-note" },
  },
];

export function newBapiUser(seed: SeedUser, now: number) {
  const emailId = `idn_${randomId()}`;
  return {
    id: seed.id,
    object: "user" as const,
    external_id: null as string | null,
    primary_email_address_id: emailId as string | null,
    primary_phone_number_id: null as string | null,
    primary_web3_wallet_id: null as string | null,
    username: seed.username ?? null,
    first_name: seed.firstName,
    last_name: seed.lastName,
    locale: null as string | null,
    profile_image_url: "https://www.gravatar.com/avatar?d=mp",
    image_url: "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
    has_image: false,
    public_metadata: structuredClone(seed.publicMetadata ?? {}),
    private_metadata: structuredClone(seed.privateMetadata ?? {}),
    unsafe_metadata: structuredClone(seed.unsafeMetadata ?? {}),
    email_addresses: [
      {
        id: emailId,
        object: "email_address" as const,
        email_address: seed.email,
        reserved: false,
        verification: {
          object: "verification_otp",
          status: "verified",
          strategy: "email_code",
          attempts: 1,
          expire_at: now + 10 * 60 * 1000,
        },
        linked_to: [] as unknown[],
        matches_sso_connection: false,
        created_at: now,
        updated_at: now,
      },
    ],
    phone_numbers: [] as unknown[],
    web3_wallets: [] as unknown[],
    passkeys: [] as unknown[],
    password_enabled: false,
    two_factor_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    mfa_enabled_at: null as number | null,
    mfa_disabled_at: null as number | null,
    password_last_updated_at: null as number | null,
    external_accounts: [] as unknown[],
    saml_accounts: [] as unknown[],
    enterprise_accounts: [] as unknown[],
    last_sign_in_at: now as number | null,
    banned: false,
    locked: false,
    deprovisioned: false,
    lockout_expires_in_seconds: null as number | null,
    verification_attempts_remaining: 100 as number | null,
    updated_at: now,
    created_at: now,
    delete_self_enabled: true,
    create_organization_enabled: true,
    create_organizations_limit: null as number | null,
    last_active_at: now as number | null,
    legal_accepted_at: null as number | null,
    bypass_client_trust: false,
  };
}
export type BapiUser = ReturnType<typeof newBapiUser>;

/** User state by id, each created now from its seed. */
export function seedUsers(seeds: SeedUser[]): Map<string, BapiUser> {
  const now = Date.now();
  return new Map(seeds.map((seed) => [seed.id, newBapiUser(seed, now)]));
}

// PATCH /v1/users/{id} parameters the stand-in models. The spec lists more (password, totp_secret, ...);
// those and anything else, including the metadata fields 2026-05-12 dropped, get a 422 form_param_unknown.
const NULLABLE_STRING_PARAMS = ["external_id", "first_name", "last_name", "locale", "username"] as const;
const BOOLEAN_PARAMS = ["delete_self_enabled", "create_organization_enabled", "bypass_client_trust"] as const;
const NAME_LABELS: Record<string, string> = { first_name: "First name", last_name: "Last name" };
const MAX_NAME_LENGTH = 256;

/** Validates a PATCH /v1/users body the way BAPI does: every problem reported at once. */
export function validateUserUpdate(params: Record<string, unknown>): ClerkError[] {
  const problems: ClerkError[] = [];
  for (const [key, value] of Object.entries(params)) {
    if ((NULLABLE_STRING_PARAMS as readonly string[]).includes(key)) {
      if (value !== null && typeof value !== "string") {
        problems.push(paramError("form_param_format_invalid", key, "is invalid", `${key} must be a string.`));
      } else if (key in NAME_LABELS && typeof value === "string" && value.length > MAX_NAME_LENGTH) {
        problems.push(
          paramError(
            "form_param_max_length_exceeded",
            key,
            "is too long",
            `${NAME_LABELS[key]} should not exceed ${MAX_NAME_LENGTH} characters.`,
          ),
        );
      }
    } else if ((BOOLEAN_PARAMS as readonly string[]).includes(key)) {
      if (value !== null && typeof value !== "boolean") {
        problems.push(
          paramError("form_param_format_invalid", key, "is invalid", `${key} must be a boolean.`),
        );
      }
    } else if (key === "create_organizations_limit") {
      if (value !== null && !Number.isInteger(value)) {
        problems.push(
          paramError("form_param_format_invalid", key, "is invalid", `${key} must be an integer.`),
        );
      }
    } else {
      problems.push(unknownParam(key));
    }
  }
  return problems;
}

/** Applies a body validateUserUpdate accepted. */
export function applyUserUpdate(user: BapiUser, params: Record<string, unknown>): void {
  // Validated, so the casts only restate what the checks established.
  for (const key of NULLABLE_STRING_PARAMS) {
    if (key in params)
      user[key] = (params[key] === "" && key === "username" ? null : params[key]) as string | null;
  }
  for (const key of BOOLEAN_PARAMS) if (typeof params[key] === "boolean") user[key] = params[key] as boolean;
  if ("create_organizations_limit" in params) {
    user.create_organizations_limit = params.create_organizations_limit as number | null;
  }
  user.updated_at = Math.max(Date.now(), user.updated_at + 1);
}
