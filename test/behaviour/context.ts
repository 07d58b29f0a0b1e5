// What every behaviour module is given: the functions on one host with the stand-ins (JWKS mode), alice's
// and bob's session tokens, and `call`, which holds every response to the generated OpenAPI document.
import { beforeEach, expect } from "vitest";
import { type StandIns, useFunctions } from "../support/fixture.ts";
import { declaredMethod, type FunctionName, type Host, type Running } from "../support/hosts.ts";
import { expectDocumented } from "../support/openapi.ts";
import type { Stack } from "../support/stack.ts";

export const ALICE = "user_alice";
export const BOB = "user_bob";
/** The stand-ins' UPSTREAM_TIMEOUT_MS. */
export const TIMEOUT_MS = 1500;

export interface Behaviour {
  host: Host;
  readonly stack: Stack;
  readonly fns: Running;
  readonly alice: string;
  readonly bob: string;
  call(fn: FunctionName, init?: Parameters<Running["call"]>[1]): Promise<Response>;
  /** A new session of `userId`'s (alice unless told). */
  newSession(userId?: string): Promise<string>;
  /** POSTs `body` as `type` to update-user, with `token` as a Bearer token when there is one. */
  postUpdate(
    token: string | undefined,
    body: BodyInit | undefined,
    type?: string,
    extra?: Record<string, string>,
  ): Promise<Response>;
  /** The user updates Clerk was sent since the last reset. */
  patches(): string[];
}

export const bearer = (token: string, extra: Record<string, string> = {}) => ({
  authorization: `Bearer ${token}`,
  ...extra,
});

export async function errorCode(res: Response): Promise<string> {
  const body = (await res.json()) as { error: { code: string; requestId: string } };
  expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  return body.error.code;
}

/**
 * Starts the functions on `host` for the enclosing describe block (on `standIns` when several hosts share
 * them); each test sees the calls of its own.
 */
export function useBehaviour(host: Host, standIns?: StandIns): Behaviour {
  // netlify dev takes most of a minute to load its Node and edge functions on a busy machine.
  const session = useFunctions({ host, users: [ALICE, BOB], standIns, timeoutMs: 240_000 });
  beforeEach(() => session.stack.resetCalls());
  // Every response is also held to the generated OpenAPI document, so the two cannot drift apart.
  const call = async (fn: FunctionName, init?: Parameters<Running["call"]>[1]) =>
    expectDocumented(fn, init?.method ?? declaredMethod(fn), await session.fns.call(fn, init));
  return {
    host,
    get stack() {
      return session.stack;
    },
    get fns() {
      return session.fns;
    },
    get alice() {
      return session.tokens[ALICE]!;
    },
    get bob() {
      return session.tokens[BOB]!;
    },
    call,
    // A template token is fetched once per session: a test about that call needs a session of its own.
    newSession: (userId = ALICE) => session.stack.clerk.mintSessionToken({ userId, ttlSeconds: 3600 }),
    postUpdate: (token, body, type, extra = {}) =>
      call("update-user", {
        method: "POST",
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(type ? { "content-type": type } : {}),
          ...extra,
        },
        body,
      }),
    patches: () => session.stack.clerkCalls().filter((c) => c.startsWith("PATCH")),
  };
}
