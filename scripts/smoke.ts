// Smoke-tests a deployment of the functions in functions/, signed out, signed in and as a machine: the
// rows come from each function's declaration (scripts/smoke/rows.ts), plus a name round trip that puts
// back what it changed (scripts/smoke/round-trips.ts).
//   npm run smoke -- --base-url <url> [--target netlify|netlify-edge|supabase] [--origin <origin>] [--json]
// Token: SMOKE_SESSION_TOKEN, or minted through the Backend API from CLERK_SECRET_KEY + SMOKE_USER_ID
// (+ CLERK_API_URL) — POST /v1/sessions, then POST /v1/sessions/{id}/tokens (development instances).
import { parseArgs } from "node:util";
import { loadFunctions } from "./lib/functions.ts";
import { type Check, checker, type Result } from "./smoke/check.ts";
import { nameRoundTrip } from "./smoke/round-trips.ts";
import { machineRows, sessionRows, signedOutRows } from "./smoke/rows.ts";
import { machineToken, sessionConfigured } from "./smoke-machine.ts";

const USAGE = `Usage: npm run smoke -- --base-url <url> [--target netlify|netlify-edge|supabase] [--origin <origin>] [--json]
  --base-url  where the functions are deployed, e.g. http://localhost:8888 or https://<ref>.supabase.co
  --target    netlify: <base>/api/<name> (default); netlify-edge: <base>/edge/<name>;
              supabase: <base>/functions/v1/<name>
  --origin    also check the CORS preflight for this browser origin
  --json      print the results as JSON
Token: SMOKE_SESSION_TOKEN, or CLERK_SECRET_KEY + SMOKE_USER_ID (+ CLERK_API_URL) to mint one.
Machine rows: SMOKE_MACHINE_TOKEN, or CLERK_MACHINE_SECRET_KEY to mint an M2M token; alone, they are the run.`;

class UsageError extends Error {}

/** Where each target serves a function, below the base URL. */
const TARGET_PATHS: Record<string, string> = {
  netlify: "/api",
  "netlify-edge": "/edge",
  supabase: "/functions/v1",
};

function options() {
  let values: ReturnType<typeof parse>["values"];
  const parse = () =>
    parseArgs({
      options: {
        "base-url": { type: "string" },
        target: { type: "string", default: "netlify" },
        origin: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
    });
  try {
    values = parse().values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) throw new UsageError("");
  const base = values["base-url"];
  if (!base || !URL.canParse(base)) throw new UsageError("--base-url must be an absolute URL");
  if (!(values.target in TARGET_PATHS))
    throw new UsageError("--target must be netlify, netlify-edge or supabase");
  if (values.origin && !URL.canParse(values.origin)) throw new UsageError("--origin must be an origin URL");
  return { base: base.replace(/\/$/, ""), target: values.target, origin: values.origin, json: values.json };
}

async function sessionToken(): Promise<string> {
  if (process.env.SMOKE_SESSION_TOKEN) return process.env.SMOKE_SESSION_TOKEN;
  const secret = process.env.CLERK_SECRET_KEY;
  const userId = process.env.SMOKE_USER_ID;
  if (!secret || !userId)
    throw new UsageError("set SMOKE_SESSION_TOKEN, or CLERK_SECRET_KEY and SMOKE_USER_ID");
  const api = (process.env.CLERK_API_URL ?? "https://api.clerk.com").replace(/\/$/, "");
  const bapi = async (path: string, body: unknown) => {
    const res = await fetch(`${api}/v1${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`Clerk Backend API POST /v1${path} answered ${res.status}`);
    return (await res.json()) as Record<string, string>;
  };
  const session = await bapi("/sessions", { user_id: userId });
  return (await bapi(`/sessions/${session.id}/tokens`, {})).jwt!;
}

type Options = ReturnType<typeof options>;

const functionUrl = (opts: Options, fn: string, query = "") =>
  `${opts.base}${TARGET_PATHS[opts.target]}/${fn}${query ? `?${query}` : ""}`;

/** One clear line when the deployment cannot be reached at all, rather than a table of failures. */
async function reachable(opts: Options, fn: string): Promise<boolean> {
  try {
    await fetch(functionUrl(opts, fn), { method: "OPTIONS", signal: AbortSignal.timeout(10_000) });
    return true;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    console.error(`Cannot reach ${opts.base} (${cause}). Is the deployment up and the URL right?`);
    return false;
  }
}

async function corsCheck(check: Check, fn: string, origin: string): Promise<void> {
  await check(
    "CORS preflight",
    fn,
    { method: "OPTIONS", headers: { origin, "access-control-request-method": "GET" } },
    (res) =>
      res.status === 204 && res.headers.get("access-control-allow-origin") === origin
        ? undefined
        : "origin not allowed",
  );
}

function printResults(opts: Options, results: Result[]): void {
  if (opts.json) {
    console.log(JSON.stringify({ base: opts.base, target: opts.target, results }, null, 2));
    return;
  }
  console.log("| check | status | ms | result |\n|---|---:|---:|---|");
  for (const r of results) {
    console.log(
      `| ${r.check} | ${r.status ?? "-"} | ${r.ms} | ${r.pass ? "pass" : `FAIL ${r.detail ?? ""}`}${r.pass && r.detail ? ` (${r.detail})` : ""} |`,
    );
  }
  const failed = results.filter((r) => !r.pass).length;
  console.log(`\n${results.length - failed} passed, ${failed} failed`);
}

async function main(): Promise<number> {
  const opts = options();
  const functions = await loadFunctions();
  if (!(await reachable(opts, functions[0]!.name))) return 2;
  const machine = await machineToken();
  const session =
    !machine || sessionConfigured() ? { authorization: `Bearer ${await sessionToken()}` } : undefined;
  const results: Result[] = [];
  const check = checker((fn, query) => functionUrl(opts, fn, query), results);
  for (const fn of functions) await signedOutRows(check, fn);
  if (session) {
    for (const fn of functions) await sessionRows(check, fn, session);
    await nameRoundTrip(check, session, results);
    if (opts.origin) await corsCheck(check, functions[0]!.name, opts.origin);
  }
  if (machine) for (const fn of functions) await machineRows(check, fn, machine);
  printResults(opts, results);
  return results.every((r) => r.pass) ? 0 : 1;
}

try {
  process.exitCode = await main();
} catch (err) {
  if (err instanceof UsageError) {
    if (err.message) console.error(`smoke: ${err.message}`);
    console.error(USAGE);
    process.exitCode = 2;
  } else {
    console.error(`smoke: ${(err as Error).message}`);
    process.exitCode = 1;
  }
}
