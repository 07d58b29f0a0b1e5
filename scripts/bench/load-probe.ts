// Loads ONE module in a fresh process and prints how long the import took, in ms, as JSON on stdout:
//   node probe.mjs <absolute path>   |   deno run --allow-all probe.mjs <absolute path>
// The bench bundles this to plain JS, so neither runtime strips types in the measured process.
const host = globalThis as typeof globalThis & {
  Deno?: { args: string[] };
  process?: { argv: string[] };
};
const file = host.Deno?.args[0] ?? host.process?.argv[2];
if (!file) throw new Error("usage: probe.mjs <absolute path of a module>");
const t0 = performance.now();
await import(`file://${file}`);
const importMs = performance.now() - t0;
console.log(JSON.stringify({ importMs, sinceOriginMs: performance.now() }));
