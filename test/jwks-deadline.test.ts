// The upstream budget is spent in upstream calls only. With Clerk's keys fetched from the JWKS, the key
// fetch happens before update-user reads its body: the client's upload in between must not count against
// Clerk, and no upstream call may begin once the budget is spent (a write begun then could land behind
// the 504 it gets).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StandInServer, serve } from "../scripts/stand-ins/http.ts";
import { callClerk, UpstreamBudget, withDeadline } from "../shared/upstream.ts";
import { type Host, type Running, sourceHost } from "./support/hosts.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";
import { type Stack, startStack } from "./support/stack.ts";

const ALICE = "user_alice";
const TIMEOUT_MS = 1000;
/** Longer than the whole budget: any clock running through the upload would have expired. */
const PAUSE_MS = 1500;

/** A request body that sends `first`, pauses, then sends `rest` and ends. */
function slowBody(first: string, pauseMs: number, rest: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  return new ReadableStream({
    start(controller) {
      controller.enqueue(bytes.encode(first));
      timer = setTimeout(() => {
        controller.enqueue(bytes.encode(rest));
        controller.close();
      }, pauseMs);
    },
    cancel() {
      clearTimeout(timer);
    },
  });
}

function slowUpload(host: Host): void {
  let stack: Stack;
  let fns: Running | undefined;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await fns?.close();
    await stack?.close();
  });

  /** A fresh isolate in JWKS mode: it holds no keys, so the request's own authentication fetches them. */
  async function fresh(): Promise<Running> {
    await fns?.close();
    fns = await host.start({ ...stack.env, UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) });
    stack.resetCalls();
    stack.clerk.users.get(ALICE)!.first_name = "Alice";
    return fns;
  }

  async function slowUpdate(running: Running, token: string, name: string, pauseMs = PAUSE_MS) {
    const res = await running.call("update-user", {
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: slowBody('{"firstName":', pauseMs, `${JSON.stringify(name)}}`),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
  }

  it("keys fetched in the request, then a 1.5 s upload (UPSTREAM_TIMEOUT_MS=1000) → 200, the write applied once", async () => {
    const running = await fresh();
    const token = await stack.clerk.mintSessionToken({ userId: ALICE, ttlSeconds: 3600 });
    const { status, body } = await slowUpdate(running, token, "CurlSlow");
    expect(body.error?.code).toBeUndefined();
    expect(status).toBe(200);
    expect(stack.jwksFetches()).toBe(1);
    expect(stack.clerkCalls()).toEqual([`PATCH /v1/users/${ALICE}`]);
    expect(stack.clerk.server.requests.find((r) => r.method === "PATCH")?.aborted).toBeFalsy();
    expect(stack.clerk.users.get(ALICE)!.first_name).toBe("CurlSlow");
  });

  it("the key fetch still spends the budget: keys in 700 ms, then Clerk 500 ms late → 504, the write never lands", async () => {
    const running = await fresh();
    const token = await stack.clerk.mintSessionToken({ userId: ALICE, ttlSeconds: 3600 });
    stack.clerk.server.fault({ method: "GET", path: "/v1/jwks", delayMs: 700, times: 1 });
    stack.clerk.server.fault({ method: "PATCH", path: `/v1/users/${ALICE}`, delayMs: 500, times: 1 });
    const { status, body } = await slowUpdate(running, token, "Late", 0);
    expect(status).toBe(504);
    expect(body.error?.code).toBe("upstream_timeout");
    // Clerk resumes after its pause; a request still open would be applied then.
    await new Promise((r) => setTimeout(r, 700));
    // On a slow machine the keys may take the whole budget, and then no PATCH is sent at all.
    const patches = stack.clerk.server.requests.filter((r) => r.method === "PATCH");
    expect(patches.every((r) => r.aborted)).toBe(true);
    expect(stack.clerk.users.get(ALICE)!.first_name).toBe("Alice");
  });
}

describe("source", () => slowUpload(sourceHost));
describe("Netlify bundles on Node", () => slowUpload(nodeBundleHost));
describe("Supabase bundles under Deno", () => slowUpload(denoHost));

describe("the budget", () => {
  it("counts time inside calls only: a pause between two calls spends nothing", async () => {
    let now = 0;
    const budget = new UpstreamBudget(1000, () => now);
    await budget.during(async () => {
      now += 300;
    });
    now += 5000; // the client uploading
    expect(budget.remainingMs()).toBe(700);
    budget.spendFromNow();
    now += 200;
    expect(budget.remainingMs()).toBe(500);
    now += 600;
    expect(budget.remainingMs()).toBe(0);
  });

  it("overlapping calls spend it once", async () => {
    let now = 0;
    const budget = new UpstreamBudget(1000, () => now);
    let release!: () => void;
    const first = budget.during(() => new Promise<void>((r) => (release = r)));
    now += 100;
    const second = budget.during(async () => {
      now += 100;
    });
    await second;
    now += 100;
    release();
    await first;
    expect(budget.remainingMs()).toBe(700);
  });

  describe("spent: no call begins", () => {
    let server: StandInServer;
    beforeAll(async () => {
      server = await serve(() => Response.json({ id: "user_alice" }));
    });
    afterAll(() => server.close());

    it.each([0, 0.4])("callClerk with %s ms left → 504 upstream_timeout, nothing sent", async (left) => {
      server.requests.length = 0;
      const call = callClerk(left, () => fetch(`${server.url}/v1/users/user_alice`, { method: "PATCH" }));
      await expect(call).rejects.toMatchObject({ status: 504, code: "upstream_timeout" });
      // Long enough for a request begun anyway to reach the server.
      await new Promise((r) => setTimeout(r, 200));
      expect(server.requests).toEqual([]);
    });

    it("withDeadline with no time left never runs the call", async () => {
      let ran = false;
      await expect(
        withDeadline(0, async () => {
          ran = true;
        }),
      ).rejects.toBeDefined();
      expect(ran).toBe(false);
    });
  });
});
