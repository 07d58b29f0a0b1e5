import * as z from "zod/mini";
import { templateToken } from "../shared/auth/template-token.ts";
import { getConfig } from "../shared/config.ts";
import { ErrorCode, HttpError } from "../shared/errors.ts";
import { defineFunction } from "../shared/handler.ts";
import { json } from "../shared/http.ts";
import { selectRows } from "../shared/supabase.ts";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;

/** The `limit` query parameter once read as a number (absent = the default). */
export const Limit = z._default(z.int().check(z.minimum(1), z.maximum(MAX_LIMIT)), DEFAULT_LIMIT);

function parseLimit(url: URL): number {
  const values = url.searchParams.getAll("limit");
  // Plain decimal digits only: Number() alone would accept "1e1", " 5" or "0x10".
  const value =
    values.length === 0
      ? undefined
      : values.length === 1 && /^[1-9]\d{0,2}$/.test(values[0]!)
        ? Number(values[0])
        : Number.NaN;
  const result = Limit.safeParse(value);
  if (!result.success) {
    throw new HttpError(400, ErrorCode.InvalidQuery, `limit must be an integer from 1 to ${MAX_LIMIT}.`);
  }
  return result.data;
}

/** Clerk's "Retrieving data from external sources" example, actually reading Supabase as the user. */
export default defineFunction({
  summary: "The caller's rows of DATA_TABLE, read from Supabase under Row Level Security.",
  method: "GET",
  // Row Level Security needs a user session (and the template token is minted from it).
  accepts: ["session_token"],
  query: { limit: { schema: Limit, description: "Rows to return" } },
  response: { schema: z.strictObject({ data: z.array(z.record(z.string(), z.unknown())) }) },
  example: { query: "limit=5" },
  invalidExample: { query: "limit=0" },
  upstream: { supabase: 1 },
  // supabase-js's PostgREST client on top of the default: ~230 KiB, the other clients left out by the build.
  budgetKiB: 250,
  async handle(req, { auth, config, remainingMs }) {
    const limit = parseLimit(new URL(req.url));
    // Before any upstream call: a missing key or one that bypasses Row Level Security is a 500.
    const supabase = getConfig("supabase");
    // A Clerk JWT template token (the seed's flow), or with Supabase's native Clerk integration the
    // caller's own session token, which Supabase verifies against Clerk's keys.
    const accessToken = supabase.template
      ? await templateToken(config, auth, supabase.template, remainingMs())
      : auth.token;
    const rows = await selectRows({
      url: supabase.url,
      key: supabase.key,
      accessToken,
      table: supabase.table,
      limit,
      timeoutMs: remainingMs(),
    });
    return json({ data: rows });
  },
});
