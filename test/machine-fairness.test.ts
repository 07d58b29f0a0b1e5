// Opaque machine tokens cost a Backend API call each, bounded per isolate (20 at once, 20 per second).
// That bound is shared fairly between clients, told apart by the address the platform reports (Netlify's
// `context.ip`, as the local Node host passes it; Supabase's first x-forwarded-for entry): a client
// flooding made-up tokens uses up its own allowance of refusals, never everyone's, and a burst of 100
// random API keys from one client costs at most 25 calls whatever the machine's speed.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REFUSALS_PER_CLIENT } from "../shared/auth/machine.ts";
import type { WebHandler } from "../shared/handler.ts";
import { buildRequest, type Host, type Running, sourceHost } from "./support/hosts.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";
import { type Stack, startStack } from "./support/stack.ts";

const KEY_VERIFY = "POST /api_keys/verify";
const FLOODER = "127.0.0.2";
const OTHER = "127.0.0.3";

interface Answer {
  status: number;
  retryAfter: string | null;
  code?: string;
}

/** Sends `token` to `protected` as the client at `address`, the way the host learns client addresses. */
type Sender = (fns: Running, address: string, token: string) => Promise<Answer>;

const answer = async (res: Response): Promise<Answer> => {
  const body = (await res.json()) as { error?: { code: string } };
  return { status: res.status, retryAfter: res.headers.get("retry-after"), code: body.error?.code };
};

/** In process, as Netlify calls a function: the address in the handler's second argument. */
const fromContext: Sender = async (_fns, address, token) => {
  const handler = (await import("../functions/protected.ts")).default as WebHandler;
  const req = buildRequest("protected", { headers: { authorization: `Bearer ${token}` } });
  return answer(await handler(req, { ip: address }));
};

/** Over a socket bound to `address` (all of 127/8 is loopback): the local host reports the peer's address. */
const fromSocket: Sender = (fns, address, token) =>
  new Promise((resolve, reject) => {
    const req = request(
      fns.urlFor("protected"),
      { localAddress: address, headers: { authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { error?: { code: string } };
          const retryAfter = res.headers["retry-after"];
          resolve({
            status: res.statusCode!,
            retryAfter: typeof retryAfter === "string" ? retryAfter : null,
            code: body.error?.code,
          });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });

/** Behind Supabase's gateway: the client's address first in x-forwarded-for. */
const fromForwarded: Sender = async (fns, address, token) =>
  answer(
    await fns.call("protected", {
      headers: { authorization: `Bearer ${token}`, "x-forwarded-for": `${address}, 10.0.0.1` },
    }),
  );

const random = (prefix: string) =>
  `${prefix}${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")}`;

function fairness(host: Host, send: Sender): void {
  let stack: Stack;
  let fns: Running;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await fns?.close();
    await stack?.close();
  });

  const flood = (n: number) =>
    Promise.all(Array.from({ length: n }, () => send(fns, FLOODER, random("ak_"))));
  const verifies = () => stack.clerkCalls().filter((c) => c === KEY_VERIFY).length;

  it("100 random ak_ keys from one client cost ≤ 25 calls, never a 200 or a 500; the rest 503 Retry-After: 1", async () => {
    // The default deadline: a loaded machine answering slowly is not what this measures.
    fns = await host.start({
      ...stack.env,
      CLERK_JWT_KEY: stack.clerk.jwtKeyPem,
      UPSTREAM_TIMEOUT_MS: "8000",
    });
    stack.resetCalls();
    const answers = await flood(100);
    expect(answers.filter((a) => a.status !== 401 && a.status !== 503)).toEqual([]);
    expect(verifies()).toBeGreaterThanOrEqual(REFUSALS_PER_CLIENT);
    expect(verifies()).toBeLessThanOrEqual(25);
    for (const a of answers.filter((x) => x.status === 503)) {
      expect(a).toEqual({ status: 503, retryAfter: "1", code: "upstream_unavailable" });
    }
  });

  it("while that client keeps flooding, another client's new API key → 200", async () => {
    const key = stack.clerk.machineAuth.createApiKey({ subject: "user_alice" });
    // Its flood goes on around the other client's first verification.
    const [, other] = await Promise.all([flood(50), send(fns, OTHER, key), flood(50)]);
    expect(other.status).toBe(200);
  });
}

describe("source (Netlify's context.ip)", () => fairness(sourceHost, fromContext));
describe("Netlify bundles on Node (the socket's peer address)", () => fairness(nodeBundleHost, fromSocket));
describe("Supabase bundles under Deno (x-forwarded-for)", () => fairness(denoHost, fromForwarded));
