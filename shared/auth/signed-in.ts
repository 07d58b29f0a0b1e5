// The results of authentication, as a function is handed them.
import type { PersonClaims } from "./claims.ts";
import type { AuthFailure } from "./reasons.ts";
import { type Accept, type Identity, identity, type MachineTokenType, TokenType } from "./tokens.ts";

/** A person: their session, and what the token says about their organization, factors and plan. */
export interface SessionSignedIn extends Omit<Identity, "orgId">, PersonClaims {
  signedIn: true;
  tokenType: "session_token";
  userId: string;
  sessionId: string;
  /** The caller's own verified session token (for Supabase's native Clerk integration). */
  token: string;
}

/** A machine token: its subject, `scopes` and custom `claims` (Clerk's has() does not apply to machines). */
export interface MachineSignedIn<T extends MachineTokenType = MachineTokenType> extends Identity {
  signedIn: true;
  tokenType: T;
}

export type SignedIn = SessionSignedIn | MachineSignedIn;

/** What a function declaring `accepts: A[]` can be handed once signed in. */
export type SignedInAs<A extends Accept> = A extends `${infer T extends MachineTokenType}:user`
  ? MachineSignedIn<T> & { userId: string }
  : A extends "api_key:org"
    ? MachineSignedIn<"api_key"> & { orgId: string }
    : A extends "session_token"
      ? SessionSignedIn
      : A extends MachineTokenType
        ? MachineSignedIn<A>
        : never;

export interface SignedOut {
  signedIn: false;
  reason: AuthFailure;
  /** Whether a token was sent at all: decides RFC 6750's `error="invalid_token"`. */
  tokenPresented: boolean;
  /** The presented token's type, when it could be told. */
  tokenType?: TokenType;
}

export type Auth = SignedIn | SignedOut;

// Template tokens for Supabase come from template-token.ts, which only supabase-data bundles.
export function sessionSignedIn(
  userId: string,
  sessionId: string,
  token: string,
  person: PersonClaims,
): SessionSignedIn {
  return {
    ...identity(TokenType.Session, userId),
    ...person,
    signedIn: true,
    tokenType: TokenType.Session,
    userId,
    sessionId,
    token,
  };
}
