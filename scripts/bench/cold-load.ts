// Cold load: how long each bundle takes to import in a fresh process, against hello-world (which touches
// the same runtime internals: fetch, Request, WebCrypto), on Node and Deno. Runs are interleaved (every
// module once per run, in a shuffled order) so drift hits all alike; run 0 (disk and code caches) is
// discarded.
import { spawn } from "node:child_process";
import { FUNCTION_NAMES } from "../lib/functions.ts";
import { childEnv } from "../lib/process.ts";
import { log, opts } from "./options.ts";
import { BENCH_BUILD_DIR, bundlePath, denoBin, pinning, type Runtime } from "./servers.ts";
import { median, seededRandom, shuffled } from "./stats.ts";

export const PROBE = `${BENCH_BUILD_DIR}/probe.mjs`;

export interface ColdLoad {
  id: string;
  runtime: Runtime;
  /** A function name, or "hello". */
  module: string;
  importMs: number[];
  /** The probe process's CPU time during the import. */
  importCpuMs: number[];
  /** Spawn → exit of the probe process. */
  processMs: number[];
  medianImportMs: number;
  medianImportCpuMs: number;
  medianProcessMs: number;
}

function probeOnce(
  runtime: Runtime,
  file: string,
): Promise<{ importMs: number; importCpuMs: number; processMs: number }> {
  const argv =
    runtime === "node"
      ? [process.execPath, PROBE, file]
      : [denoBin, "run", "--allow-env", "--allow-net", "--allow-read", PROBE, file];
  const command = pinning ? ["taskset", "-c", pinning.serverCpu, ...argv] : argv;
  return new Promise((resolveRun, reject) => {
    const t0 = performance.now();
    const child = spawn(command[0]!, command.slice(1), {
      env: childEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.once("error", reject);
    child.once("exit", (code) => {
      const processMs = performance.now() - t0;
      const line = out.split("\n").find((l) => l.startsWith('{"importMs"'));
      if (code !== 0 || !line) return reject(new Error(`probe ${runtime} ${file} failed (${code}):\n${out}`));
      const probe = JSON.parse(line) as { importMs: number; importCpuMs: number };
      resolveRun({ ...probe, processMs });
    });
  });
}

export async function coldLoadPhase(): Promise<ColdLoad[]> {
  const entries = (["node", "deno", "netlify-edge"] as const).flatMap((runtime) =>
    (["hello", ...FUNCTION_NAMES] as const).map((module) => ({
      runtime,
      module,
      file: module === "hello" ? bundlePath(runtime, "hello") : bundlePath(runtime, "project", module),
      importMs: [] as number[],
      importCpuMs: [] as number[],
      processMs: [] as number[],
    })),
  );
  log(`cold load: ${opts.coldRuns} interleaved runs (+1 discarded) of ${entries.length} modules`);
  const random = seededRandom(11);
  for (let run = 0; run <= opts.coldRuns; run++) {
    for (const entry of shuffled(entries, random)) {
      const timing = await probeOnce(entry.runtime, entry.file);
      if (run === 0) continue;
      entry.importMs.push(timing.importMs);
      entry.importCpuMs.push(timing.importCpuMs);
      entry.processMs.push(timing.processMs);
    }
  }
  return entries.map(({ runtime, module, importMs, importCpuMs, processMs }) => ({
    id: `${runtime}/${module}`,
    runtime,
    module,
    importMs,
    importCpuMs,
    processMs,
    medianImportMs: median(importMs),
    medianImportCpuMs: median(importCpuMs),
    medianProcessMs: median(processMs),
  }));
}
