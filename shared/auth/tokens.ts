// Which kind of Clerk token a credential is, told from its prefix or its JWT header (and, only for a JWT
// without a category, its `sub`), as @clerk/backend tells them apart; and what each function accepts.
import { unverifiedPart } from "./jwt.ts";

export const TokenType = {
  Session: "session_token",
  M2M: "m2m_token",
  ApiKey: "api_key",
  OAuth: "oauth_token",
} as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];
export type MachineTokenType = Exclude<TokenType, "session_token">;

/**
 * What a function accepts: a token type, `<type>:user` for tokens of that type only when they act for a
 * user (subject `user_…`), or `api_key:org` for API keys only when an organization owns them (`org_…`);
 * an API key may belong to a user, an organization or a machine.
 */
export type Accept = TokenType | `${MachineTokenType}:user` | "api_key:org";

/** Whom a machine token may speak for, when its acceptance names it. */
export type Subject = "user" | "org";

export interface Acceptance {
  /** Session tokens accepted: read on the fast path, so a field rather than a lookup. */
  session: boolean;
  /** Whether a token of this type may be verified at all. */
  has(type: TokenType): boolean;
  /** Whether a token of this type counts only when its subject is a user. */
  userOnly(type: TokenType): boolean;
  /** The subjects a token of this type must have (undefined: any subject). */
  subjects(type: TokenType): ReadonlySet<Subject> | undefined;
}

export function acceptance(accepts: readonly Accept[]): Acceptance {
  const types = new Set<TokenType>();
  const anySubject = new Set<TokenType>();
  const subjects = new Map<TokenType, Set<Subject>>();
  for (const accept of accepts) {
    const [type, subject] = accept.split(":") as [TokenType, Subject | undefined];
    types.add(type);
    if (subject === undefined) anySubject.add(type);
    else subjects.set(type, (subjects.get(type) ?? new Set<Subject>()).add(subject));
  }
  const subjectsOf = (type: TokenType) => (anySubject.has(type) ? undefined : subjects.get(type));
  return {
    session: types.has(TokenType.Session),
    has: (type) => types.has(type),
    userOnly: (type) => {
      const kinds = subjectsOf(type);
      return kinds !== undefined && kinds.size === 1 && kinds.has("user");
    },
    subjects: subjectsOf,
  };
}

/** Opaque machine tokens by prefix; Clerk verifies these, there is nothing to check locally. */
const OPAQUE_PREFIXES: [string, MachineTokenType][] = [
  ["mt_", TokenType.M2M],
  ["ak_", TokenType.ApiKey],
  ["oat_", TokenType.OAuth],
];

export function opaqueMachineType(token: string): MachineTokenType | undefined {
  for (const [prefix, type] of OPAQUE_PREFIXES) if (token.startsWith(prefix)) return type;
  return undefined;
}

/** Clerk's JWT categories (`cat` header). A session token carries one of the first two or none. */
const SESSION_CATEGORY = "cl_B7d4PD111AAA";
const SESSION_CATEGORIES = new Set([undefined, SESSION_CATEGORY, "cl_I7d4PD111III"]);
export const M2M_CATEGORY = "cl_B7d4PD333AAA";
/** RFC 9068's access-token `typ`, which Clerk's OAuth JWTs carry. */
export const OAUTH_JWT_TYPES = ["at+jwt", "application/at+jwt"];

/**
 * The type of a JWT-shaped token, told as @clerk/backend tells it (an M2M JWT by its `sub: mch_…`, an OAuth
 * JWT by its `typ`, then any category but a session's is not a session), or undefined when it names a
 * category none of ours carry. A session token's own category settles it from the header alone, so the
 * common case never looks at the payload.
 */
export function jwtTokenType(
  token: string,
  header: Record<string, unknown> | undefined,
): TokenType | undefined {
  const cat = header?.cat;
  if (cat === SESSION_CATEGORY) return TokenType.Session;
  if (header && subjectOf(token)?.startsWith("mch_")) return TokenType.M2M;
  if (OAUTH_JWT_TYPES.includes(header?.typ as string)) return TokenType.OAuth;
  return SESSION_CATEGORIES.has(cat as string | undefined) ? TokenType.Session : undefined;
}

function subjectOf(token: string): string | undefined {
  const sub = unverifiedPart(token, 1)?.sub;
  return typeof sub === "string" ? sub : undefined;
}

/** Who a verified token speaks for: the one shape every token type is turned into. */
export interface Identity {
  tokenType: TokenType;
  /** Clerk's subject: `user_…`, `mch_…` or (an organization's API key) `org_…`. */
  subject: string;
  userId?: string;
  machineId?: string;
  /** The organization an API key belongs to (subject `org_…`). */
  orgId?: string;
  scopes: string[];
  /** A machine token's custom claims, as Clerk's verify answer (or an M2M JWT) carries them. */
  claims: Record<string, unknown> | null;
}

export function identity(
  tokenType: TokenType,
  subject: string,
  scopes: string[] = [],
  claims: Record<string, unknown> | null = null,
): Identity {
  const id: Identity = { tokenType, subject, scopes, claims };
  if (subject.startsWith("user_")) id.userId = subject;
  else if (subject.startsWith("mch_")) id.machineId = subject;
  else if (subject.startsWith("org_")) id.orgId = subject;
  return id;
}
