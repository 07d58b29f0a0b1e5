// The only place that touches a runtime's globals: Netlify Functions v2 and Netlify Edge Functions expose
// `Netlify.env` (the edge's Deno also has `Deno.env`, so Netlify's is asked first), Supabase Edge (Deno)
// `Deno.env`, and plain Node `process.env`. Everything else reads configuration through config.ts.
interface EnvSource {
  get(name: string): string | undefined;
}

// Typed by hand: shared/ compiles without Node's or Deno's types, so no other module can reach them.
const runtime = globalThis as typeof globalThis & {
  Netlify?: { env: EnvSource };
  Deno?: { env: EnvSource };
  process?: { env: Record<string, string | undefined> };
};

export function readEnv(name: string): string | undefined {
  const source = runtime.Netlify?.env ?? runtime.Deno?.env;
  return source ? source.get(name) : runtime.process?.env[name];
}
