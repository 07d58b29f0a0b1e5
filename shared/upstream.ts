import { isClerkAPIResponseError } from "@clerk/backend/errors";
import { withAbortSignal } from "./abort-scope.ts";
import { ErrorCode, HttpError, type HttpErrorOptions } from "./errors.ts";
import { expireAfter } from "./timer.ts";

export type UpstreamFailure = NonNullable<HttpErrorOptions["upstream"]>;

export interface UpstreamOutcome extends UpstreamFailure {
  retryAfter?: string | null;
  /** No answer before the deadline. */
  timedOut?: boolean;
  /** It answered, but not with anything we could use (e.g. a body that does not parse). */
  malformed?: boolean;
  cause?: unknown;
}

/** An upstream failure as the client sees it: 504 late, 503 rate-limited, 502 otherwise. */
export function upstreamHttpError(failure: UpstreamOutcome): HttpError {
  const { service, status, code, retryAfter, timedOut, malformed, cause } = failure;
  const opts = { cause, upstream: { service, status, code } };
  if (timedOut) {
    return new HttpError(
      504,
      ErrorCode.UpstreamTimeout,
      `The ${service} service did not answer in time.`,
      opts,
    );
  }
  if (status === 429) {
    return new HttpError(
      503,
      ErrorCode.UpstreamUnavailable,
      `The ${service} service is rate limiting requests.`,
      {
        ...opts,
        headers: retryAfter ? { "retry-after": retryAfter } : undefined,
      },
    );
  }
  // Neither an HTTP status nor an unusable answer: the connection itself failed.
  if (status === undefined && !malformed) {
    return new HttpError(
      502,
      ErrorCode.UpstreamUnavailable,
      `The ${service} service could not be reached.`,
      opts,
    );
  }
  return new HttpError(502, ErrorCode.UpstreamError, `The ${service} service returned an error.`, opts);
}

class Timeout extends Error {}

/**
 * A request's upstream budget, spent only while upstream calls may be in flight: a client still uploading
 * its body is not Clerk's time, while every key fetch, verification and function call is. Overlapping
 * calls spend it once (wall time while at least one is open).
 */
export class UpstreamBudget {
  private spent = 0;
  private open = 0;
  private openedAt = 0;
  private spending = false;
  private readonly totalMs: number;
  private readonly now: () => number;

  constructor(totalMs: number, now: () => number = () => performance.now()) {
    this.totalMs = totalMs;
    this.now = now;
  }

  /** Counts the time `run` takes. */
  async during<T>(run: () => Promise<T>): Promise<T> {
    this.begin();
    try {
      return await run();
    } finally {
      if (--this.open === 0) this.spent += this.now() - this.openedAt;
    }
  }

  /** Counts all time from now on (a function's own calls, which follow one another). */
  spendFromNow(): this {
    if (!this.spending) {
      this.spending = true;
      this.begin();
    }
    return this;
  }

  remainingMs(): number {
    const running = this.open > 0 ? this.now() - this.openedAt : 0;
    return Math.max(0, this.totalMs - this.spent - running);
  }

  private begin(): void {
    if (this.open++ === 0) this.openedAt = this.now();
  }
}

/**
 * Runs an upstream call under the function's deadline; with less than a millisecond left it is not started
 * at all. When the deadline passes, the call is aborted, not just abandoned: every fetch started inside (also @clerk/backend's own, see abort-scope.ts) is cancelled and
 * its connection closed, so a silent upstream cannot pile up sockets or apply a write after our 504.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  // A spent budget starts nothing: a call begun now would be aborted at once, yet a short write could
  // still reach Clerk and land behind the 504.
  if (!(timeoutMs >= 1)) throw new Timeout();
  const controller = new AbortController();
  const deadline = expireAfter(timeoutMs, () => new Timeout());
  deadline.expired.catch((timeout: Timeout) => controller.abort(timeout));
  try {
    return await Promise.race([
      withAbortSignal(controller.signal, () => run(controller.signal)),
      deadline.expired,
    ]);
  } finally {
    deadline.cancel();
  }
}

export const isTimeout = (err: unknown) => err instanceof Timeout;

/** Calls Clerk's Backend API through @clerk/backend under the deadline, mapping failures to 502/503/504. */
export async function callClerk<T>(timeoutMs: number, run: () => Promise<T>): Promise<T> {
  try {
    return await withDeadline(timeoutMs, run);
  } catch (err) {
    throw clerkError(err);
  }
}

export function clerkError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (isTimeout(err)) return upstreamHttpError({ service: "clerk", timedOut: true });
  if (isClerkAPIResponseError(err)) {
    const retryAfter = err.retryAfter === undefined ? null : String(err.retryAfter);
    // The SDK reports a connection failure as an error without an HTTP status, but also a body labelled
    // application/json that does not parse (it drops the status then, keeping JSON.parse's message as an
    // `unexpected_error`): Clerk did answer, badly.
    const first = err.errors[0];
    const unparsable = !err.status && first?.code === "unexpected_error" && /JSON/.test(first.message);
    return upstreamHttpError({
      service: "clerk",
      status: err.status || (unparsable ? 502 : undefined),
      code: err.errors[0]?.code,
      retryAfter,
      cause: err,
    });
  }
  // An exception that is not an API response (a bug, or a body the SDK could not parse).
  return upstreamHttpError({ service: "clerk", malformed: true, cause: err });
}
