// The floor, hello-world and the cold start's references, bundled with the esbuild settings scripts/build.ts uses per platform, and
// the Node host and the cold-load probe bundled to plain JS.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import * as esbuild from "esbuild";
import { BUNDLE_OPTIONS, entryModule, PLATFORM_OPTIONS } from "../lib/esbuild-targets.ts";
import { ROOT } from "../lib/paths.ts";
import { PROBE } from "./cold-load.ts";
import { bundlePath, EDGE_HOST, NODE_HOST } from "./servers.ts";

export interface Size {
  file: string;
  raw: number;
  gzip: number;
}

export async function bundleBenchFunctions(): Promise<Size[]> {
  const reports: Size[] = [];
  for (const impl of ["floor", "hello", "hello-fetch", "sdk-protected", "sdk-current-user"] as const) {
    const source = join(ROOT, `scripts/bench/${impl}.ts`);
    for (const runtime of ["node", "deno"] as const) {
      const platform = runtime === "node" ? "netlify" : "supabase";
      const outfile = bundlePath(runtime, impl);
      await esbuild.build({
        stdin: {
          contents: entryModule(platform, source),
          resolveDir: ROOT,
          sourcefile: `${runtime}-${impl}.ts`,
          loader: "ts",
        },
        ...BUNDLE_OPTIONS,
        outfile,
        ...PLATFORM_OPTIONS[platform],
      });
      const code = await readFile(outfile);
      reports.push({ file: outfile, raw: code.length, gzip: gzipSync(code, { level: 9 }).length });
    }
  }
  // The Node host is bundled too: run as .ts, Node would load its type stripper (tens of MiB of RSS,
  // milliseconds of startup) into every server, a cost no deployed function pays.
  await esbuild.build({
    entryPoints: [join(ROOT, "scripts/bench/node-host.ts")],
    bundle: true,
    format: "esm",
    ...PLATFORM_OPTIONS.netlify,
    // serve.ts's own CLI block must not run inside the host.
    define: { "import.meta.main": "false" },
    logLevel: "warning",
    outfile: NODE_HOST,
  });
  await esbuild.build({
    entryPoints: [join(ROOT, "scripts/bench/edge-host.ts")],
    format: "esm",
    target: "es2022",
    logLevel: "warning",
    outfile: EDGE_HOST,
  });
  // The cold-load probe, plain JS that both runtimes run as is.
  await esbuild.build({
    entryPoints: [join(ROOT, "scripts/bench/load-probe.ts")],
    format: "esm",
    target: "es2022",
    logLevel: "warning",
    outfile: PROBE,
  });
  await esbuild.stop();
  return reports;
}
