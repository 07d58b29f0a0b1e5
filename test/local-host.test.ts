// The local host (scripts/serve.ts, behind npm start and the Node bundle tests) answers requests no
// Web-standard function can be handed as the platforms do: JSON 405 / 400, no crash, no stack trace. The
// Supabase bundles under deno serve, handed a URL that does not parse, answer 4xx too.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BundleServer, startBundleServer } from "../scripts/lib/bundle-server.ts";
import { useFunctions, useStandIns } from "./support/fixture.ts";
import { expectDocumented } from "./support/openapi.ts";
import { rawSocket, responseOf, statusLine } from "./support/probe.ts";
import { denoHost } from "./support/process-hosts.ts";

/**
 * Sends `request` verbatim (fetch refuses TRACE and rewrites Host) and returns the raw answer; HTTP/1.0
 * requests get a body without chunked encoding.
 */
function raw(url: string, request: string): Promise<{ status: number; headers: string; body: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // Written, not ended: Node closes a half-closed connection before a slow answer; HTTP/1.0 closes after it.
    const socket = connect(Number(port), hostname, () => socket.write(request));
    let data = "";
    socket.setEncoding("utf8").on("data", (chunk) => {
      data += chunk;
    });
    socket.on("error", reject).on("close", () => {
      const [head = "", body = ""] = data.split("\r\n\r\n");
      resolve({ status: Number(head.split(" ")[1]), headers: head.toLowerCase(), body });
    });
  });
}

describe("scripts/serve.ts over the Netlify bundles", () => {
  const standIns = useStandIns();
  let server: BundleServer;
  beforeAll(async () => {
    server = await startBundleServer(standIns.stack.env);
  });
  afterAll(async () => {
    await server?.close();
  });

  const noStack = () => expect(server.lines.filter((l) => /\n?\s+at |Error:|TypeError/.test(l))).toEqual([]);

  // Node's HTTP parser itself refuses TRACK (400) and closes CONNECT without a tunnel handler.
  it("TRACE /api/protected → 405 JSON method_not_allowed", async () => {
    const res = await raw(server.url, "TRACE /api/protected HTTP/1.0\r\nHost: localhost\r\n\r\n");
    expect(res.status).toBe(405);
    expect(res.headers).toMatch(/content-type: application\/json/);
    expect(res.headers).toMatch(/\r\nallow: /);
    expect(JSON.parse(res.body).error.code).toBe("method_not_allowed");
    noStack();
  });

  it.each(["a b", "[::1", "x:99999", "user@evil.example", "host/path"])(
    "Host %j → 400 JSON bad_request",
    async (hostHeader) => {
      const res = await raw(server.url, `GET /api/protected HTTP/1.0\r\nHost: ${hostHeader}\r\n\r\n`);
      expect(res.status).toBe(400);
      expect(res.headers).toMatch(/content-type: application\/json/);
      const body = JSON.parse(res.body) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe("bad_request");
      expect(body.error.requestId).toMatch(/^[\w-]{8,}$/);
      noStack();
    },
  );

  it.each(["localhost:8888", "127.0.0.1", "[::1]:8888", "example.com"])(
    "Host %j still reaches the function → 401",
    async (hostHeader) => {
      const res = await raw(server.url, `GET /api/protected HTTP/1.0\r\nHost: ${hostHeader}\r\n\r\n`);
      expect(res.status).toBe(401);
    },
  );
});

describe("the Supabase bundles under deno serve: a Host header that is no host", () => {
  const session = useFunctions({ host: denoHost, users: [] });

  it("is answered 4xx, not 500 internal_error, as the OpenAPI document says", async () => {
    const url = new URL(session.fns.urlFor("protected"));
    const res = await rawSocket(
      Number(url.port),
      `GET ${url.pathname} HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n`,
    );
    expect(statusLine(res)).not.toMatch(/^HTTP\/1\.1 5/);
    // The function's own answer (400 bad_request) must be one its operation documents.
    await expectDocumented("protected", "GET", responseOf(res));
  });
});
