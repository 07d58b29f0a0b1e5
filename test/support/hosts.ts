// A "host" runs the four functions somewhere (in-process from source, built bundles on Node or Deno,
// netlify dev) with a given environment. The behaviour suite only talks to this interface.

import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { vi } from "vitest";
import {
  FUNCTION_NAMES,
  FUNCTIONS_DIR,
  type FunctionName,
  loadFunctions,
} from "../../scripts/lib/functions.ts";
import { APP_ORIGIN } from "../../scripts/lib/stand-ins.ts";
import type { DefinedFunction, WebHandler } from "../../shared/handler.ts";

export type { FunctionName };

export interface CallInit {
  method?: string;
  headers?: Record<string, string>;
  body?: BodyInit;
  query?: string;
}

export interface Running {
  /** Where a function is served (update-user's redirect resolves against its origin). */
  urlFor(fn: FunctionName): string;
  call(fn: FunctionName, init?: CallInit): Promise<Response>;
  /** Structured log lines written by the functions since start. */
  logs(): Record<string, unknown>[];
  close(): Promise<void>;
}

export interface Host {
  name: string;
  /**
   * Each request runs in a fresh isolate (netlify dev starts a worker per invocation), so what a
   * function keeps per isolate (Clerk's keys, verified tokens) never carries over to the next request.
   */
  isolatePerRequest?: boolean;
  start(env: Record<string, string>): Promise<Running>;
}

/** Where the in-process host pretends to serve (the origin the stand-ins authorize). */
export const APP_URL = APP_ORIGIN;

const METHODS = new Map((await loadFunctions()).map((fn) => [fn.name, fn.definition.method]));

/** The method a function is called with when a test does not say: the one it declares. */
export const declaredMethod = (fn: FunctionName): string => METHODS.get(fn) ?? "GET";

export function buildRequest(fn: FunctionName, init: CallInit = {}, base = APP_URL): Request {
  return new Request(`${base}/api/${fn}${init.query ? `?${init.query}` : ""}`, {
    method: init.method ?? declaredMethod(fn),
    headers: init.headers,
    body: init.body,
    // Needed for ReadableStream bodies (streamed uploads).
    duplex: "half",
  } as RequestInit);
}

/**
 * In-process: each start is a fresh module graph (a new "isolate") reading process.env. The functions of
 * functions/, or `names` from a folder of a test's own.
 */
export const sourceHostOf = (
  functionsDir: string = FUNCTIONS_DIR,
  names: readonly string[] = FUNCTION_NAMES,
): Host => ({
  name: "source",
  async start(env) {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env))
      if (/^(CLERK|SUPABASE|DATA_TABLE|SIGN_IN|CORS|UPSTREAM)_?/.test(key)) delete process.env[key];
    Object.assign(process.env, env);
    vi.resetModules();
    // As every bundle entry does: fetches abort at the request's upstream deadline.
    await import("../../runtime/abort-fetch.ts");
    const handlers = Object.fromEntries(
      await Promise.all(
        names.map(async (fn) => {
          const mod = await import(pathToFileURL(join(functionsDir, `${fn}.ts`)).href);
          return [fn, (mod.default as DefinedFunction).named(fn)] as const;
        }),
      ),
    ) as Record<FunctionName, WebHandler>;
    const lines: Record<string, unknown>[] = [];
    const capture = (line: unknown) => {
      if (typeof line === "string" && line.startsWith("{")) lines.push(JSON.parse(line));
    };
    const log = vi.spyOn(console, "log").mockImplementation(capture);
    const error = vi.spyOn(console, "error").mockImplementation(capture);
    return {
      urlFor: (fn) => `${APP_URL}/api/${fn}`,
      call: (fn, init) => handlers[fn](buildRequest(fn, init)),
      logs: () => lines,
      async close() {
        log.mockRestore();
        error.mockRestore();
        process.env = saved;
      },
    };
  },
});

export const sourceHost = sourceHostOf();
