// Which Supabase key supabase-data sends as `apikey`, and the guard that keeps a service key out of user
// reads: a key that bypasses Row Level Security would hand every caller every row, whatever their token.
import { unverifiedPart } from "./auth/jwt.ts";
import { misconfigured } from "./errors.ts";

export interface SupabaseKeySources {
  /** `SUPABASE_PUBLISHABLE_KEY`: `sb_publishable_…`. */
  publishableKey: string | undefined;
  /** `SUPABASE_PUBLISHABLE_KEYS`: the JSON Supabase Edge injects, `{"default":"sb_publishable_…"}`. */
  publishableKeys: string | undefined;
  /** `SUPABASE_ANON_KEY`: the legacy anon JWT. */
  anonKey: string | undefined;
}

/** The `default` entry of `SUPABASE_PUBLISHABLE_KEYS`; a value that is set but unusable is an error. */
function defaultPublishableKey(json: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  const key = (parsed as { default?: unknown } | undefined)?.default;
  if (typeof key !== "string" || key.trim() === "") {
    throw misconfigured(
      'SUPABASE_PUBLISHABLE_KEYS must be JSON with a "default" key, like {"default":"sb_publishable_…"}; or set SUPABASE_PUBLISHABLE_KEY',
    );
  }
  return key.trim();
}

/** The `role` claim of a legacy Supabase key (a JWT), or undefined when the key is not one. */
function legacyRole(key: string): unknown {
  return key.split(".").length === 3 ? unverifiedPart(key, 1)?.role : undefined;
}

/**
 * The public key, in Supabase's order of preference: the publishable key, the `default` of the injected
 * publishable keys, then the legacy anon key. Throws 500 when none is set or the one found bypasses RLS;
 * the log names the variable and what to set, never the value.
 */
export function publicSupabaseKey(sources: SupabaseKeySources): string {
  const found: [name: string, key: string] | undefined = sources.publishableKey
    ? ["SUPABASE_PUBLISHABLE_KEY", sources.publishableKey]
    : sources.publishableKeys
      ? ["SUPABASE_PUBLISHABLE_KEYS", defaultPublishableKey(sources.publishableKeys)]
      : sources.anonKey
        ? ["SUPABASE_ANON_KEY", sources.anonKey]
        : undefined;
  if (!found) {
    throw misconfigured(
      "SUPABASE_PUBLISHABLE_KEY (or SUPABASE_PUBLISHABLE_KEYS, or the legacy SUPABASE_ANON_KEY) not set",
    );
  }
  const [name, key] = found;
  if (key.startsWith("sb_secret_")) {
    throw misconfigured(
      `${name} holds a secret key (sb_secret_…), which bypasses Row Level Security; set the project's publishable key (sb_publishable_…)`,
    );
  }
  if (legacyRole(key) === "service_role") {
    throw misconfigured(
      `${name} holds the legacy service_role key, which bypasses Row Level Security; set the publishable key (sb_publishable_…) or the anon key`,
    );
  }
  return key;
}
