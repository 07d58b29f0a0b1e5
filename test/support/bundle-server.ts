// The Netlify bundles under `node scripts/serve.ts --bundles dist/netlify` (what nodeBundleHost runs), keeping
// EVERY stdout/stderr line — not only the JSON log lines — so a secret scan sees whatever the process
// prints (SDK warnings, stack traces). Shared by test/secrets.test.ts and scripts/load.ts, so it imports
// nothing from vitest.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { stopProcess } from "./process-hosts.ts";

const root = resolve(import.meta.dirname, "../..");

export interface BundleServer {
  url: string;
  pid: number;
  /** Every line the process wrote, in order. */
  lines: string[];
  /** The JSON lines among them, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Builds dist/ when it is missing (the load script may run before any test did). */
export function ensureBuild(): void {
  if (existsSync(join(root, "dist", "netlify", "protected.mjs"))) return;
  const built = spawnSync(process.execPath, ["scripts/build.ts"], { cwd: root, stdio: "inherit" });
  if (built.status !== 0) throw new Error("node scripts/build.ts failed");
}

export async function startBundleServer(env: Record<string, string>): Promise<BundleServer> {
  ensureBuild();
  const proc: ChildProcess = spawn(process.execPath, ["scripts/serve.ts", "--bundles", "dist/netlify"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const url = await new Promise<string>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve.ts did not start: ${lines.join("\n")}`)), 30_000);
    const onExit = (code: number | null) => fail(new Error(`serve.ts exited ${code}: ${lines.join("\n")}`));
    proc.once("exit", onExit);
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        lines.push(line);
        const listening = /^listening (http:\/\/\S+)/.exec(line)?.[1];
        if (listening) {
          clearTimeout(timer);
          proc.off("exit", onExit);
          ready(listening);
        } else if (line.startsWith("{")) {
          try {
            logs.push(JSON.parse(line));
          } catch {
            // Kept in `lines` all the same.
          }
        }
      });
    }
  });
  return {
    url,
    pid: proc.pid!,
    lines,
    logs,
    close: () => stopProcess(proc),
  };
}
