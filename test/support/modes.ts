import { afterAll, beforeAll, describe } from "vitest";
import { type Host, type Running, sourceHost } from "./hosts.ts";
import { type Stack, startStack } from "./stack.ts";

export type Mode = "jwks" | "networkless";

export interface ModeContext {
  stack(): Stack;
  fns(): Running;
  /** A fresh isolate (new module graph or process) with the same environment plus `extra`. */
  restart(extra?: Record<string, string>): Promise<Running>;
}

/** Runs `body` once with Clerk's keys fetched from the JWKS and once with CLERK_JWT_KEY (no network). */
export function forEachMode(body: (mode: Mode, ctx: ModeContext) => void, host: Host = sourceHost): void {
  for (const mode of ["jwks", "networkless"] as const) {
    describe(`${mode} mode`, () => {
      let stack: Stack;
      let fns: Running;
      let env: Record<string, string>;
      beforeAll(async () => {
        stack = await startStack();
        env = mode === "networkless" ? { ...stack.env, CLERK_JWT_KEY: stack.clerk.jwtKeyPem } : stack.env;
        fns = await host.start(env);
      });
      afterAll(async () => {
        await fns?.close();
        await stack?.close();
      });
      body(mode, {
        stack: () => stack,
        fns: () => fns,
        async restart(extra = {}) {
          await fns.close();
          fns = await host.start({ ...env, ...extra });
          return fns;
        },
      });
    });
  }
}
