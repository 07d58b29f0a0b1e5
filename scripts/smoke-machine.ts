// The smoke CLI's machine rows: a deployment must accept a machine token where it serves machines
// (protected) and refuse it where a person is needed (update-user, supabase-data). The token comes from
// SMOKE_MACHINE_TOKEN (an M2M token, an API key or an OAuth token), or is minted as an M2M token with
// CLERK_MACHINE_SECRET_KEY through the Backend API's POST /m2m_tokens. With no session credentials this is
// how a production instance is smoke-tested: machine rows and the signed-out ones only.

export interface MachineResult {
  check: string;
  status: number | null;
  ms: number;
  pass: boolean;
  detail?: string;
}

type Env = Record<string, string | undefined>;

/** Whether the session rows can run: a session token, or what it takes to mint one. */
export const sessionConfigured = (env: Env = process.env) =>
  Boolean(env.SMOKE_SESSION_TOKEN || (env.CLERK_SECRET_KEY && env.SMOKE_USER_ID));

/** SMOKE_MACHINE_TOKEN, or an M2M token minted with CLERK_MACHINE_SECRET_KEY; undefined when neither. */
export async function machineToken(env: Env = process.env): Promise<string | undefined> {
  if (env.SMOKE_MACHINE_TOKEN) return env.SMOKE_MACHINE_TOKEN;
  const machineKey = env.CLERK_MACHINE_SECRET_KEY;
  if (!machineKey) return undefined;
  const api = (env.CLERK_API_URL ?? "https://api.clerk.com").replace(/\/$/, "");
  // Unversioned, as @clerk/backend calls it; only a machine's secret key may create its tokens.
  const res = await fetch(`${api}/m2m_tokens`, {
    method: "POST",
    headers: { authorization: `Bearer ${machineKey}`, "content-type": "application/json" },
    body: JSON.stringify({ seconds_until_expiration: 300 }),
    signal: AbortSignal.timeout(15_000),
  });
  if (!res.ok) throw new Error(`Clerk Backend API POST /m2m_tokens answered ${res.status}`);
  const token = ((await res.json()) as { token?: unknown }).token;
  if (typeof token !== "string") throw new Error("Clerk Backend API POST /m2m_tokens returned no token");
  return token;
}

/** The machine rows against `url(fn)`: protected 200, update-user and supabase-data 401. */
export async function machineRows(url: (fn: string) => string, token: string): Promise<MachineResult[]> {
  const auth = { authorization: `Bearer ${token}` };
  const rows: [string, string, RequestInit, (res: Response, body: unknown) => boolean][] = [
    [
      "protected machine token → 200",
      "protected",
      { headers: auth },
      (res, body) =>
        res.status === 200 && (body as { data?: { message?: string } })?.data?.message === "Hello World",
    ],
    [
      "update-user machine token → 401",
      "update-user",
      {
        method: "POST",
        headers: { ...auth, accept: "application/json", "content-type": "application/json" },
        body: '{"firstName":"Machine"}',
      },
      (res) => res.status === 401,
    ],
    ["supabase-data machine token → 401", "supabase-data", { headers: auth }, (res) => res.status === 401],
  ];
  const results: MachineResult[] = [];
  for (const [check, fn, init, ok] of rows) {
    const started = performance.now();
    try {
      const res = await fetch(url(fn), { ...init, redirect: "manual", signal: AbortSignal.timeout(15_000) });
      const text = await res.text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {}
      const pass = ok(res, body);
      const ms = Math.round(performance.now() - started);
      results.push({ check, status: res.status, ms, pass, detail: pass ? undefined : "unexpected answer" });
    } catch (err) {
      const ms = Math.round(performance.now() - started);
      results.push({ check, status: null, ms, pass: false, detail: (err as Error).message });
    }
  }
  return results;
}

/** Without session credentials: the signed-out row and the machine rows, printed like the full run. */
export async function machineOnlySmoke(
  url: (fn: string) => string,
  token: string,
  print: (results: MachineResult[]) => void,
): Promise<number> {
  const started = performance.now();
  const results: MachineResult[] = [];
  try {
    const res = await fetch(url("protected"), { signal: AbortSignal.timeout(15_000) });
    await res.body?.cancel();
    const ms = Math.round(performance.now() - started);
    results.push({ check: "protected signed out → 401", status: res.status, ms, pass: res.status === 401 });
  } catch (err) {
    results.push({
      check: "protected signed out → 401",
      status: null,
      ms: 0,
      pass: false,
      detail: String(err),
    });
  }
  results.push(...(await machineRows(url, token)));
  print(results);
  return results.every((r) => r.pass) ? 0 : 1;
}
