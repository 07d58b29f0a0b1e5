import { describe } from "vitest";
import { type Mode, useFunctions, useStandIns } from "./fixture.ts";
import { type Host, type Running, sourceHost } from "./hosts.ts";
import type { Stack } from "./stack.ts";

export type { Mode };

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
      // Several hosts share the stand-ins and start together (netlify dev's Node and edge functions are
      // then served by one netlify dev); netlify dev takes most of a minute to load on a busy machine.
      const standIns = list.length > 1 ? useStandIns() : undefined;
      const fixtures = list.map((host) =>
        useFunctions({ host, mode, users: [], standIns, timeoutMs: 240_000 }),
      );
      const contextFor = (i: number): ModeContext => ({
        stack: () => fixtures[i]!.stack,
        fns: () => fixtures[i]!.fns,
        restart: (extra) => fixtures[i]!.restart(extra),
      });
      if (list.length === 1) body(mode, contextFor(0), list[0]!);
      else
        list.forEach((host, i) => {
          describe(host.name, () => body(mode, contextFor(i), host));
        });
    });
  }
}
