// Smoke-tests a deployment of the four functions, signed out and signed in.
//   npm run smoke -- --base-url <url> [--target netlify|supabase] [--origin <origin>] [--json]
// Token: SMOKE_SESSION_TOKEN, or minted through the Backend API from CLERK_SECRET_KEY + SMOKE_USER_ID
// (+ CLERK_API_URL) — POST /v1/sessions, then POST /v1/sessions/{id}/tokens (development instances).
import { parseArgs } from "node:util";
import { machineOnlySmoke, machineRows, machineToken, sessionConfigured } from "./smoke-machine.ts";

const USAGE = `Usage: npm run smoke -- --base-url <url> [--target netlify|supabase] [--origin <origin>] [--json]
  --base-url  where the functions are deployed, e.g. http://localhost:8888 or https://<ref>.supabase.co
  --target    netlify: <base>/api/<name> (default); supabase: <base>/functions/v1/<name>
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
  if (values.target !== "netlify" && values.target !== "supabase")
    throw new UsageError("--target must be netlify or supabase");
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

function report(opts: { base: string; target: string; json: boolean }, results: Result[]): void {
  if (opts.json) console.log(JSON.stringify({ base: opts.base, target: opts.target, results }, null, 2));
  else {
    console.log("| check | status | ms | result |\n|---|---:|---:|---|");
    for (const r of results) {
      console.log(
        `| ${r.check} | ${r.status ?? "-"} | ${r.ms} | ${r.pass ? "pass" : `FAIL ${r.detail ?? ""}`}${r.pass && r.detail ? ` (${r.detail})` : ""} |`,
      );
    }
    const failed = results.filter((r) => !r.pass).length;
    console.log(`\n${results.length - failed} passed, ${failed} failed`);
  }
}

async function main(): Promise<number> {
  const opts = options();
  const url = (fn: string, query = "") =>
    `${opts.base}${opts.target === "supabase" ? "/functions/v1" : "/api"}/${fn}${query ? `?${query}` : ""}`;
  try {
    await fetch(url("protected"), { method: "OPTIONS", signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    console.error(`Cannot reach ${opts.base} (${cause}). Is the deployment up and the URL right?`);
    return 2;
  }
  const machine = await machineToken();
  if (machine && !sessionConfigured()) return machineOnlySmoke(url, machine, (r) => report(opts, r));
  const token = await sessionToken();
  const auth = { authorization: `Bearer ${token}` };
  const results: Result[] = [];

  const check = async (
    name: string,
    fn: string,
    init: RequestInit & { query?: string },
    expect: (res: Response, body: unknown) => string | undefined,
  ) => {
    const started = performance.now();
    let res: Response | undefined;
    let detail: string | undefined;
    try {
      res = await fetch(url(fn, init.query), {
        ...init,
        redirect: "manual",
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {}
      detail = expect(res, body);
      results.push({
        check: name,
        status: res.status,
        ms: Math.round(performance.now() - started),
        pass: !detail,
        detail,
      });
      return body;
    } catch (err) {
      results.push({
        check: name,
        status: res?.status ?? null,
        ms: Math.round(performance.now() - started),
        pass: false,
        detail: (err as Error).message,
      });
      return undefined;
    }
  };
  const status = (want: number) => (res: Response) => (res.status === want ? undefined : `expected ${want}`);
  const json = { "content-type": "application/json" };

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
  await check("current-user signed out → 401", "current-user", {}, status(401));
  const me = await check("current-user signed in → 200", "current-user", { headers: auth }, (res, body) => {
    const user = dig(body, "user") as Record<string, unknown> | undefined;
    if (res.status !== 200 || !user?.id) return "expected 200 with user";
    return "privateMetadata" in user || "_raw" in user ? "leaks privateMetadata/_raw" : undefined;
  });
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
  await check(
    "update-user signed out (JSON) → 401",
    "update-user",
    { method: "POST", headers: { ...json, accept: "application/json" }, body: "{}" },
    status(401),
  );
  await check(
    "update-user signed out (browser) → 303",
    "update-user",
    { method: "POST", headers: json, body: "{}" },
    (res) => (res.status === 303 && res.headers.get("location") ? undefined : "expected 303 with Location"),
  );
  await check(
    "update-user invalid body → 422",
    "update-user",
    { method: "POST", headers: { ...auth, ...json }, body: '{"firstName":""}' },
    status(422),
  );

  // Round trip on a name the user has, so it can be put back exactly.
  const user = dig(me, "user") as { firstName?: string | null; lastName?: string | null } | undefined;
  const field = user?.firstName ? "firstName" : user?.lastName ? "lastName" : undefined;
  if (field) {
    const original = user![field]!;
    const probe = `Smoke${Date.now() % 100000}`;
    await check(
      `update-user ${field} → 200`,
      "update-user",
      { method: "POST", headers: { ...auth, ...json }, body: JSON.stringify({ [field]: probe }) },
      (res, body) =>
        res.status === 200 && dig(body, "user", field) === probe ? undefined : "name not updated",
    );
    await check(
      `update-user restore ${field} → 200`,
      "update-user",
      { method: "POST", headers: { ...auth, ...json }, body: JSON.stringify({ [field]: original }) },
      (res, body) =>
        res.status === 200 && dig(body, "user", field) === original ? undefined : "name not restored",
    );
  } else {
    results.push({
      check: "update-user round trip",
      status: null,
      ms: 0,
      pass: true,
      detail: "skipped: user has no name to restore",
    });
  }

  if (opts.origin) {
    await check(
      "CORS preflight",
      "protected",
      { method: "OPTIONS", headers: { origin: opts.origin, "access-control-request-method": "GET" } },
      (res) =>
        res.status === 204 && res.headers.get("access-control-allow-origin") === opts.origin
          ? undefined
          : "origin not allowed",
    );
  }

  if (machine) results.push(...(await machineRows(url, machine)));
  report(opts, results);
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
