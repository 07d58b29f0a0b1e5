import { describe } from "vitest";
import { type Mode, useFunctions } from "./fixture.ts";
import { type Host, type Running, sourceHost } from "./hosts.ts";
import type { Stack } from "./stack.ts";

export type { Mode };

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
      const fixture = useFunctions({ host, mode, users: [] });
      body(mode, {
        stack: () => fixture.stack,
        fns: () => fixture.fns,
        restart: (extra) => fixture.restart(extra),
      });
    });
  }
}
