// Timers for the request path, without the global `setTimeout`: Deno 2 loads its Node `timers` module
// (and with it async_hooks, util and inspect) the first time an isolate touches `setTimeout` or
// `clearTimeout`, ~15 ms of a function's cold start. `AbortSignal.timeout` is Deno's own web timer
// (~1 ms the first time); on Node it is an unref'd timer like any other.

/** The longest timer both runtimes keep as asked (Node fires anything longer after 1 ms). */
const MAX_MS = 2 ** 31 - 1;

/**
 * Calls `onTimeout` after `ms` (clamped to 0…MAX_MS, whole milliseconds: Node's AbortSignal.timeout
 * throws on a fraction or a non-finite value) unless the returned `cancel` runs first. A cancelled timer
 * still expires later, doing nothing, holding nothing but its signal. While armed, the listener keeps the
 * signal alive (Node holds a timeout signal with an abort listener strongly until it fires or the listener
 * goes), but not the process: a wait that holds nothing open itself would let Node exit before it fires.
 * Every caller here waits on a socket (an upstream call, the request's own body).
 */
export function startTimer(ms: number, onTimeout: () => void): () => void {
  const signal = AbortSignal.timeout(Math.min(Math.max(Math.ceil(ms) || 0, 0), MAX_MS));
  signal.addEventListener("abort", onTimeout, { once: true });
  return () => signal.removeEventListener("abort", onTimeout);
}
