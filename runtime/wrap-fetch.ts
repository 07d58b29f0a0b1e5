// The global fetch wrapper both abort-fetch modules install: a fetch started while `deadline()` gives a
// signal is aborted when it fires (together with the caller's own signal, if any). Only how the current
// deadline is found differs: AsyncLocalStorage on Node, the call's synchronous part in the Deno builds.
export function wrapGlobalFetch(deadline: () => AbortSignal | undefined): void {
  const unscoped = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const signal = deadline();
    if (!signal) return unscoped(input, init);
    const own = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    return unscoped(input, { ...init, signal: own ? AbortSignal.any([own, signal]) : signal });
  };
}
