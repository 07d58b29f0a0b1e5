import { createClient } from "@supabase/supabase-js";
import { isTimeout, upstreamHttpError, withDeadline } from "./upstream.ts";

export interface SelectOptions {
  url: string;
  /** The public key (publishable or anon), sent as `apikey`. */
  key: string;
  /** Sent as `Authorization: Bearer`; Row Level Security scopes rows by its `sub`. */
  accessToken: string;
  table: string;
  limit: number;
  timeoutMs: number;
}

/** `from(table).select('*').limit(n)` as the caller, mapping Supabase failures to 502/503/504. */
export async function selectRows(opts: SelectOptions): Promise<unknown[]> {
  // The query result hides response headers; note the last answer so 429's Retry-After can be passed on.
  let last: { status: number; retryAfter: string | null } | undefined;
  // A client per request: its token then cannot reach another caller's query, whatever interleaves on the
  // isolate. Building one costs ~50 µs with `accessToken` set (no auth client, no session storage).
  const client = createClient(opts.url, opts.key, {
    accessToken: async () => opts.accessToken,
    global: {
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        last = { status: res.status, retryAfter: res.headers.get("retry-after") };
        return res;
      },
    },
    // postgrest-js retries GETs on 503/520 with backoff; one attempt keeps us inside our own deadline.
    db: { retry: false },
  });
  let result: Awaited<ReturnType<typeof runQuery>>;
  const runQuery = async (signal: AbortSignal) =>
    await client.from(opts.table).select("*").limit(opts.limit).abortSignal(signal);
  try {
    result = await withDeadline(opts.timeoutMs, runQuery);
  } catch (err) {
    throw upstreamHttpError({ service: "supabase", timedOut: isTimeout(err), malformed: true, cause: err });
  }
  if (result.error) {
    throw upstreamHttpError({
      service: "supabase",
      // No response at all means the connection failed; a 2xx with an error means an unreadable body.
      status: last ? (last.status < 400 ? 502 : last.status) : undefined,
      code: result.error.code || undefined,
      retryAfter: last?.retryAfter,
    });
  }
  return result.data ?? [];
}
