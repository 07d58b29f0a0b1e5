// What must never reach a client or a log line: Clerk keys, JWTs, PEM keys, the seeded users' private
// metadata, and text from upstream error bodies. Shared by the secret and upstream-fault tests and
// scripts/load.ts.
import { DEFAULT_SEED_USERS } from "../stand-ins/clerk.ts";

/** Every string leaf of the seeded users' privateMetadata (e.g. "alice-private-note"). */
export const SEEDED_PRIVATE_VALUES: string[] = DEFAULT_SEED_USERS.flatMap((u) =>
  leaves(u.privateMetadata ?? {}),
);

function leaves(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (value && typeof value === "object") return Object.values(value).flatMap(leaves);
  return [];
}

/**
 * Phrases from the stand-ins' own error bodies (Clerk's `long_message`/`clerk_trace_id`, PostgREST's
 * `message`/`hint`/`details`, Kong's route error): a response or log line containing one echoes upstream.
 */
export const UPSTREAM_ERROR_TEXT: string[] = [
  "long_message",
  "clerk_trace_id",
  "No user was found",
  "No active session was found",
  "No JWT template exists",
  "is not a valid parameter",
  "Invalid Authorization header format",
  "The provided Clerk Secret Key is invalid",
  "stand-in failure",
  "no Route matched",
  "No API key found",
  "Double check your Supabase",
  "JWT cryptographic operation failed",
  "Empty JWT is sent",
  "No suitable key",
  "permission denied",
  "does not exist",
  "Server lacks JWT secret",
];

const PATTERNS: [string, RegExp][] = [
  ["Clerk secret key", /sk_(?:test|live)_[A-Za-z0-9]+/],
  ["JWT", /eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/],
  ["PEM", /-----BEGIN [A-Z ]*(?:KEY|CERTIFICATE)-----/],
];

export interface ScanOptions {
  /** Exact strings that must not appear (e.g. the secret key, the anon key, fault-body markers). */
  exact?: string[];
}

/** Names what `text` leaks, with a short excerpt each; empty when clean. */
export function findSecrets(text: string, opts: ScanOptions = {}): string[] {
  const found: string[] = [];
  for (const [name, pattern] of PATTERNS) {
    const match = pattern.exec(text);
    if (match) found.push(`${name}: ${match[0].slice(0, 24)}…`);
  }
  for (const secret of [...SEEDED_PRIVATE_VALUES, ...UPSTREAM_ERROR_TEXT, ...(opts.exact ?? [])]) {
    if (secret && text.includes(secret)) found.push(`"${secret.slice(0, 24)}"`);
  }
  return found;
}

/** A response as scanned: status line fields, every header, the body. */
export function responseText(status: number, headers: Iterable<[string, string]>, body: string): string {
  return [String(status), ...[...headers].map(([k, v]) => `${k}: ${v}`), body].join("\n");
}
