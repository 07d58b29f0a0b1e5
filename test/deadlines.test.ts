// Deadlines abort. When UPSTREAM_TIMEOUT_MS passes, the upstream request is cancelled and its connection
// closed — also @clerk/backend's own calls, through the fetch wrapper every entry installs first — so a
// write cannot land after the client was told 504, and sockets do not pile up behind a silent Clerk.
// The deadline covers upstream calls only: a slow upload is not Clerk's fault, and a body still arriving
// after 10 s is 408.
import { beforeEach, describe, expect, it } from "vitest";
import { useFunctions } from "./support/fixture.ts";
import { type Host, sourceHost } from "./support/hosts.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";

const ALICE = "user_alice";
const TIMEOUT_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A request body that sends `first`, pauses, then sends `rest` and ends. */
function slowBody(first: string, pauseMs: number, rest: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream({
    start(controller) {
      if (first) controller.enqueue(bytes.encode(first));
      timer = setTimeout(() => {
        try {
          controller.enqueue(bytes.encode(rest));
          controller.close();
        } catch {
          // The function stopped reading (408): nothing left to send.
        }
      }, pauseMs);
    },
    cancel() {
      clearTimeout(timer);
    },
  });
}

function deadlines(host: Host): void {
  const session = useFunctions({
    host,
    mode: "networkless",
    env: { UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  beforeEach(() => {
    session.stack.resetCalls();
    session.stack.clerk.users.get(ALICE)!.first_name = "Alice";
  });

  const headers = () => ({ authorization: `Bearer ${session.token}`, "content-type": "application/json" });
  const lastLog = (fn: string) => session.fns.logs().findLast((l) => l.function === fn);

  it("Clerk paused: update-user → 504; the write does not land when Clerk resumes (request aborted)", async () => {
    const pauseMs = TIMEOUT_MS + 1500;
    session.stack.clerk.server.fault({
      method: "PATCH",
      path: `/v1/users/${ALICE}`,
      delayMs: pauseMs,
      times: 1,
    });
    const started = Date.now();
    const res = await session.fns.call("update-user", { headers: headers(), body: '{"firstName":"Late"}' });
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("upstream_timeout");
    // No stopwatch: a function that waited Clerk out would have had its answer, a 200, not this 504.
    // Clerk resumes; a request still open would now be applied.
    await sleep(pauseMs - (Date.now() - started) + 300);
    const patches = session.stack.clerk.server.requests.filter((r) => r.method === "PATCH");
    expect(patches).toHaveLength(1);
    expect(patches[0]!.aborted).toBe(true);
    expect(session.stack.clerk.users.get(ALICE)!.first_name).toBe("Alice");
  });

  it("Clerk paused: 10 concurrent current-user → 504s, none left waiting on Clerk, open sockets ≤ in-flight", async () => {
    session.stack.clerk.server.fault({ method: "GET", path: `/v1/users/${ALICE}`, delayMs: 5000, times: 10 });
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () =>
        session.fns
          .call("current-user", { headers: { authorization: `Bearer ${session.token}` } })
          .then(async (r) => {
            await r.body?.cancel();
            return r.status;
          }),
      ),
    );
    expect(statuses).toEqual(Array(10).fill(504));
    // While Clerk is still silent: no request of ours is left waiting on it (closing is seen a moment
    // later), and the connections open to it are at most the in-flight peak (the HTTP client may keep a
    // few idle ones for reuse; they carry nothing).
    await expect.poll(() => session.stack.clerk.server.pendingRequests(), { timeout: 2500 }).toBe(0);
    expect(session.stack.clerk.server.openConnections()).toBeLessThanOrEqual(10);
    expect(session.stack.clerk.server.requests.every((r) => r.aborted)).toBe(true);
  });

  it("headers, 1.5 s pause, then the body (UPSTREAM_TIMEOUT_MS=1000) → 200: the upload is not Clerk's time", async () => {
    const res = await session.fns.call("update-user", {
      headers: headers(),
      body: slowBody("", 1500, '{"firstName":"Slow"}'),
    });
    expect(res.status).toBe(200);
    expect(session.stack.clerk.users.get(ALICE)!.first_name).toBe("Slow");
    expect(lastLog("update-user")?.upstream).toBeUndefined();
  });

  it("a body still arriving after 10 s → 408 request_timeout, nothing sent to Clerk, not blamed on Clerk", async () => {
    const res = await session.fns.call("update-user", {
      headers: headers(),
      body: slowBody('{"firstName":', 11_500, '"Never"}'),
    });
    expect(res.status).toBe(408);
    // The 408 itself says the function stopped waiting before the rest arrived at 11.5 s (it would have
    // been a 200 then): no stopwatch needed.
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("request_timeout");
    expect(session.stack.clerkCalls()).toEqual([]);
    await expect.poll(() => lastLog("update-user")?.status).toBe(408);
    expect(lastLog("update-user")?.upstream).toBeUndefined();
    expect(session.stack.clerk.users.get(ALICE)!.first_name).toBe("Alice");
  }, 20_000);
}

describe("source", () => deadlines(sourceHost));
describe("Netlify bundles on Node", () => deadlines(nodeBundleHost));
describe("Supabase bundles under Deno", () => deadlines(denoHost));

describe("the JWKS fetch counts against the request's upstream budget", () => {
  // JWKS mode: the first request of the isolate fetches Clerk's keys.
  const session = useFunctions({ env: { UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) } });

  it("a slow JWKS answer plus a slow user lookup is a 504 within about one timeout", async () => {
    const { stack, fns, token } = session;
    stack.clerk.server.fault({ path: "/v1/jwks", delayMs: 800 });
    stack.clerk.server.fault({ path: "/v1/users/user_alice", delayMs: 800 });
    const res = await fns.call("current-user", { headers: { authorization: `Bearer ${token}` } });
    // Before the fix: 200 after ~1600 ms, twice the configured upstream deadline. The key fetch and the
    // lookup share one budget, so the lookup is cut short (or never begun) however fast this machine is.
    expect(res.status).toBe(504);
    await expect
      .poll(() => stack.clerk.server.requests.filter((r) => r.path === "/v1/users/user_alice" && !r.aborted))
      .toEqual([]);
  });
});
