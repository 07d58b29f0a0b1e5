// The Supabase stand-in's Postgres: PGlite with what a Supabase project has out of the box (the anon,
// authenticated and service_role roles, auth.jwt()), the app's table with its Row Level Security policy,
// and one transaction per request that switches role and sets the JWT claims as PostgREST does.
import { createHash } from "node:crypto";
import { existsSync, openAsBlob } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import { RestError } from "./supabase-errors.ts";
import type { Auth } from "./supabase-jwt.ts";
import type { Query } from "./supabase-query.ts";

export interface TaskSeed {
  userId: string;
  title: string;
  done?: boolean;
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

export const ROLES = new Set(["anon", "authenticated", "service_role"]);
const CACHE_DIR = fileURLToPath(new URL("../../node_modules/.cache/stand-ins/", import.meta.url));

// initdb inside WASM takes ~2.5 s on a quiet machine (10-20 s on a busy one), loading a data directory a
// fraction of that: keep a snapshot of the freshly initialised cluster (with the schema) keyed by PGlite
// version and schema, and start from it. `onFirstStart` hears when there is none yet, so a person waiting
// on `npm start` is told why this start is slow.
export async function openDatabase(onFirstStart?: (message: string) => void): Promise<PGlite> {
  const file = await snapshotFile();
  // A Blob backed by the file: PGlite reads it once, with no 40 MB copy in between.
  const snapshot = existsSync(file) ? await openAsBlob(file) : undefined;
  // relaxedDurability: the database is in memory, so don't wait on filesystem syncs.
  if (snapshot) return PGlite.create({ loadDataDir: snapshot, relaxedDurability: true });

  onFirstStart?.(
    "Preparing the local Postgres snapshot (first start only: initdb in WebAssembly, ~3 s on a quiet machine, up to 20 s on a busy one); supabase-data answers once it is done…",
  );
  const db = await PGlite.create({ relaxedDurability: true });
  await db.exec(SCHEMA_SQL);
  try {
    const dump = await db.dumpDataDir("none");
    await mkdir(CACHE_DIR, { recursive: true });
    // Write then rename, so parallel test workers never read a half-written snapshot.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, new Uint8Array(await dump.arrayBuffer()));
    await rename(tmp, file);
    onFirstStart?.("Local Postgres snapshot saved and ready: later starts skip this step.");
  } catch {
    // The cache only saves time; a read-only checkout still works.
  }
  return db;
}

/** Where the snapshot for this PGlite version and schema is kept. */
export async function snapshotFile(): Promise<string> {
  const pkg = new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url);
  const version = await readFile(pkg, "utf8").catch(() => "unknown");
  const key = createHash("sha256").update(version).update(SCHEMA_SQL).digest("hex").slice(0, 16);
  return join(CACHE_DIR, `supabase-pgdata-${key}.tar`);
}

export async function seedTasks(db: PGlite, tasks: TaskSeed[]): Promise<void> {
  const seed = tasks.map((t) => ({ user_id: t.userId, title: t.title, done: t.done ?? false }));
  await db.query(
    "insert into public.tasks (user_id, title, done) select user_id, title, done from json_to_recordset($1::json) as t(user_id text, title text, done boolean)",
    [JSON.stringify(seed)],
  );
}

// A role outside the three Supabase grants to authenticator fails like Postgres' SET ROLE would.
export async function rejectRole(db: PGlite, role: string): Promise<never> {
  // Inside a transaction so it can't interleave with another request's open transaction.
  const found = await db.transaction((tx) => tx.query("select 1 from pg_roles where rolname = $1", [role]));
  const exists = found.rows.length > 0;
  if (exists) throw new RestError(403, "42501", `permission denied to set role "${role}"`);
  throw new RestError(401, "22023", `role "${role}" does not exist`);
}

// PGlite serialises bind values by the inferred parameter type in JS (and rejects e.g. "maybe" for
// a boolean itself); send every value as text instead, like PostgREST, so Postgres does the parsing.
const asText = new Proxy({}, { get: () => (value: unknown) => String(value) });

export interface ReadRow {
  body: string | null;
  page_total: number;
  total?: number;
}

/**
 * Runs a read as PostgREST does: role, claims and request settings local to one transaction.
 * transaction() serialises requests on the single PGlite connection and rolls back on error, so a failed
 * query leaves nothing behind for the next one.
 */
export async function runRead(db: PGlite, req: Request, q: Query, auth: Auth): Promise<ReadRow> {
  const url = new URL(req.url);
  const headers = Object.fromEntries(req.headers);
  return db.transaction(async (tx: Transaction) => {
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
    const result = await tx.query<ReadRow>(q.sql, q.params, { serializers: asText });
    return result.rows[0]!;
  });
}
