// @clerk/backend binds `fetch` when its module loads and takes no AbortSignal, so a deadline cannot be
// handed to its calls. Instead a fetch wrapper installed before the SDK loads (runtime/abort-fetch.ts,
// the first import of every Node bundle entry and local host; runtime/abort-fetch-edge.ts in the Deno
// builds) aborts every fetch started inside `withAbortSignal` when that signal fires. On Node it needs
// AsyncLocalStorage, which lives outside shared/ (`node:async_hooks`), so the wrapper installs the scope
// here. The Deno builds' scope is the synchronous part of `run` (see that file for why that suffices).

export type AbortScope = <T>(signal: AbortSignal, run: () => T) => T;

let scope: AbortScope = (_signal, run) => run();

/** Called once by the runtime's fetch wrapper. */
export function installAbortScope(installed: AbortScope): void {
  scope = installed;
}

/** Runs `run` so that every fetch it starts, directly or deep in a dependency, is aborted by `signal`. */
export const withAbortSignal: AbortScope = (signal, run) => scope(signal, run);
