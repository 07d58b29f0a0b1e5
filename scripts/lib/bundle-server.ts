// The Netlify bundles under `node scripts/serve.ts --bundles dist/netlify` (what the node-bundles test
// host runs), keeping EVERY stdout/stderr line — not only the JSON log lines — so a secret scan sees
// whatever the process prints (SDK warnings, stack traces). Used by test/secrets.test.ts and
// scripts/load.ts.
import { ensureBuild } from "./paths.ts";
import { startServer } from "./process.ts";

export interface BundleServer {
  url: string;
  pid: number;
  /** Every line the process wrote, in order. */
  lines: string[];
  /** The JSON lines among them, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startBundleServer(env: Record<string, string>): Promise<BundleServer> {
  ensureBuild();
  const server = await startServer([process.execPath, "scripts/serve.ts", "--bundles", "dist/netlify"], {
    env,
    keepLines: true,
    timeoutMs: 30_000,
  });
  return {
    url: server.url,
    pid: server.pid,
    lines: server.lines,
    logs: server.logs,
    close: () => server.stop(),
  };
}
