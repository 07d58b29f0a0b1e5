import * as z from "zod/mini";
import { readEnv } from "./env.ts";
import { ErrorCode, HttpError } from "./errors.ts";
import { publicSupabaseKey } from "./supabase-key.ts";

const VARIABLES = [
  "CLERK_SECRET_KEY",
  "CLERK_PUBLISHABLE_KEY",
  "CLERK_JWT_KEY",
  "CLERK_API_URL",
  "CLERK_MACHINE_SECRET_KEY",
  "CLERK_AUTHORIZED_PARTIES",
  "CLERK_SUPABASE_TEMPLATE",
  "SUPABASE_URL",
  "SUPABASE_PUBLISHABLE_KEY",
  "SUPABASE_PUBLISHABLE_KEYS",
  "SUPABASE_ANON_KEY",
  "DATA_TABLE",
  "SIGN_IN_URL",
  "CORS_ALLOWED_ORIGINS",
  "UPSTREAM_TIMEOUT_MS",
] as const;

/** Unset and blank are the same thing: dashboards often save an emptied field as "". */
const optional = <T extends z.core.SomeType>(schema: T) =>
  z.pipe(
    z.transform((v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v)),
    z.optional(schema),
  );

const origin = z
  .string()
  .check(
    z.refine(
      (s) => URL.canParse(s) && new URL(s).origin === s,
      "must be an origin like https://app.example.com",
    ),
  );
const originList = z.pipe(
  z.string(),
  z.transform((s) =>
    s
      .split(",")
      .map((part) => part.trim().replace(/\/$/, ""))
      .filter(Boolean),
  ),
);

/** `pk_test_<base64("<frontend api host>$")>`: the host names the token issuer. */
function frontendApiFromPublishableKey(key: string): string | undefined {
  const match = /^pk_(?:test|live)_([A-Za-z0-9+/=_-]+)$/.exec(key);
  if (!match) return undefined;
  try {
    const decoded = atob(match[1]!.replace(/-/g, "+").replace(/_/g, "/"));
    return /^[a-z0-9.-]+(?::\d+)?\$$/i.test(decoded) ? decoded.slice(0, -1) : undefined;
  } catch {
    return undefined;
  }
}

const schema = z.object({
  CLERK_SECRET_KEY: z
    .string()
    .check(z.regex(/^sk_(test|live)_\S+$/, "must look like sk_test_… or sk_live_…")),
  CLERK_PUBLISHABLE_KEY: z
    .string()
    .check(
      z.refine((k) => frontendApiFromPublishableKey(k) !== undefined, "must be a pk_test_…/pk_live_… key"),
    ),
  // Dashboards and .env files store the PEM with real newlines or with literal "\n"; @clerk/backend's
  // jwtKey path only understands the former.
  CLERK_JWT_KEY: optional(
    z
      .pipe(
        z.string(),
        z.transform((pem) => pem.replace(/\\r\\n|\\n/g, "\n").trim()),
      )
      .check(
        z.regex(
          /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----$/,
          "must be a PEM public key",
        ),
      ),
  ),
  CLERK_API_URL: optional(z.url({ protocol: /^https?$/ })),
  // A machine's secret key (Dashboard → Machines), which Clerk issues as `ak_…`.
  CLERK_MACHINE_SECRET_KEY: optional(
    z.string().check(z.regex(/^ak_\S+$/, "must be a machine secret key ak_…")),
  ),
  CLERK_AUTHORIZED_PARTIES: optional(
    originList.check(
      z.refine((l) => l.every((o) => origin.safeParse(o).success), "must be comma-separated origins"),
    ),
  ),
  CLERK_SUPABASE_TEMPLATE: optional(
    z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a JWT template name or none")),
  ),
  SUPABASE_URL: optional(z.url({ protocol: /^https?$/ })),
  // Keys are checked by requireSupabase, so a bad one fails supabase-data alone.
  SUPABASE_PUBLISHABLE_KEY: optional(z.string()),
  SUPABASE_PUBLISHABLE_KEYS: optional(z.string()),
  SUPABASE_ANON_KEY: optional(z.string().check(z.minLength(20))),
  DATA_TABLE: optional(
    z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, "must be a table or view name")),
  ),
  SIGN_IN_URL: optional(
    z.string().check(z.refine((u) => u.startsWith("/") || URL.canParse(u), "must be a path or URL")),
  ),
  CORS_ALLOWED_ORIGINS: optional(
    originList.check(
      z.refine(
        (l) => (l.length === 1 && l[0] === "*") || l.every((o) => origin.safeParse(o).success),
        "must be * or comma-separated origins",
      ),
    ),
  ),
  UPSTREAM_TIMEOUT_MS: optional(
    z
      .pipe(z.string().check(z.regex(/^\d+$/, "must be milliseconds")), z.transform(Number))
      .check(z.refine((n) => n >= 100 && n <= 25_000, "must be between 100 and 25000")),
  ),
});

export interface Config {
  secretKey: string;
  publishableKey: string;
  /** `https://<frontend api host>`; session tokens must carry it as `iss`. */
  issuer: string;
  jwtKey: string | undefined;
  apiUrl: string;
  /** When set, opaque M2M tokens are verified as this machine: Clerk accepts only tokens scoped to it. */
  machineSecretKey: string | undefined;
  authorizedParties: string[];
  /** JWT template for Supabase, or null for Supabase's native Clerk integration (`none`). */
  supabaseTemplate: string | null;
  supabaseUrl: string | undefined;
  supabasePublishableKey: string | undefined;
  supabasePublishableKeys: string | undefined;
  supabaseAnonKey: string | undefined;
  dataTable: string;
  signInUrl: string;
  /** `"*"` only when set explicitly; otherwise an allow-list. */
  corsOrigins: "*" | string[];
  upstreamTimeoutMs: number;
}

let cached: Config | undefined;

/** Configuration for this isolate: read and validated on first use, then cached. */
export function getConfig(): Config {
  if (cached) return cached;
  const raw = Object.fromEntries(VARIABLES.map((name) => [name, readEnv(name)]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    // Names the variables and what is wrong with them, never their values.
    const problems = parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message}`).join("; ");
    throw new HttpError(500, ErrorCode.ServerMisconfigured, "The server is misconfigured.", {
      reason: `config: ${problems}`,
    });
  }
  const env = parsed.data;
  const authorizedParties = env.CLERK_AUTHORIZED_PARTIES ?? [];
  const corsOrigins = env.CORS_ALLOWED_ORIGINS;
  cached = {
    secretKey: env.CLERK_SECRET_KEY,
    publishableKey: env.CLERK_PUBLISHABLE_KEY,
    issuer: `https://${frontendApiFromPublishableKey(env.CLERK_PUBLISHABLE_KEY)}`,
    jwtKey: env.CLERK_JWT_KEY,
    apiUrl: (env.CLERK_API_URL ?? "https://api.clerk.com").replace(/\/$/, ""),
    machineSecretKey: env.CLERK_MACHINE_SECRET_KEY,
    authorizedParties,
    supabaseTemplate:
      env.CLERK_SUPABASE_TEMPLATE === "none" ? null : (env.CLERK_SUPABASE_TEMPLATE ?? "supabase"),
    supabaseUrl: env.SUPABASE_URL?.replace(/\/$/, ""),
    supabasePublishableKey: env.SUPABASE_PUBLISHABLE_KEY?.trim(),
    supabasePublishableKeys: env.SUPABASE_PUBLISHABLE_KEYS,
    supabaseAnonKey: env.SUPABASE_ANON_KEY,
    dataTable: env.DATA_TABLE ?? "tasks",
    signInUrl: env.SIGN_IN_URL ?? "/sign-in",
    corsOrigins: corsOrigins?.[0] === "*" ? "*" : (corsOrigins ?? authorizedParties),
    upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS ?? 8_000,
  };
  return cached;
}

/** Supabase settings are only required by the function that queries Supabase. */
export function requireSupabase(config: Config): { url: string; key: string } {
  if (!config.supabaseUrl) {
    throw new HttpError(500, ErrorCode.ServerMisconfigured, "The server is misconfigured.", {
      reason: "config: SUPABASE_URL not set",
    });
  }
  const key = publicSupabaseKey({
    publishableKey: config.supabasePublishableKey,
    publishableKeys: config.supabasePublishableKeys,
    anonKey: config.supabaseAnonKey,
  });
  return { url: config.supabaseUrl, key };
}
