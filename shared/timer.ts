// Time limits for the request path, without the global `setTimeout`: Deno 2 loads its Node `timers` module
// (and with it async_hooks, util and inspect) the first time an isolate touches `setTimeout` or
// `clearTimeout`, ~15 ms of a function's cold start. `AbortSignal.timeout` is Deno's own web timer
// (~1 ms the first time); on Node it is an unref'd timer like any other.

/** The longest timer both runtimes keep as asked (Node fires anything longer after 1 ms). */
const MAX_MS = 2 ** 31 - 1;

export interface Expiry {
  /** Rejects with the limit's error when it passes; never settles once cancelled. Race work against it. */
  expired: Promise<never>;
  cancel(): void;
}

/**
 * A limit of `ms` (clamped to 0…MAX_MS, whole milliseconds: Node's AbortSignal.timeout throws on a fraction
 * or a non-finite value) that rejects with `error()` unless cancelled first. A cancelled timer still expires
 * later, doing nothing, holding nothing but its signal. While armed, the listener keeps the signal alive
 * (Node holds a timeout signal with an abort listener strongly until it fires or the listener goes), but
 * not the process: a wait that holds nothing open itself would let Node exit before it fires. Every caller
 * here waits on a socket (an upstream call, the request's own body).
 */
export function expireAfter(ms: number, error: () => Error): Expiry {
  let reject!: (err: Error) => void;
  const expired = new Promise<never>((_, rejectExpired) => {
    reject = rejectExpired;
  });
  const signal = AbortSignal.timeout(Math.min(Math.max(Math.ceil(ms) || 0, 0), MAX_MS));
  const onTimeout = () => reject(error());
  signal.addEventListener("abort", onTimeout, { once: true });
  return { expired, cancel: () => signal.removeEventListener("abort", onTimeout) };
}
