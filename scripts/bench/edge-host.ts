// Netlify's edge runtime, as far as the bench needs it: Deno serving one Netlify Edge bundle's
// `default(req, context)`, with `Netlify.env` over Deno's environment as Netlify's bootstrap provides.
// Bundled to plain JS by bundles.ts and run as `deno run edge-host.mjs <bundle>`; netlify dev's own
// bootstrap adds a proxy hop and a Deno worker per site, which would measure netlify dev, not the bundle.
interface DenoLike {
  args: string[];
  env: { get(name: string): string | undefined };
  serve(
    options: { hostname: string; port: number },
    handler: (req: Request) => Response | Promise<Response>,
  ): unknown;
}
type EdgeHandler = (req: Request, context: unknown) => Promise<Response>;

const runtime = globalThis as typeof globalThis & { Deno: DenoLike; Netlify?: { env: DenoLike["env"] } };
runtime.Netlify = { env: runtime.Deno.env };
const mod = (await import(`file://${runtime.Deno.args[0]}`)) as {
  default: EdgeHandler | { fetch: EdgeHandler };
};
const handler = typeof mod.default === "function" ? mod.default : mod.default.fetch;
runtime.Deno.serve({ hostname: "127.0.0.1", port: 0 }, (req) =>
  handler(req, { requestId: crypto.randomUUID(), ip: "127.0.0.1" }),
);
