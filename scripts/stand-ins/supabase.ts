// Local stand-in for a Supabase project's REST API: the Kong gateway's `apikey` check in front of a
// PostgREST-compatible read endpoint, over a real Postgres (PGlite, Postgres compiled to WASM).
// Row-level security, grants and role switching are enforced by Postgres itself, exactly as on
// Supabase: per request one transaction sets `role` and `request.jwt.claims` from the verified JWT.
// Gateway keys, the JWT check, query translation and the database are in the supabase-*.ts modules.
import { messages, type PGlite } from "@electric-sql/pglite";
import { type StandInServer, serve } from "./http.ts";
import {
  DEFAULT_TASKS,
  openDatabase,
  ROLES,
  rejectRole,
  runRead,
  seedTasks,
  type TaskSeed,
} from "./supabase-db.ts";
import { errorResponse, json, RestError, sqlStateStatus } from "./supabase-errors.ts";
import { type Auth, jwtAuthenticator } from "./supabase-jwt.ts";
import { type GatewayKeys, gatewayKeys } from "./supabase-keys.ts";
import { buildQuery, IDENT } from "./supabase-query.ts";

export { DEFAULT_TASKS, type TaskSeed } from "./supabase-db.ts";

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
  /** Told when this start has to prepare the Postgres snapshot first (slow, once per checkout). */
  onFirstStart?: (message: string) => void;
  /** Told as soon as the gateway listens, before Postgres is up (requests meanwhile wait for it). */
  onListening?: (url: string, keys: GatewayKeys) => void;
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

async function read(db: PGlite, req: Request, table: string, auth: Auth): Promise<Response> {
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
  const row = await runRead(db, req, q, auth);

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

/** The gateway's own answers: only the REST API is routed, and it wants a known API key. */
function gateway(req: Request, keys: GatewayKeys): { apikey: string; fromKey: Auth | null } | Response {
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
  const fromKey = keys.gatewayAuth(apikey, req.headers.get("authorization"));
  if (fromKey === undefined)
    return json(401, {
      message: "Invalid API key",
      hint: "Double check your Supabase `anon` or `service_role` API key.",
    });
  return { apikey, fromKey };
}

/** A failure as PostgREST answers it: its own errors, Postgres errors by SQLSTATE, else a 500. */
function failure(e: unknown, auth: Auth | undefined): Response {
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

export async function startSupabaseStandIn(opts: SupabaseStandInOptions): Promise<SupabaseStandIn> {
  // Postgres opens while the gateway starts listening: the gateway needs it only once a request comes.
  const database = openDatabase(opts.onFirstStart).then(async (db) => {
    await seedTasks(db, opts.tasks ?? DEFAULT_TASKS);
    return db;
  });
  const keys = await gatewayKeys(opts.jwtSecret);
  const authenticate = jwtAuthenticator(opts);

  async function handle(req: Request): Promise<Response> {
    const db = await database;
    const passed = gateway(req, keys);
    if (passed instanceof Response) return passed;
    const { apikey, fromKey } = passed;
    let auth: Auth | undefined;
    try {
      // Kong forwards the apikey as the bearer when the client sends no Authorization header.
      const header = req.headers.get("authorization") ?? `Bearer ${apikey}`;
      const bearer = /^bearer(?:\s+(.*))?$/i.exec(header.trim());
      // PostgREST ignores non-Bearer schemes and runs the request as the anonymous role.
      if (fromKey) auth = fromKey;
      else auth = bearer ? await authenticate(bearer[1]?.trim() ?? "") : { role: "anon", claims: {} };
      if (!ROLES.has(auth.role)) await rejectRole(db, auth.role);

      const segments = new URL(req.url).pathname.slice("/rest/v1/".length).split("/");
      if (segments.length !== 1)
        throw new RestError(404, "PGRST125", "Invalid path specified in request URL");
      if (segments[0] === "") throw new RestError(404, "PGRST126", "Root endpoint metadata is disabled");
      if (req.method !== "GET" && req.method !== "HEAD")
        throw new RestError(405, "PGRST117", `Unsupported HTTP method: ${req.method}`, {
          details: "The Supabase stand-in serves reads (GET/HEAD) only",
        });
      return await read(db, req, segments[0]!, auth);
    } catch (e) {
      return failure(e, auth);
    }
  }

  const server = await serve(handle, { port: opts.port, host: opts.host });
  opts.onListening?.(server.url, keys);
  const db = await database.catch(async (err: unknown) => {
    await server.close();
    throw err;
  });
  return {
    url: server.url,
    anonKey: keys.anonKey,
    serviceRoleKey: keys.serviceRoleKey,
    publishableKey: keys.publishableKey,
    secretKey: keys.secretKey,
    server,
    db,
    async close() {
      await server.close();
      await db.close();
    },
  };
}
