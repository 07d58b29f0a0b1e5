// autocannon ships no type declarations; these are the parts of its API the bench and load test use.
import { createRequire } from "node:module";

interface Histogram {
  average: number;
  p50: number;
  p99: number;
}

export interface AutocannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?(req: { headers: Record<string, string> }): unknown;
  onResponse?(
    status: number,
    body: string,
    context: unknown,
    headers: Record<string, string | string[]>,
  ): void;
}

export interface AutocannonOptions {
  url: string;
  connections: number;
  /** Seconds to run, or… */
  duration?: number;
  /** …how many requests to send. */
  amount?: number;
  requests: AutocannonRequest[];
  /** Seconds before a request counts as timed out. */
  timeout?: number;
  /** A false return counts as a mismatch (`expectBody` is refused together with `requests`). */
  verifyBody?: (body: string) => boolean;
}

export interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  non2xx: number;
  requests: Histogram & { total: number };
  latency: Histogram;
}

export interface AutocannonInstance {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}

export const autocannon = createRequire(import.meta.url)("autocannon") as (
  options: AutocannonOptions,
  done: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;
