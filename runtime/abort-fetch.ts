// Imported first by every Node bundle entry and local host, before @clerk/backend binds `fetch`: wraps the
// global fetch so that a fetch started inside shared/abort-scope.ts's `withAbortSignal` is aborted when
// the request's upstream deadline passes, closing its connection, instead of running on behind a 504.
import { AsyncLocalStorage } from "node:async_hooks";
import { installAbortScope } from "../shared/abort-scope.ts";
import { wrapGlobalFetch } from "./wrap-fetch.ts";

// One wrapper per global, however often this module is evaluated (tests load fresh module graphs).
const INSTALLED = Symbol.for("clerk-functions.abort-fetch");
type Global = typeof globalThis & { [INSTALLED]?: AsyncLocalStorage<AbortSignal> };

function wrapFetch(): AsyncLocalStorage<AbortSignal> {
  const storage = new AsyncLocalStorage<AbortSignal>();
  wrapGlobalFetch(() => storage.getStore());
  return storage;
}

const global = globalThis as Global;
global[INSTALLED] ??= wrapFetch();
const storage = global[INSTALLED];
installAbortScope((signal, run) => storage.run(signal, run));
