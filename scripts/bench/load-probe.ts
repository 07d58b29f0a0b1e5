// Loads ONE module in a fresh process and prints how long the import took, as JSON on stdout: wall time
// and the process's CPU time meanwhile (which a busy machine disturbs less), in ms.
//   node probe.mjs <absolute path>   |   deno run --allow-env --allow-net --allow-read probe.mjs <path>
// The bench bundles this to plain JS, so neither runtime strips types in the measured process.
const host = globalThis as typeof globalThis & {
  Deno?: { args: string[] };
  process: { argv: string[]; cpuUsage(): { user: number; system: number } };
};
const file = host.Deno?.args[0] ?? host.process.argv[2];
if (!file) throw new Error("usage: probe.mjs <absolute path of a module>");
const cpuMs = () => {
  const { user, system } = host.process.cpuUsage();
  return (user + system) / 1000;
};
const cpu0 = cpuMs();
const t0 = performance.now();
await import(`file://${file}`);
const importMs = performance.now() - t0;
console.log(JSON.stringify({ importMs, importCpuMs: cpuMs() - cpu0 }));
