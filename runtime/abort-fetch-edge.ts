// The Deno builds' (Supabase Edge, Netlify Edge) counterpart of abort-fetch.ts, without AsyncLocalStorage:
// the first `node:` import of a Deno isolate sets up Deno's Node compatibility layer, 15–20 ms of every
// cold start, and `node:async_hooks` was the bundles' only one. The scope here is the synchronous part of
// `run`: a fetch started while it runs is aborted by the signal. That covers what the scope is for —
// every @clerk/backend Backend API call starts its fetch synchronously inside the call (its request
// builder awaits nothing before fetch) — while supabase-js, whose fetch starts after an await, is handed
// the same signal explicitly (shared/supabase.ts). test/deadlines.test.ts holds the Deno bundles to it:
// a paused Clerk sees its request aborted.
import { installAbortScope } from "../shared/abort-scope.ts";
import { wrapGlobalFetch } from "./wrap-fetch.ts";

// One wrapper per global, however often this module is evaluated.
const INSTALLED = Symbol.for("clerk-functions.abort-fetch-edge");
type Global = typeof globalThis & { [INSTALLED]?: { signal: AbortSignal | undefined } };

function wrapFetch(): { signal: AbortSignal | undefined } {
  const current: { signal: AbortSignal | undefined } = { signal: undefined };
  wrapGlobalFetch(() => current.signal);
  return current;
}

const global = globalThis as Global;
global[INSTALLED] ??= wrapFetch();
const current = global[INSTALLED];
installAbortScope((signal, run) => {
  const outer = current.signal;
  current.signal = signal;
  try {
    return run();
  } finally {
    current.signal = outer;
  }
});
