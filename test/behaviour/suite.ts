// The behaviour suite: every function, signed in and out, bad input and upstream faults, asserted the
// way a client sees them. It runs against any Host (source in-process, built bundles, netlify dev); each
// behaviour is a module of its own in this folder, and every host runs all of them.
import { describe } from "vitest";
import { useStandIns } from "../support/fixture.ts";
import type { Host } from "../support/hosts.ts";
import { type Behaviour, useBehaviour } from "./context.ts";
import { corsBehaviour } from "./cors.ts";
import { currentUserBehaviour } from "./current-user.ts";
import { logsBehaviour } from "./logs.ts";
import { organizationBehaviour } from "./organization.ts";
import { protectedBehaviour } from "./protected.ts";
import { supabaseDataBehaviour } from "./supabase-data.ts";
import { updateUserBehaviour } from "./update-user.ts";
import { updateUserBodyBehaviour } from "./update-user-body.ts";
import { upstreamBehaviour } from "./upstream.ts";

/**
 * Every behaviour on each host. Several hosts share one set of stand-ins, started together (netlify dev's
 * Node and edge functions are then served by one netlify dev), each in a describe of its own.
 */
export function behaviourSuite(...hosts: Host[]): void {
  if (hosts.length === 1) {
    behaviours(useBehaviour(hosts[0]!));
    return;
  }
  const standIns = useStandIns();
  const contexts = hosts.map((host) => useBehaviour(host, standIns));
  hosts.forEach((host, i) => {
    describe(host.name, () => behaviours(contexts[i]!));
  });
}

function behaviours(t: Behaviour): void {
  protectedBehaviour(t);
  corsBehaviour(t);
  supabaseDataBehaviour(t);
  currentUserBehaviour(t);
  updateUserBehaviour(t);
  updateUserBodyBehaviour(t);
  upstreamBehaviour(t);
  logsBehaviour(t);
  organizationBehaviour(t);
}
