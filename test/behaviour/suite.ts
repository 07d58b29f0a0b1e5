// The behaviour suite: every function, signed in and out, bad input and upstream faults, asserted the
// way a client sees them. It runs against any Host (source in-process, built bundles, netlify dev); each
// behaviour is a module of its own in this folder, and every host runs all of them.
import type { Host } from "../support/hosts.ts";
import { useBehaviour } from "./context.ts";
import { corsBehaviour } from "./cors.ts";
import { currentUserBehaviour } from "./current-user.ts";
import { logsBehaviour } from "./logs.ts";
import { protectedBehaviour } from "./protected.ts";
import { supabaseDataBehaviour } from "./supabase-data.ts";
import { updateUserBehaviour } from "./update-user.ts";
import { updateUserBodyBehaviour } from "./update-user-body.ts";
import { upstreamBehaviour } from "./upstream.ts";

export function behaviourSuite(host: Host): void {
  const t = useBehaviour(host);
  protectedBehaviour(t);
  corsBehaviour(t);
  supabaseDataBehaviour(t);
  currentUserBehaviour(t);
  updateUserBehaviour(t);
  updateUserBodyBehaviour(t);
  upstreamBehaviour(t);
  logsBehaviour(t);
}
