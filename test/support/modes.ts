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

/**
 * Runs `body` once with Clerk's keys fetched from the JWKS and once with CLERK_JWT_KEY (no network).
 * Given several hosts, each mode starts one stand-in stack for all of them (netlify dev's Node and edge
 * functions then share one server) and runs `body` for each host in a describe of its own.
 */
export function forEachMode(
  body: (mode: Mode, ctx: ModeContext, host: Host) => void,
  hosts: Host | Host[] = sourceHost,
): void {
  const list = Array.isArray(hosts) ? hosts : [hosts];
  for (const mode of ["jwks", "networkless"] as const) {
    describe(`${mode} mode`, () => {
      let stack: Stack;
      let env: Record<string, string>;
      const running = new Map<Host, Running>();
      beforeAll(async () => {
        stack = await startStack();
        env = mode === "networkless" ? { ...stack.env, CLERK_JWT_KEY: stack.clerk.jwtKeyPem } : stack.env;
        await Promise.all(list.map(async (host) => running.set(host, await host.start(env))));
        // netlify dev takes most of a minute to load its Node and edge functions on a busy machine.
      }, 240_000);
      afterAll(async () => {
        await Promise.all([...running.values()].map((fns) => fns.close()));
        await stack?.close();
      });
      const contextFor = (host: Host): ModeContext => ({
        stack: () => stack,
        fns: () => running.get(host)!,
        async restart(extra = {}) {
          await running.get(host)?.close();
          running.set(host, await host.start({ ...env, ...extra }));
          return running.get(host)!;
        },
      });
      if (list.length === 1) body(mode, contextFor(list[0]!), list[0]!);
      else for (const host of list) describe(host.name, () => body(mode, contextFor(host), host));
    });
  }
}
