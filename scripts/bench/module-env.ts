// The settings the bench's own modules (hello-fetch, the SDK references) read, on Node and Deno.
const runtime = globalThis as typeof globalThis & {
  Deno?: { env: { get(name: string): string | undefined } };
  process?: { env: Record<string, string | undefined> };
};
export const env = (name: string) => runtime.Deno?.env.get(name) ?? runtime.process?.env[name];
