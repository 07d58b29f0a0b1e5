// Local stand-in for a Supabase project's REST API: the Kong gateway's `apikey` check in front of a
// PostgREST-compatible read endpoint, over a real Postgres (PGlite, Postgres compiled to WASM).
// Row-level security, grants and role switching are enforced by Postgres itself, exactly as on
// Supabase: per request one transaction sets `role` and `request.jwt.claims` from the verified JWT.
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { messages, PGlite, type Transaction } from "@electric-sql/pglite";
import {
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from "jose";
import { type StandInServer, serve } from "./http.ts";

export interface TaskSeed {
  userId: string;
  title: string;
  done?: boolean;
}

export interface SupabaseStandInOptions {
  port?: number;
  host?: string;
  /** HS256 secret: verifies Clerk "supabase" template tokens and signs the anon/service keys. */
  jwtSecret: string;
  /** When set, RS256 tokens are verified against this JWKS (Supabase's Clerk third-party auth). */
  clerkJwksUrl?: string;
  /** Bearer sent when fetching `clerkJwksUrl` (the Clerk stand-in's /v1/jwks requires it). */
  clerkSecretKey?: string;
  /** Required `iss` of RS256 third-party tokens. */
  clerkIssuer?: string;
  /** Default: 3 tasks for "user_alice", 2 for "user_bob". */
  tasks?: TaskSeed[];
}

export interface SupabaseStandIn {
  /** What SUPABASE_URL is set to; REST lives under /rest/v1. */
  url: string;
  /** Legacy JWT keys (role anon / service_role), signed with `jwtSecret`. */
  anonKey: string;
  serviceRoleKey: string;
  /** Current API keys: `sb_publishable_…` acts as anon, `sb_secret_…` as service_role. Not JWTs. */
  publishableKey: string;
  secretKey: string;
  server: StandInServer;
  db: PGlite;
  close(): Promise<void>;
}

export const DEFAULT_TASKS: TaskSeed[] = [
  { userId: "user_alice", title: "Buy oat milk" },
  { userId: "user_alice", title: "Review the Clerk JWT template", done: true },
  { userId: "user_alice", title: "Plan the sprint" },
  { userId: "user_bob", title: "Fix the bike" },
  { userId: "user_bob", title: "Book flights", done: true },
];

// What a Supabase project has out of the box (roles, auth.jwt()) plus the app's table and policy.
// `authenticator` mirrors Supabase's login role; PostgREST switches from it to the JWT's role.
const SCHEMA_SQL = `
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator noinherit;
grant anon, authenticated, service_role to authenticator;
create schema auth;
grant usage on schema auth to anon, authenticated, service_role;
create function auth.jwt() returns jsonb language sql stable as $$
  select coalesce(nullif(current_setting('request.jwt.claims', true), ''), '{}')::jsonb
$$;
create function auth.role() returns text language sql stable as $$ select auth.jwt()->>'role' $$;
grant usage on schema public to anon, authenticated, service_role;
create table public.tasks (
  id bigint generated always as identity primary key,
  user_id text not null default (auth.jwt()->>'sub'),
  title text not null,
  done boolean not null default false,
  created_at timestamptz not null default now()
);
alter table public.tasks enable row level security;
create policy "Users read their own tasks" on public.tasks for select to authenticated
  using ((select auth.jwt()->>'sub') = user_id);
grant select on public.tasks to anon, authenticated;
grant all on public.tasks to service_role;
`;

const ROLES = new Set(["anon", "authenticated", "service_role"]);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const JSON_TYPE = "application/json; charset=utf-8";
const CACHE_DIR = fileURLToPath(new URL("../../node_modules/.cache/stand-ins/", import.meta.url));

// initdb inside WASM takes ~2.5 s, loading a data directory ~0.4 s: keep a snapshot of the freshly
// initialised cluster (with the schema) keyed by PGlite version and schema, and start from it.
async function openDatabase(): Promise<PGlite> {
  const pkg = new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url);
  const version = await readFile(pkg, "utf8").catch(() => "unknown");
  const key = createHash("sha256").update(version).update(SCHEMA_SQL).digest("hex").slice(0, 16);
  const file = join(CACHE_DIR, `supabase-pgdata-${key}.tar`);
  const snapshot = await readFile(file).catch(() => undefined);
  // relaxedDurability: the database is in memory, so don't wait on filesystem syncs.
  if (snapshot) return PGlite.create({ loadDataDir: new Blob([snapshot]), relaxedDurability: true });

  const db = await PGlite.create({ relaxedDurability: true });
  await db.exec(SCHEMA_SQL);
  try {
    const dump = await db.dumpDataDir("none");
    await mkdir(CACHE_DIR, { recursive: true });
    // Write then rename, so parallel test workers never read a half-written snapshot.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, new Uint8Array(await dump.arrayBuffer()));
    await rename(tmp, file);
  } catch {
    // The cache only saves time; a read-only checkout still works.
  }
  return db;
}

/** An error in PostgREST's envelope (also used for the gateway's errors, minus the envelope). */
class RestError extends Error {
  status: number;
  code: string;
  details: string | null;
  hint: string | null;
  headers: Record<string, string>;
  constructor(
    status: number,
    code: string,
    message: string,
    extra: { details?: string; hint?: string; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = extra.details ?? null;
    this.hint = extra.hint ?? null;
    this.headers = extra.headers ?? {};
  }
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": JSON_TYPE, ...headers } });

function errorResponse(e: RestError): Response {
  const body = { code: e.code, details: e.details, hint: e.hint, message: e.message };
  return json(e.status, body, { "proxy-status": `PostgREST; error=${e.code}`, ...e.headers });
}

// JWT failures: PGRST301 when the token can't be decoded or verified, PGRST303 when its claims
// are rejected (PostgREST 12.2+/13 messages and WWW-Authenticate header).
const jwtError = (code: "PGRST301" | "PGRST303", message: string, details?: string) =>
  new RestError(401, code, message, {
    details,
    headers: {
      "www-authenticate": `Bearer error="invalid_token", error_description=${JSON.stringify(message)}`,
    },
  });

// PostgREST's mapping of SQLSTATE to HTTP status (the parts reachable by reads).
function sqlStateStatus(code: string, message: string, authed: boolean): number {
  if (code === "42501") return authed ? 403 : 401;
  if (code === "42P01" || code === "42883") return 404;
  if (code === "22023" && /^role .* does not exist$/.test(message)) return 401;
  if (code === "23503" || code === "23505") return 409;
  if (code === "25006") return 405;
  if (code === "P0001") return 400;
  if (code === "42P17" || code === "53400" || /^(09|25|2D|38|39|3B|40|54|55|57|58|F0|HV|P0|XX)/.test(code))
    return 500;
  if (/^(08|53)/.test(code)) return 503;
  if (/^(0L|0P|28)/.test(code)) return 403;
  return 400;
}

interface Auth {
  role: string;
  claims: JWTPayload;
}

interface Query {
  sql: string;
  params: string[];
  offset: number;
  singular: boolean;
  contentType: string;
  count: boolean;
}

const parseError = (message: string, details: string) => new RestError(400, "PGRST100", message, { details });

/** Splits PostgREST's `(a,"b,c")` list syntax. */
function parseList(raw: string): string[] | undefined {
  if (!raw.startsWith("(") || !raw.endsWith(")")) return undefined;
  const inner = raw.slice(1, -1);
  if (inner === "") return [];
  const items: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (quoted && ch === "\\") current += inner[++i] ?? "";
    else if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      items.push(current);
      current = "";
    } else current += ch;
  }
  items.push(current);
  return items;
}

const COMPARE: Record<string, string> = { eq: "=", neq: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" };
const IS_VALUES: Record<string, string> = {
  null: "null",
  not_null: "not null",
  true: "true",
  false: "false",
  unknown: "unknown",
};

/** Builds the PostgREST read query. Identifiers are validated then quoted; values are bind params. */
function buildQuery(table: string, search: URLSearchParams, accept: string, prefer: string): Query {
  const params: string[] = [];
  const param = (value: string) => {
    params.push(value);
    return `$${params.length}`;
  };
  const rel = `"public"."${table}"`;
  const column = (name: string, what: string) => {
    if (!IDENT.test(name))
      throw parseError(`failed to parse ${what}`, `"${name}" is not a plain column name`);
    return `${rel}."${name}"`;
  };

  let columns = `${rel}.*`;
  const where: string[] = [];
  let order = "";
  let limit = "";
  let offset = 0;
  for (const [key, value] of search) {
    if (key === "apikey") continue; // consumed by the gateway
    if (key === "select") {
      const list = value.replace(/\s/g, "");
      if (list !== "*") {
        const names = list.split(",");
        if (!names.every((n) => IDENT.test(n)))
          throw parseError(
            `failed to parse select parameter (${value})`,
            "The stand-in supports only * or a comma-separated list of plain column names",
          );
        columns = names.map((n) => column(n, "select parameter")).join(", ");
      }
    } else if (key === "order") {
      order = ` order by ${value
        .split(",")
        .map((term) => {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.(asc|desc))?(?:\.(nullsfirst|nullslast))?$/.exec(term);
          if (!m) throw parseError(`failed to parse order (${value})`, `unexpected term "${term}"`);
          const nulls = m[3] ? ` nulls ${m[3].slice(5)}` : "";
          return `${column(m[1], "order")} ${m[2] ?? "asc"}${nulls}`;
        })
        .join(", ")}`;
    } else if (key === "limit" || key === "offset") {
      if (!/^\d+$/.test(value))
        throw parseError(`failed to parse ${key} parameter (${value})`, "expecting digit");
      if (key === "limit") limit = ` limit ${Number(value)}`;
      else offset = Number(value);
    } else if (key === "or" || key === "and" || key === "columns" || key === "on_conflict") {
      throw parseError(
        `failed to parse ${key} parameter (${value})`,
        `"${key}" is not supported by the stand-in`,
      );
    } else {
      where.push(buildFilter(column(key, `filter (${key})`), value, param));
    }
  }

  // Media types PostgREST negotiates for reads; `nulls=stripped` is what supabase-js asks for with stripNulls().
  const wanted = accept.split(",").map((t) => t.replace(/\s/g, "").toLowerCase());
  const media = wanted.find((t) =>
    /^(\*\/\*|application\/\*|application\/json|application\/vnd\.pgrst\.(array|object)\+json(;nulls=stripped)?)$/.test(
      t,
    ),
  );
  if (!media) throw new RestError(406, "PGRST107", `None of these media types are available: ${accept}`);
  const singular = media.startsWith("application/vnd.pgrst.object");
  const stripped = media.endsWith("nulls=stripped");
  const row = stripped ? "json_strip_nulls(to_json(_postgrest_t))" : "_postgrest_t";
  const body = singular ? `(json_agg(${row})->0)::text` : `coalesce(json_agg(${row}), '[]')::text`;
  const contentType = media.startsWith("application/vnd") ? `${media}; charset=utf-8` : JSON_TYPE;

  const filter = where.length ? ` where ${where.join(" and ")}` : "";
  const count = /count=(exact|planned|estimated)/.test(prefer);
  const total = count ? `, (select count(*) from ${rel}${filter}) as total` : "";
  const sql =
    `select ${body} as body, count(_postgrest_t) as page_total${total} from ` +
    `(select ${columns} from ${rel}${filter}${order}${limit}${offset ? ` offset ${offset}` : ""}) _postgrest_t`;
  return { sql, params, offset, singular, contentType, count };
}

function buildFilter(col: string, raw: string, param: (v: string) => string): string {
  const m = /^(not\.)?(eq|neq|gt|gte|lt|lte|like|ilike|is|in)\.(.*)$/s.exec(raw);
  if (!m)
    throw parseError(
      `failed to parse filter (${raw})`,
      'expecting "not" or an operator (eq, neq, gt, gte, lt, lte, like, ilike, is, in)',
    );
  const [, not, op, value] = m;
  let cond: string;
  if (op === "is") {
    const is = IS_VALUES[value.toLowerCase()];
    if (!is)
      throw parseError(
        `failed to parse filter (${raw})`,
        "is. expects null, not_null, true, false or unknown",
      );
    cond = `${col} is ${is}`;
  } else if (op === "in") {
    const items = parseList(value);
    if (!items) throw parseError(`failed to parse filter (${raw})`, "in. expects a list like (a,b)");
    cond = items.length ? `${col} in (${items.map(param).join(", ")})` : "false";
  } else if (op === "like" || op === "ilike") {
    cond = `${col} ${op} ${param(value.replaceAll("*", "%"))}`;
  } else {
    cond = `${col} ${COMPARE[op]} ${param(value)}`;
  }
  return not ? `not (${cond})` : cond;
}

// PGlite serialises bind values by the inferred parameter type in JS (and rejects e.g. "maybe" for
// a boolean itself); send every value as text instead, like PostgREST, so Postgres does the parsing.
const asText = new Proxy({}, { get: () => (value: unknown) => String(value) });

export async function startSupabaseStandIn(opts: SupabaseStandInOptions): Promise<SupabaseStandIn> {
  const secret = new TextEncoder().encode(opts.jwtSecret);
  const sign = (role: string) =>
    new SignJWT({ iss: "supabase", role })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime("10y")
      .sign(secret);
  const [anonKey, serviceRoleKey, db] = await Promise.all([
    sign("anon"),
    sign("service_role"),
    openDatabase(),
  ]);

  const seed = (opts.tasks ?? DEFAULT_TASKS).map((t) => ({
    user_id: t.userId,
    title: t.title,
    done: t.done ?? false,
  }));
  await db.query(
    "insert into public.tasks (user_id, title, done) select user_id, title, done from json_to_recordset($1::json) as t(user_id text, title text, done boolean)",
    [JSON.stringify(seed)],
  );

  const jwks: JWTVerifyGetKey | undefined = opts.clerkJwksUrl
    ? createRemoteJWKSet(new URL(opts.clerkJwksUrl), {
        headers: opts.clerkSecretKey ? { authorization: `Bearer ${opts.clerkSecretKey}` } : {},
      })
    : undefined;

  async function authenticate(token: string): Promise<Auth> {
    if (token === "") throw jwtError("PGRST301", "Empty JWT is sent in Authorization header");
    const parts = token.split(".").length;
    if (parts !== 3) throw jwtError("PGRST301", `Expected 3 parts in JWT; got ${parts}`);
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw jwtError("PGRST301", "JWT couldn't be decoded");
    }
    const noKey = (details: string) => jwtError("PGRST301", "No suitable key or wrong key type", details);
    // PostgREST allows 30 s of clock skew on exp/nbf/iat.
    const common = { clockTolerance: 30 };
    let payload: JWTPayload;
    try {
      if (alg === "HS256") {
        ({ payload } = await jwtVerify(token, secret, { ...common, algorithms: ["HS256"] }));
      } else if (alg === "RS256") {
        if (!jwks) throw noKey("No JWKS is configured for RS256 tokens");
        ({ payload } = await jwtVerify(token, jwks, {
          ...common,
          algorithms: ["RS256"],
          issuer: opts.clerkIssuer,
        }));
      } else {
        throw jwtError("PGRST301", "Wrong or unsupported encoding algorithm", `Unsupported algorithm ${alg}`);
      }
    } catch (e) {
      if (e instanceof RestError) throw e;
      if (e instanceof errors.JWTExpired) throw jwtError("PGRST303", "JWT expired");
      if (e instanceof errors.JWTClaimValidationFailed) {
        // Supabase picks the third-party key set by issuer: an unknown issuer has no key.
        if (e.claim === "iss") throw noKey(`The issuer ${JSON.stringify(e.payload.iss)} is not trusted`);
        if (e.claim === "nbf" && e.reason === "check_failed") throw jwtError("PGRST303", "JWT not yet valid");
        if (e.reason === "invalid") throw jwtError("PGRST303", `The JWT '${e.claim}' claim must be a number`);
        throw jwtError("PGRST303", "Parsing claims failed");
      }
      if (e instanceof errors.JWSSignatureVerificationFailed)
        throw jwtError("PGRST301", "JWT cryptographic operation failed");
      if (e instanceof errors.JWKSNoMatchingKey) throw noKey("No key in the JWKS matches the token");
      if (e instanceof errors.JWTInvalid) throw jwtError("PGRST303", "Parsing claims failed");
      if (e instanceof errors.JWSInvalid) throw jwtError("PGRST301", "JWT couldn't be decoded");
      // The JWKS could not be fetched: a server-side configuration problem, not the client's.
      throw new RestError(500, "PGRST300", "Server lacks JWT secret", { details: String(e) });
    }
    if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + 30)
      throw jwtError("PGRST303", "JWT issued at future");
    // No role claim means the anonymous role, as in PostgREST.
    const role = typeof payload.role === "string" ? payload.role : "anon";
    return { role, claims: payload };
  }

  // A role outside the three Supabase grants to authenticator fails like Postgres' SET ROLE would.
  async function rejectRole(role: string): Promise<never> {
    // Inside a transaction so it can't interleave with another request's open transaction.
    const found = await db.transaction((tx) => tx.query("select 1 from pg_roles where rolname = $1", [role]));
    const exists = found.rows.length > 0;
    if (exists) throw new RestError(403, "42501", `permission denied to set role "${role}"`);
    throw new RestError(401, "22023", `role "${role}" does not exist`);
  }

  // Supabase's current API keys are opaque strings the gateway recognises; they never reach PostgREST.
  const randomKey = () =>
    Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0")).join("");
  const publishableKey = `sb_publishable_${randomKey()}`;
  const secretKey = `sb_secret_${randomKey()}`;

  /**
   * What the gateway makes of the API key before PostgREST sees the request: undefined for an unknown key,
   * else the Auth to use instead of the bearer (null: the bearer decides, as with the legacy keys).
   * A new key without a user token gets the gateway's own token for its role. A secret key runs as
   * service_role whatever the bearer says: the stand-in takes the worst case, so a function that sent
   * one with a user's token would see every row.
   */
  function gatewayAuth(apikey: string, authorization: string | null): Auth | null | undefined {
    if (apikey === anonKey || apikey === serviceRoleKey) return null;
    if (apikey === secretKey) return { role: "service_role", claims: { role: "service_role" } };
    if (apikey !== publishableKey) return undefined;
    // supabase-js sends the key itself as the bearer when it has no user token.
    const keyOnly = authorization === null || authorization.trim() === `Bearer ${apikey}`;
    return keyOnly ? { role: "anon", claims: { role: "anon" } } : null;
  }

  async function read(req: Request, table: string, auth: Auth): Promise<Response> {
    const url = new URL(req.url);
    const profile = req.headers.get("accept-profile");
    if (profile && profile !== "public")
      throw new RestError(406, "PGRST106", `Invalid schema: ${profile}`, {
        hint: "Only the following schemas are exposed: public",
      });
    if (!IDENT.test(table)) throw new RestError(404, "42P01", `relation "public.${table}" does not exist`);
    const q = buildQuery(
      table,
      url.searchParams,
      req.headers.get("accept") ?? "*/*",
      req.headers.get("prefer") ?? "",
    );
    const headers = Object.fromEntries(req.headers);
    // transaction() serialises requests on the single PGlite connection and rolls back on error,
    // so a failed query leaves nothing behind for the next one.
    const row = await db.transaction(async (tx: Transaction) => {
      await tx.query(
        "select set_config('role', $1, true), set_config('request.jwt.claims', $2, true), " +
          "set_config('request.method', $3, true), set_config('request.path', $4, true), " +
          "set_config('request.headers', $5, true)",
        [
          auth.role,
          JSON.stringify(auth.claims),
          req.method,
          url.pathname.slice("/rest/v1".length),
          JSON.stringify(headers),
        ],
      );
      const result = await tx.query<{ body: string | null; page_total: number; total?: number }>(
        q.sql,
        q.params,
        {
          serializers: asText,
        },
      );
      return result.rows[0];
    });

    const n = Number(row.page_total);
    if (q.singular && n !== 1)
      throw new RestError(406, "PGRST116", "Cannot coerce the result to a single JSON object", {
        details: `The result contains ${n} rows`,
      });
    // Content-Range and status as PostgREST computes them (206 when a counted result is partial).
    const total = q.count ? Number(row.total) : undefined;
    const range = n > 0 && total !== 0 ? `${q.offset}-${q.offset + n - 1}` : "*";
    let status = 200;
    if (total !== undefined && q.offset > total)
      throw new RestError(416, "PGRST103", "Requested range not satisfiable", {
        details: `An offset of ${q.offset} was requested, but there are only ${total} rows.`,
      });
    if (total !== undefined && n < total) status = 206;
    return new Response(req.method === "HEAD" ? null : row.body, {
      status,
      headers: { "content-type": q.contentType, "content-range": `${range}/${total ?? "*"}` },
    });
  }

  async function handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    // Kong routes first: only the REST API is stood in.
    if (url.pathname !== "/rest/v1" && !url.pathname.startsWith("/rest/v1/"))
      return json(404, { message: "no Route matched with those values" });

    const apikey = req.headers.get("apikey") ?? url.searchParams.get("apikey");
    if (!apikey)
      return json(401, {
        message: "No API key found in request",
        hint: "No `apikey` request header or url param was found.",
      });
    const fromKey = gatewayAuth(apikey, req.headers.get("authorization"));
    if (fromKey === undefined)
      return json(401, {
        message: "Invalid API key",
        hint: "Double check your Supabase `anon` or `service_role` API key.",
      });

    let auth: Auth | undefined;
    try {
      // Kong forwards the apikey as the bearer when the client sends no Authorization header.
      const header = req.headers.get("authorization") ?? `Bearer ${apikey}`;
      const bearer = /^bearer(?:\s+(.*))?$/i.exec(header.trim());
      // PostgREST ignores non-Bearer schemes and runs the request as the anonymous role.
      if (fromKey) auth = fromKey;
      else auth = bearer ? await authenticate(bearer[1]?.trim() ?? "") : { role: "anon", claims: {} };
      if (!ROLES.has(auth.role)) await rejectRole(auth.role);

      const segments = url.pathname.slice("/rest/v1/".length).split("/");
      if (segments.length !== 1)
        throw new RestError(404, "PGRST125", "Invalid path specified in request URL");
      if (segments[0] === "") throw new RestError(404, "PGRST126", "Root endpoint metadata is disabled");
      if (req.method !== "GET" && req.method !== "HEAD")
        throw new RestError(405, "PGRST117", `Unsupported HTTP method: ${req.method}`, {
          details: "The Supabase stand-in serves reads (GET/HEAD) only",
        });
      return await read(req, segments[0], auth);
    } catch (e) {
      if (e instanceof RestError) return errorResponse(e);
      if (e instanceof messages.DatabaseError && e.code) {
        const authed = auth !== undefined && auth.role !== "anon";
        const status = sqlStateStatus(e.code, e.message, authed);
        return errorResponse(
          new RestError(status, e.code, e.message, {
            details: e.detail,
            hint: e.hint,
            headers: status === 401 ? { "www-authenticate": "Bearer" } : {},
          }),
        );
      }
      console.error("supabase stand-in failure", e);
      return errorResponse(new RestError(500, "PGRSTX00", String(e)));
    }
  }

  const server = await serve(handle, { port: opts.port, host: opts.host });
  return {
    url: server.url,
    anonKey,
    serviceRoleKey,
    publishableKey,
    secretKey,
    server,
    db,
    async close() {
      await server.close();
      await db.close();
    },
  };
}
