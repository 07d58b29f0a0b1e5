// A bare hello-world function: the cold-load and cold-start baseline (what the runtime and host cost on
// their own) and the harness's throughput ceiling (the load generator and host without any function work).

// Touched at load, as the bundles' dependencies do: the runtime's lazily loaded fetch, Request and
// WebCrypto internals then count in the baseline, and a bundle's load time beyond it is its own.
// Kept on globalThis because a bundler drops a bare read of a known global as side-effect free.
(globalThis as { benchRuntimeInternals?: unknown }).benchRuntimeInternals = [
  fetch,
  new Request("http://localhost/"),
  new Response(""),
  new Headers(),
  crypto.subtle,
];

export default async function hello(_req: Request): Promise<Response> {
  return new Response("Hello World", { headers: { "content-type": "text/plain" } });
}
