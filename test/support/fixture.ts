// The setup most tests share, registered as a describe block's hooks: the Clerk and Supabase stand-ins,
// the four functions on a host (source in-process unless told otherwise) with the stand-ins' environment,
// and session tokens of the seed users, started before the block's tests and stopped after them.
//
// Read the fields inside tests and hooks only: they are filled in by beforeAll.
import { afterAll, beforeAll } from "vitest";
import type { ClerkStandInOptions } from "../../scripts/stand-ins/clerk.ts";
import { type Host, type Running, sourceHost } from "./hosts.ts";
import { type Stack, startStack } from "./stack.ts";

/** Where the functions get Clerk's keys: fetched from the JWKS, or CLERK_JWT_KEY (no network). */
export type Mode = "jwks" | "networkless";

/** Variables added to the stand-ins' environment; undefined removes one. */
export type ExtraEnv = Record<string, string | undefined>;

export interface StandIns {
  readonly stack: Stack;
}

export interface Functions extends StandIns {
  readonly fns: Running;
  /** The session token of the first user. */
  readonly token: string;
  /** A session token (one hour) per user, by user id. */
  readonly tokens: Readonly<Record<string, string>>;
  /** Closes the functions and starts them afresh (a new isolate) with the same environment plus `extra`. */
  restart(extra?: ExtraEnv): Promise<Running>;
}

export interface FunctionsOptions {
  host?: Host;
  /** jwks (the default) or networkless. */
  mode?: Mode;
  env?: ExtraEnv | ((stack: Stack) => ExtraEnv);
  /** Whose session tokens to mint: user_alice unless told. */
  users?: string[];
  /** Options of the Clerk stand-in (seed users and the like). */
  clerk?: ClerkStandInOptions;
  /** Run the functions against these stand-ins (shared by several blocks) instead of starting their own. */
  standIns?: StandIns;
  /** How long starting may take (netlify dev is slow). */
  timeoutMs?: number;
}

/** The stand-ins alone, for tests of the tooling or of several hosts sharing them. */
export function useStandIns(opts: { clerk?: ClerkStandInOptions } = {}): StandIns {
  const fixture = {} as { stack: Stack };
  beforeAll(async () => {
    fixture.stack = await startStack({ clerk: opts.clerk });
  });
  afterAll(async () => {
    await fixture.stack?.close();
  });
  return fixture;
}

const defined = (env: ExtraEnv) =>
  Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));

/** The stand-ins' environment in `mode`, plus `extra`. */
function envFor(stack: Stack, mode: Mode, extra: ExtraEnv = {}): Record<string, string> {
  const keys = mode === "networkless" ? { CLERK_JWT_KEY: stack.clerk.jwtKeyPem } : {};
  return defined({ ...stack.env, ...keys, ...extra });
}

/** The stand-ins, the functions on `host` and the users' session tokens. */
export function useFunctions(opts: FunctionsOptions = {}): Functions {
  const host = opts.host ?? sourceHost;
  const users = opts.users ?? ["user_alice"];
  let env: Record<string, string>;
  let ownStack: Stack | undefined;
  const tokens: Record<string, string> = {};
  const fixture = {
    get stack() {
      return opts.standIns?.stack ?? ownStack!;
    },
    tokens,
    get token() {
      return tokens[users[0]!]!;
    },
    async restart(extra: ExtraEnv = {}) {
      await fixture.fns.close();
      fixture.fns = await host.start(defined({ ...env, ...extra }));
      return fixture.fns;
    },
  } as { fns: Running } & Functions;
  beforeAll(async () => {
    if (!opts.standIns) ownStack = await startStack({ clerk: opts.clerk });
    const stack = fixture.stack;
    env = envFor(stack, opts.mode ?? "jwks", typeof opts.env === "function" ? opts.env(stack) : opts.env);
    fixture.fns = await host.start(env);
    for (const userId of users)
      tokens[userId] = await stack.clerk.mintSessionToken({ userId, ttlSeconds: 3600 });
  }, opts.timeoutMs);
  afterAll(async () => {
    await fixture.fns?.close();
    await ownStack?.close();
  });
  return fixture;
}
