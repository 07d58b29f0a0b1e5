// A client that goes away mid-upload is not a server fault. Supabase Edge streams the body to the
// function and the local Node host does too: the read fails under the function (Node: "aborted", Deno:
// BadResource). That is a 400 bad_request logged at info — no 500, no error-level line, no upstream call.
import { connect } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Host, type Running, sourceHost } from "./support/hosts.ts";
import { requestId } from "./support/probe.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";
import { type Stack, startStack } from "./support/stack.ts";

const ALICE = "user_alice";
const PARTIAL = '{"firstName":';

/** Waits for the log line of `id` (process hosts write it a moment after the request ends). */
async function logLine(fns: Running, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 250; i++) {
    const line = fns.logs().find((l) => l.requestId === id);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no log line for ${id}`);
}

function clientAbort(host: Host, send: (fns: Running, token: string, id: string) => Promise<unknown>): void {
  let stack: Stack;
  let fns: Running;
  let token: string;
  beforeAll(async () => {
    stack = await startStack();
    fns = await host.start({ ...stack.env, CLERK_JWT_KEY: stack.clerk.jwtKeyPem });
    token = await stack.clerk.mintSessionToken({ userId: ALICE, ttlSeconds: 3600 });
  });
  afterAll(async () => {
    await fns?.close();
    await stack?.close();
  });
  beforeEach(() => stack.resetCalls());

  it("Content-Length 100, 13 bytes, then the client is gone → 400 bad_request at info, no Clerk call", async () => {
    const id = requestId("client-abort");
    await send(fns, token, id);
    const line = await logLine(fns, id);
    expect(line.status).toBe(400);
    expect(line.level).toBe("info");
    expect(line.reason).toBe("body-incomplete");
    expect(line.error).toBeUndefined();
    expect(fns.logs().filter((l) => l.level === "error")).toEqual([]);
    expect(stack.clerkCalls()).toEqual([]);
    // The function still serves the next request.
    const next = await fns.call("protected", { headers: { authorization: `Bearer ${token}` } });
    expect(next.status).toBe(200);
  });
}

/** In process, the client going away is the body stream failing after its first bytes. */
async function failingStream(fns: Running, token: string, id: string): Promise<void> {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(PARTIAL));
      setTimeout(() => controller.error(new Error("aborted")), 300);
    },
  });
  const res = await fns.call("update-user", {
    headers: {
      authorization: `Bearer ${token}`,
      "content-type": "application/json",
      "content-length": "100",
      "x-request-id": id,
    },
    body,
  });
  expect(res.status).toBe(400);
  expect(((await res.json()) as { error: { code: string } }).error.code).toBe("bad_request");
}

/** Over a real socket: headers promising 100 bytes, 13 of them, and the socket destroyed 300 ms later. */
function droppedSocket(fns: Running, token: string, id: string): Promise<void> {
  const url = new URL(fns.urlFor("update-user"));
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(
        [
          `POST ${url.pathname} HTTP/1.1`,
          `Host: ${url.host}`,
          `Authorization: Bearer ${token}`,
          "Content-Type: application/json",
          "Accept: application/json",
          "Content-Length: 100",
          `X-Request-Id: ${id}`,
          "",
          PARTIAL,
        ].join("\r\n"),
      );
      setTimeout(() => {
        socket.destroy();
        resolve();
      }, 300);
    });
    socket.on("error", reject);
  });
}

describe("source", () => clientAbort(sourceHost, failingStream));
describe("Netlify bundles on Node", () => clientAbort(nodeBundleHost, droppedSocket));
describe("Supabase bundles under Deno", () => clientAbort(denoHost, droppedSocket));
