// Smoke-tests a deployment of the four functions, signed out and signed in.
//   npm run smoke -- --base-url <url> [--target netlify|netlify-edge|supabase] [--origin <origin>] [--json]
// Token: SMOKE_SESSION_TOKEN, or minted through the Backend API from CLERK_SECRET_KEY + SMOKE_USER_ID
// (+ CLERK_API_URL) — POST /v1/sessions, then POST /v1/sessions/{id}/tokens (development instances).
import { parseArgs } from "node:util";
import { machineOnlySmoke, machineRows, machineToken, sessionConfigured } from "./smoke-machine.ts";

const USAGE = `Usage: npm run smoke -- --base-url <url> [--target netlify|netlify-edge|supabase] [--origin <origin>] [--json]
  --base-url  where the functions are deployed, e.g. http://localhost:8888 or https://<ref>.supabase.co
  --target    netlify: <base>/api/<name> (default); netlify-edge: <base>/edge/<name>;
              supabase: <base>/functions/v1/<name>
  --origin    also check the CORS preflight for this browser origin
  --json      print the results as JSON
Token: SMOKE_SESSION_TOKEN, or CLERK_SECRET_KEY + SMOKE_USER_ID (+ CLERK_API_URL) to mint one.
Machine rows: SMOKE_MACHINE_TOKEN, or CLERK_MACHINE_SECRET_KEY to mint an M2M token; alone, they are the run.`;

interface Result {
  check: string;
  status: number | null;
  ms: number;
  pass: boolean;
  detail?: string;
}

class UsageError extends Error {}

/** Reads a nested JSON value without trusting the deployment's response shape. */
/** Where each target serves a function, below the base URL. */
const TARGET_PATHS: Record<string, string> = {
  netlify: "/api",
  "netlify-edge": "/edge",
  supabase: "/functions/v1",
};

function dig(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path)
    current = current && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

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
type Expectation = (res: Response, body: unknown) => string | undefined;
/** Runs one check and records its row; resolves to the parsed body (undefined when the request failed). */
type Check = (
  name: string,
  fn: string,
  init: RequestInit & { query?: string },
  expect: Expectation,
) => Promise<unknown>;

const functionUrl = (opts: Options, fn: string, query = "") =>
  `${opts.base}${TARGET_PATHS[opts.target]}/${fn}${query ? `?${query}` : ""}`;

/** One clear line when the deployment cannot be reached at all, rather than a table of failures. */
async function reachable(opts: Options): Promise<boolean> {
  try {
    await fetch(functionUrl(opts, "protected"), { method: "OPTIONS", signal: AbortSignal.timeout(10_000) });
    return true;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    console.error(`Cannot reach ${opts.base} (${cause}). Is the deployment up and the URL right?`);
    return false;
  }
}

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

function checker(opts: Options, results: Result[]): Check {
  return async (name, fn, init, expect) => {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    let res: Response | undefined;
    try {
      res = await fetch(functionUrl(opts, fn, init.query), {
        ...init,
        redirect: "manual",
        signal: AbortSignal.timeout(15_000),
      });
      const body = parseBody(await res.text());
      const detail = expect(res, body);
      results.push({ check: name, status: res.status, ms: ms(), pass: !detail, detail });
      return body;
    } catch (err) {
      results.push({
        check: name,
        status: res?.status ?? null,
        ms: ms(),
        pass: false,
        detail: (err as Error).message,
      });
      return undefined;
    }
  };
}

const status = (want: number) => (res: Response) => (res.status === want ? undefined : `expected ${want}`);
const JSON_TYPE = { "content-type": "application/json" };

async function protectedChecks(check: Check, auth: Record<string, string>): Promise<void> {
  await check("protected signed out → 401", "protected", {}, (res) =>
    res.status !== 401
      ? "expected 401"
      : res.headers.get("www-authenticate")?.startsWith("Bearer")
        ? undefined
        : "no WWW-Authenticate",
  );
  await check("protected signed in → 200", "protected", { headers: auth }, (res, body) =>
    res.status === 200 && dig(body, "data", "message") === "Hello World"
      ? undefined
      : "expected 200 Hello World",
  );
  await check("protected POST → 405", "protected", { method: "POST", headers: auth }, (res) =>
    res.status === 405 && res.headers.get("allow") ? undefined : "expected 405 with Allow",
  );
}

/** Resolves to current-user's body, for the update-user round trip. */
async function currentUserChecks(check: Check, auth: Record<string, string>): Promise<unknown> {
  await check("current-user signed out → 401", "current-user", {}, status(401));
  return check("current-user signed in → 200", "current-user", { headers: auth }, (res, body) => {
    const user = dig(body, "user") as Record<string, unknown> | undefined;
    if (res.status !== 200 || !user?.id) return "expected 200 with user";
    return "privateMetadata" in user || "_raw" in user ? "leaks privateMetadata/_raw" : undefined;
  });
}

async function supabaseDataChecks(check: Check, auth: Record<string, string>): Promise<void> {
  await check("supabase-data signed out → 401", "supabase-data", {}, status(401));
  await check(
    "supabase-data signed in → 200",
    "supabase-data",
    { headers: auth, query: "limit=5" },
    (res, body) =>
      res.status === 200 && Array.isArray(dig(body, "data")) ? undefined : "expected 200 with data[]",
  );
  await check(
    "supabase-data limit=0 → 400",
    "supabase-data",
    { headers: auth, query: "limit=0" },
    status(400),
  );
}

async function updateUserChecks(check: Check, auth: Record<string, string>): Promise<void> {
  await check(
    "update-user signed out (JSON) → 401",
    "update-user",
    { method: "POST", headers: { ...JSON_TYPE, accept: "application/json" }, body: "{}" },
    status(401),
  );
  await check(
    "update-user signed out (browser) → 303",
    "update-user",
    { method: "POST", headers: JSON_TYPE, body: "{}" },
    (res) => (res.status === 303 && res.headers.get("location") ? undefined : "expected 303 with Location"),
  );
  await check(
    "update-user invalid body → 422",
    "update-user",
    { method: "POST", headers: { ...auth, ...JSON_TYPE }, body: '{"firstName":""}' },
    status(422),
  );
}

/** Round trip on a name the user has, so it can be put back exactly. */
async function nameRoundTrip(check: Check, auth: Record<string, string>, me: unknown, results: Result[]) {
  const user = dig(me, "user") as { firstName?: string | null; lastName?: string | null } | undefined;
  const field = user?.firstName ? "firstName" : user?.lastName ? "lastName" : undefined;
  if (!field) {
    results.push({
      check: "update-user round trip",
      status: null,
      ms: 0,
      pass: true,
      detail: "skipped: user has no name to restore",
    });
    return;
  }
  const setName = (label: string, value: string, failure: string) =>
    check(
      label,
      "update-user",
      { method: "POST", headers: { ...auth, ...JSON_TYPE }, body: JSON.stringify({ [field]: value }) },
      (res, body) => (res.status === 200 && dig(body, "user", field) === value ? undefined : failure),
    );
  const original = user![field]!;
  await setName(`update-user ${field} → 200`, `Smoke${Date.now() % 100000}`, "name not updated");
  await setName(`update-user restore ${field} → 200`, original, "name not restored");
}

async function corsCheck(check: Check, origin: string): Promise<void> {
  await check(
    "CORS preflight",
    "protected",
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
  if (!(await reachable(opts))) return 2;
  const url = (fn: string) => functionUrl(opts, fn);
  const machine = await machineToken();
  if (machine && !sessionConfigured()) return machineOnlySmoke(url, machine, (r) => printResults(opts, r));
  const auth = { authorization: `Bearer ${await sessionToken()}` };
  const results: Result[] = [];
  const check = checker(opts, results);
  await protectedChecks(check, auth);
  const me = await currentUserChecks(check, auth);
  await supabaseDataChecks(check, auth);
  await updateUserChecks(check, auth);
  await nameRoundTrip(check, auth, me, results);
  if (opts.origin) await corsCheck(check, opts.origin);
  if (machine) results.push(...(await machineRows(url, machine)));
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
