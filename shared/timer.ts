// Timers for the request path, without the global `setTimeout`: Deno 2 loads its Node `timers` module
// (and with it async_hooks, util and inspect) the first time an isolate touches `setTimeout` or
// `clearTimeout`, ~15 ms of a function's cold start. `AbortSignal.timeout` is Deno's own web timer
// (~1 ms the first time); on Node it is an unref'd timer like any other.

/**
 * Calls `onTimeout` after `ms` unless the returned `cancel` runs first. A cancelled timer still expires
 * later, doing nothing: it keeps no process alive (Node and Deno unref it) and holds nothing but the
 * signal. While armed, the listener keeps the signal alive (Node holds a timeout signal with an abort
 * listener strongly until it fires or the listener goes).
 */
export function startTimer(ms: number, onTimeout: () => void): () => void {
  // Whole milliseconds: Node's AbortSignal.timeout throws on a fraction (deadlines are fractional).
  const signal = AbortSignal.timeout(Math.ceil(ms));
  signal.addEventListener("abort", onTimeout, { once: true });
  return () => signal.removeEventListener("abort", onTimeout);
}
