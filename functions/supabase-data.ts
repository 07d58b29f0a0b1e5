import { templateToken } from "../shared/auth/template-token.ts";
import { requireSupabase } from "../shared/config.ts";
import { ErrorCode, HttpError } from "../shared/errors.ts";
import { defineFunction } from "../shared/handler.ts";
import { json } from "../shared/http.ts";
import { selectRows } from "../shared/supabase.ts";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100;

function parseLimit(url: URL): number {
  const values = url.searchParams.getAll("limit");
  if (values.length === 0) return DEFAULT_LIMIT;
  const value = values.length === 1 && /^[1-9]\d{0,2}$/.test(values[0]!) ? Number(values[0]) : Number.NaN;
  if (!(value <= MAX_LIMIT)) {
    throw new HttpError(400, ErrorCode.InvalidQuery, `limit must be an integer from 1 to ${MAX_LIMIT}.`);
  }
  return value;
}

/** Clerk's "Retrieving data from external sources" example, actually reading Supabase as the user. */
export default defineFunction({
  name: "supabase-data",
  method: "GET",
  async handle(req, ctx) {
    const auth = await ctx.requireAuth();
    const limit = parseLimit(new URL(req.url));
    // Before any upstream call: a missing key or one that bypasses Row Level Security is a 500.
    const supabase = requireSupabase(ctx.config);
    // A Clerk JWT template token (the seed's flow), or with Supabase's native Clerk integration the
    // caller's own session token, which Supabase verifies against Clerk's keys.
    const template = ctx.config.supabaseTemplate;
    const accessToken = template
      ? await templateToken(ctx.config, auth, template, ctx.remainingMs())
      : auth.token;
    const rows = await selectRows({
      ...supabase,
      accessToken,
      table: ctx.config.dataTable,
      limit,
      timeoutMs: ctx.remainingMs(),
    });
    return json({ data: rows });
  },
});
