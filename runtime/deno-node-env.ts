// Injected into the Deno builds (Supabase Edge, Netlify Edge) in place of `process.env.NODE_ENV`:
// @clerk/backend reads it on every Backend API call to pick its fetch, and the first touch of Deno's
// `process` global sets up Deno's Node compatibility layer, 15–25 ms of a function's first request
// (the SDK reads nothing else from `process` on the way). Deno's process.env is a view of Deno.env,
// so this reads the same value, still at each read, without waking that layer.
const runtime = globalThis as typeof globalThis & {
  Deno?: { env: { get(name: string): string | undefined } };
  process?: { env: Record<string, string | undefined> };
};

export const injectedNodeEnv = {
  get NODE_ENV(): string | undefined {
    return runtime.Deno ? runtime.Deno.env.get("NODE_ENV") : runtime.process?.env.NODE_ENV;
  },
};
