// The Supabase stand-in in a worker thread, for local servers: Postgres in WebAssembly takes a second or
// two of CPU to start (minutes' worth of initdb on a first start), and in its own thread it neither
// delays the functions' start nor blocks their event loop. Started by scripts/lib/stand-ins.ts.
import { parentPort, workerData } from "node:worker_threads";
import { type SupabaseStandInOptions, startSupabaseStandIn } from "./supabase.ts";

export type ThreadMessage =
  | { say: string }
  | { listening: { url: string; publishableKey: string } }
  | { failed: string };

const port = parentPort!;
const post = (message: ThreadMessage) => port.postMessage(message);
const started = startSupabaseStandIn({
  ...(workerData as SupabaseStandInOptions),
  onFirstStart: (say) => post({ say }),
  onListening: (url, keys) => post({ listening: { url, publishableKey: keys.publishableKey } }),
});
started.catch((err: unknown) => post({ failed: String(err) }));
// Any message from the parent means: stop.
port.once("message", async () => {
  await started.then((s) => s.close()).catch(() => undefined);
  process.exit(0);
});
