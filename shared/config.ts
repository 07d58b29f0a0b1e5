// Configuration through one accessor, validated per variable group on first use and cached per isolate.
// A function depends only on the variables it reads: every function needs the Clerk core, but only
// supabase-data reads the Supabase group and only update-user SIGN_IN_URL, so a broken Supabase setting
// cannot take down `protected`.
//
// Adding a variable: its entry in VARIABLES (schema, what to set, default) and, in its group in GROUPS, its
// name and the field its `build` makes of it. The types follow from those two; `npm run docs` rewrites the
// table in docs/configuration.md.
import * as z from "zod/mini";
import { readEnv } from "./env.ts";
import { ErrorCode, HttpError, misconfigured } from "./errors.ts";
import { publicSupabaseKey } from "./supabase-key.ts";

/** Unset and blank are the same thing: dashboards often save an emptied field as "". */
const blankAsUnset = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);

const isOrigin = (s: string) => URL.canParse(s) && new URL(s).origin === s;
const splitList = (s: string) =>
  s
    .split(",")
    .map((part) => part.trim().replace(/\/$/, ""))
    .filter(Boolean);
const originList = z.pipe(z.string(), z.transform(splitList));
const httpUrl = z.url({ protocol: /^https?$/ });

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

export interface Variable {
  schema: z.ZodMiniType;
  /** Unset is a problem (for the functions whose group lists it). */
  required?: boolean;
  /** Used when unset, validated by `schema` like a value that was set. */
  default?: string;
  /** What to set, said to the operator whatever is wrong with the value; never the value itself. */
  hint: string;
}

/** Every variable the functions read. The table in docs/configuration.md is generated from it. */
export const VARIABLES = {
  CLERK_SECRET_KEY: {
    schema: z.string().check(z.regex(/^sk_(test|live)_[A-Za-z0-9]+$/)),
    required: true,
    hint: "must be your Clerk secret key, sk_test_… or sk_live_… (Dashboard → API keys)",
  },
  CLERK_PUBLISHABLE_KEY: {
    schema: z.string().check(z.refine((k) => frontendApiFromPublishableKey(k) !== undefined)),
    required: true,
    hint: "must be your Clerk publishable key, pk_test_… or pk_live_… (Dashboard → API keys)",
  },
  // Dashboards and .env files store the PEM with real newlines or with literal "\n"; @clerk/backend's
  // jwtKey path only understands the former.
  CLERK_JWT_KEY: {
    schema: z
      .pipe(
        z.string(),
        z.transform((pem) => pem.replace(/\\r\\n|\\n/g, "\n").trim()),
      )
      .check(z.regex(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----$/)),
    hint: "must be the PEM public key from Dashboard → API keys → JWT public key (literal \\n is fine), or unset",
  },
  CLERK_API_URL: {
    schema: httpUrl,
    default: "https://api.clerk.com",
    hint: "must be the Backend API base URL, like https://api.clerk.com, or unset",
  },
  CLERK_MACHINE_SECRET_KEY: {
    schema: z.string().check(z.regex(/^ak_\S+$/)),
    hint: "must be a machine secret key, ak_… (Dashboard → Machines), or unset",
  },
  CLERK_MACHINE_ID: {
    schema: z.string().check(z.regex(/^mch_[A-Za-z0-9]+$/)),
    hint: "must be the id of the machine whose secret key is CLERK_MACHINE_SECRET_KEY, mch_…, or unset",
  },
  CLERK_AUTHORIZED_PARTIES: {
    schema: originList.check(z.refine((l) => l.every(isOrigin))),
    hint: "must be comma-separated origins of your front ends, like https://app.example.com,http://localhost:3000",
  },
  CORS_ALLOWED_ORIGINS: {
    schema: originList.check(z.refine((l) => (l.length === 1 && l[0] === "*") || l.every(isOrigin))),
    hint: "must be * or comma-separated origins, like https://app.example.com",
  },
  UPSTREAM_TIMEOUT_MS: {
    schema: z
      .pipe(z.string().check(z.regex(/^\d+$/)), z.transform(Number))
      .check(z.refine((n) => n >= 100 && n <= 25_000)),
    default: "8000",
    hint: "must be milliseconds between 100 and 25000, like 8000, or unset",
  },
  SIGN_IN_URL: {
    schema: z.string().check(z.refine((u) => u.startsWith("/") || URL.canParse(u))),
    default: "/sign-in",
    hint: "must be a path like /sign-in or an absolute URL of your sign-in page, or unset",
  },
  SUPABASE_URL: {
    schema: httpUrl,
    required: true,
    hint: "must be your project URL, like https://<ref>.supabase.co (Supabase → Project Settings → API)",
  },
  SUPABASE_PUBLISHABLE_KEY: {
    schema: z.string().check(z.regex(/^[A-Za-z0-9_-]{20,}$/)),
    hint: "must be your project's publishable key, sb_publishable_… (Supabase → Project Settings → API keys)",
  },
  // Injected by Supabase Edge; publicSupabaseKey reads its JSON and says what is wrong with it.
  SUPABASE_PUBLISHABLE_KEYS: {
    schema: z.string(),
    hint: 'must be JSON like {"default":"sb_publishable_…"}, or unset',
  },
  SUPABASE_ANON_KEY: {
    schema: z.string().check(z.regex(/^[A-Za-z0-9._-]{20,}$/)),
    hint: "must be your project's legacy anon key (Supabase → Project Settings → API keys), or unset",
  },
  CLERK_SUPABASE_TEMPLATE: {
    schema: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
    default: "supabase",
    hint: "must be the name of a Clerk JWT template, like supabase, or none for Supabase's Clerk integration",
  },
  DATA_TABLE: {
    schema: z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/)),
    default: "tasks",
    hint: "must be a table or view name, like tasks, or unset",
  },
} satisfies Record<string, Variable>;

export type VariableName = keyof typeof VARIABLES;
type Name = VariableName;
type Values<N extends Name> = { [K in N]: z.infer<(typeof VARIABLES)[K]["schema"]> | undefined };

class ConfigProblems extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join("; "));
    this.problems = problems;
  }
}

/** Reads and validates `names`, collecting one problem per bad variable. */
function readVariables<N extends Name>(names: readonly N[]): Values<N> {
  const values = {} as Values<N>;
  const problems: string[] = [];
  for (const name of names) {
    const variable: Variable = VARIABLES[name];
    const raw = blankAsUnset(readEnv(name)) ?? variable.default;
    if (raw === undefined) {
      if (variable.required) problems.push(`${name} is not set: it ${variable.hint}`);
      continue;
    }
    const parsed = variable.schema.safeParse(raw);
    if (parsed.success) values[name] = parsed.data as Values<N>[N];
    else problems.push(`${name} ${variable.hint}`);
  }
  if (problems.length > 0) throw new ConfigProblems(problems);
  return values;
}

interface Group<T> {
  /** The variables it reads. */
  names: readonly VariableName[];
  /** Validated once per isolate; a failure is remembered too (the environment does not change). */
  load(): T;
  /** What is wrong with the group's variables, each as "<NAME> must be …"; empty when valid. */
  problems(): string[];
}

function group<N extends Name, T>(names: readonly N[], build: (env: Values<N>) => T): Group<T> {
  let outcome: { value: T } | { problems: string[] } | undefined;
  const validate = () => {
    if (!outcome) {
      try {
        outcome = { value: build(readVariables(names)) };
      } catch (err) {
        if (err instanceof ConfigProblems) outcome = { problems: err.problems };
        // A group's build may refuse a combination of values (e.g. a key that bypasses RLS).
        else if (err instanceof HttpError && err.code === ErrorCode.ServerMisconfigured && err.reason) {
          outcome = { problems: [err.reason.replace(/^config: /, "")] };
        } else throw err;
      }
    }
    return outcome;
  };
  return {
    names,
    load() {
      const result = validate();
      if ("problems" in result) throw misconfigured(result.problems.join("; "));
      return result.value;
    },
    problems() {
      const result = validate();
      return "problems" in result ? result.problems : [];
    },
  };
}

/**
 * The variable groups, each validated on its own the first time it is asked for. Every function is handed
 * the Clerk core; the others are read by the one function that needs them.
 */
const GROUPS = {
  /** What every function needs: Clerk, CORS and the upstream deadline. */
  clerk: group(
    [
      "CLERK_SECRET_KEY",
      "CLERK_PUBLISHABLE_KEY",
      "CLERK_JWT_KEY",
      "CLERK_API_URL",
      "CLERK_MACHINE_SECRET_KEY",
      "CLERK_MACHINE_ID",
      "CLERK_AUTHORIZED_PARTIES",
      "CORS_ALLOWED_ORIGINS",
      "UPSTREAM_TIMEOUT_MS",
    ] as const,
    (env) => {
      const authorizedParties = env.CLERK_AUTHORIZED_PARTIES ?? [];
      const cors = env.CORS_ALLOWED_ORIGINS;
      return {
        secretKey: env.CLERK_SECRET_KEY!,
        publishableKey: env.CLERK_PUBLISHABLE_KEY!,
        /** `https://<frontend api host>`; session tokens must carry it as `iss`. */
        issuer: `https://${frontendApiFromPublishableKey(env.CLERK_PUBLISHABLE_KEY!)}`,
        jwtKey: env.CLERK_JWT_KEY,
        apiUrl: env.CLERK_API_URL!.replace(/\/$/, ""),
        /** When set, opaque M2M tokens are verified as this machine: Clerk accepts only tokens scoped to it. */
        machineSecretKey: env.CLERK_MACHINE_SECRET_KEY,
        /** The machine M2M JWTs must be scoped to when machineSecretKey is set. */
        machineId: env.CLERK_MACHINE_ID,
        authorizedParties,
        /** `"*"` only when set explicitly; otherwise an allow-list. */
        corsOrigins: cors?.[0] === "*" ? ("*" as const) : (cors ?? authorizedParties),
        upstreamTimeoutMs: env.UPSTREAM_TIMEOUT_MS!,
      };
    },
  ),

  /** update-user's redirect for signed-out browsers. */
  signIn: group(["SIGN_IN_URL"] as const, (env) => ({ url: env.SIGN_IN_URL! })),

  /** supabase-data's: where to read, with which key, through which token. */
  supabase: group(
    [
      "SUPABASE_URL",
      "SUPABASE_PUBLISHABLE_KEY",
      "SUPABASE_PUBLISHABLE_KEYS",
      "SUPABASE_ANON_KEY",
      "CLERK_SUPABASE_TEMPLATE",
      "DATA_TABLE",
    ] as const,
    (env) => ({
      url: env.SUPABASE_URL!.replace(/\/$/, ""),
      /** The public key sent as `apikey`: never one that bypasses Row Level Security. */
      key: publicSupabaseKey({
        publishableKey: env.SUPABASE_PUBLISHABLE_KEY,
        publishableKeys: env.SUPABASE_PUBLISHABLE_KEYS,
        anonKey: env.SUPABASE_ANON_KEY,
      }),
      /** JWT template for Supabase, or null for Supabase's native Clerk integration (`none`). */
      template: env.CLERK_SUPABASE_TEMPLATE === "none" ? null : env.CLERK_SUPABASE_TEMPLATE!,
      table: env.DATA_TABLE!,
    }),
  ),
};

export type GroupName = keyof typeof GROUPS;

/** Which variables each group reads (the configuration docs say who needs what from this). */
export const VARIABLE_GROUPS = Object.fromEntries(
  Object.entries(GROUPS).map(([name, g]) => [name, g.names]),
) as Record<GroupName, readonly VariableName[]>;
/** A group's settings, typed by what its `build` returns. */
export type Settings<G extends GroupName> = ReturnType<(typeof GROUPS)[G]["load"]>;
/** What every function is handed: the Clerk core. */
export type Config = Settings<"clerk">;

/**
 * The settings of one group (the Clerk core when none is named), validated on first use and cached for
 * the isolate: 500 server_misconfigured naming what to set when they are missing or malformed.
 */
export function getConfig(): Config;
export function getConfig<G extends GroupName>(name: G): Settings<G>;
export function getConfig(name: GroupName = "clerk"): Settings<GroupName> {
  return GROUPS[name].load();
}

/** Every problem in the whole configuration, for `npm start` to print before it serves. */
export function configProblems(): string[] {
  return Object.values(GROUPS).flatMap((g) => g.problems());
}
