// The setup many focused tests share: the stand-ins, the functions from source verifying networklessly,
// and a session token of user_alice, started before a describe block's tests and stopped after them.
import { afterAll, beforeAll } from "vitest";
import { type Running, sourceHost } from "./hosts.ts";
import { type Stack, startStack } from "./stack.ts";

export interface SourceSession {
  stack: Stack;
  fns: Running;
  token: string;
}

export function sourceWithSession(): SourceSession {
  const session = {} as SourceSession;
  beforeAll(async () => {
    session.stack = await startStack();
    session.fns = await sourceHost.start({
      ...session.stack.env,
      CLERK_JWT_KEY: session.stack.clerk.jwtKeyPem,
    });
    session.token = await session.stack.clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 3600 });
  });
  afterAll(async () => {
    await session.fns?.close();
    await session.stack?.close();
  });
  return session;
}
