// @clerk/backend binds `fetch` when its module loads and takes no AbortSignal, so a deadline cannot be
// handed to its calls. Instead a fetch wrapper installed before the SDK loads (runtime/abort-fetch.ts,
// the first import of every bundle entry and local host) aborts every fetch started inside
// `withAbortSignal` when that signal fires. It needs AsyncLocalStorage, which lives outside shared/
// (`node:async_hooks`, on Node and Deno alike), so the wrapper installs the scope here.

export type AbortScope = <T>(signal: AbortSignal, run: () => T) => T;

let scope: AbortScope = (_signal, run) => run();

/** Called once by the runtime's fetch wrapper. */
export function installAbortScope(installed: AbortScope): void {
  scope = installed;
}

/** Runs `run` so that every fetch it starts, directly or deep in a dependency, is aborted by `signal`. */
export const withAbortSignal: AbortScope = (signal, run) => scope(signal, run);
