// Injected into the Deno builds (Supabase Edge, Netlify Edge) in place of `process.env.NODE_ENV`:
// @clerk/backend reads it on every Backend API call to pick its fetch, and the first touch of Deno's
// `process` global sets up Deno's Node compatibility layer, 15–25 ms of a function's first request
// (the SDK reads nothing else from `process` on the way). readEnv asks Netlify.env or Deno.env first, of
// which Deno's process.env is a view, so this reads the same value, still at each read, without waking
// that layer.
import { readEnv } from "../shared/env.ts";

export const injectedNodeEnv = {
  get NODE_ENV(): string | undefined {
    return readEnv("NODE_ENV");
  },
};
