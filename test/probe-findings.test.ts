// What an attacker's and an operator's probe of the functions found, one case each: every case here
// failed before its fix.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalServer, serveFunctions } from "../scripts/serve.ts";
import { standInMode, tryItSite } from "../scripts/try-it.ts";
import { Name } from "../shared/name.ts";
import { type Running, sourceHost } from "./support/hosts.ts";
import { denoHost } from "./support/process-hosts.ts";
import { sourceWithSession } from "./support/source-session.ts";
import { type Stack, startStack } from "./support/stack.ts";

describe("names a person can type: blank-looking names", () => {
  // Default-ignorable code points render as nothing; a name made only of them looks blank.
  it.each([
    ["soft hyphen + combining grapheme joiner", "\u00AD\u034F"],
    ["Hangul filler", "\u3164"],
    ["Arabic letter mark + left-to-right mark", "\u061C\u200E"],
    ["variation selector", "\uFE0F"],
    ["tag characters", "\u{E0041}\u{E0042}"],
  ])("%s is refused", (_label, name) => {
    expect(Name.safeParse(name).success).toBe(false);
  });
});

describe("update-user: a form body that is not UTF-8 once percent-decoded", () => {
  const session = sourceWithSession();

  it("firstName=%FF is a 400, not a name of U+FFFD stored at Clerk", async () => {
    session.stack.resetCalls();
    const res = await session.fns.call("update-user", {
      headers: {
        authorization: `Bearer ${session.token}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "firstName=%FF%FE",
    });
    expect(res.status).toBe(400);
    expect(session.stack.clerkCalls()).toEqual([]);
  });
});

describe("deadlines: the JWKS fetch counts against the request's upstream budget", () => {
  const TIMEOUT_MS = 1000;
  let stack: Stack;
  let fns: Running;
  beforeAll(async () => {
    stack = await startStack();
    // JWKS mode: the first request of the isolate fetches Clerk's keys.
    fns = await sourceHost.start({ ...stack.env, UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS) });
  });
  afterAll(async () => {
    await fns?.close();
    await stack?.close();
  });

  it("a slow JWKS answer plus a slow user lookup is a 504 within about one timeout", async () => {
    const token = await stack.clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 3600 });
    stack.clerk.server.fault({ path: "/v1/jwks", delayMs: 800 });
    stack.clerk.server.fault({ path: "/v1/users/user_alice", delayMs: 800 });
    const res = await fns.call("current-user", { headers: { authorization: `Bearer ${token}` } });
    // Before: 200 after ~1600 ms, twice the configured upstream deadline. The key fetch and the lookup
    // share one budget, so the lookup is cut short (or never begun) however fast this machine is.
    expect(res.status).toBe(504);
    await expect
      .poll(() => stack.clerk.server.requests.filter((r) => r.path === "/v1/users/user_alice" && !r.aborted))
      .toEqual([]);
  });
});

describe("CLERK_MACHINE_SECRET_KEY narrows JWT-format M2M tokens too", () => {
  let stack: Stack;
  let fns: Running;
  beforeAll(async () => {
    stack = await startStack();
    fns = await sourceHost.start({
      ...stack.env,
      CLERK_MACHINE_SECRET_KEY: stack.clerk.seedMachines.api.secretKey,
    });
  });
  afterAll(async () => {
    await fns?.close();
    await stack?.close();
  });

  it("an M2M JWT of a machine not scoped to ours is 401, like its opaque twin", async () => {
    const rogue = stack.clerk.machineAuth.createMachine("rogue", []);
    const opaque = await stack.clerk.machineAuth.mintM2MToken({ machineId: rogue.id });
    const jwt = await stack.clerk.machineAuth.mintM2MToken({ machineId: rogue.id, format: "jwt" });
    const call = (t: string) => fns.call("protected", { headers: { authorization: `Bearer ${t}` } });
    expect((await call(opaque)).status).toBe(401);
    expect((await call(jwt)).status).toBe(401);
  });

  it("an M2M JWT scoped to ours is 401 without CLERK_MACHINE_ID (cannot be told apart), 200 with it", async () => {
    const { caller, api } = stack.clerk.seedMachines;
    const jwt = await stack.clerk.machineAuth.mintM2MToken({ machineId: caller.id, format: "jwt" });
    const headers = { authorization: `Bearer ${jwt}` };
    expect((await fns.call("protected", { headers })).status).toBe(401);
    expect(fns.logs().at(-1)?.reason).toBe("machine-token-not-scoped");
    const named = await sourceHost.start({
      ...stack.env,
      CLERK_MACHINE_SECRET_KEY: api.secretKey,
      CLERK_MACHINE_ID: api.id,
    });
    try {
      expect((await named.call("protected", { headers })).status).toBe(200);
    } finally {
      await named.close();
    }
  });
});

describe("try-it local sign-in under DNS rebinding", () => {
  let stack: Stack;
  let server: LocalServer;
  beforeAll(async () => {
    stack = await startStack();
    // The local host as npm start runs it, serving the page and its stand-in sign-in.
    server = await serveFunctions({}, { site: tryItSite(standInMode(stack.env)) });
  });
  afterAll(async () => {
    await server?.close();
    await stack?.close();
  });

  it("a page served under another host name that resolves to loopback cannot sign in", async () => {
    const host = `attacker.example:${server.port}`;
    const res = await rawRequest(
      server.port,
      `POST /__local/sign-in?user=user_alice HTTP/1.1\r\nHost: ${host}\r\nOrigin: http://${host}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
    );
    // Only the status line and a yes/no: a failure must not print the minted session token.
    expect(statusLine(res)).not.toMatch(/ 200 /);
    expect(/set-cookie: __session=/i.test(res)).toBe(false);
  });
});

describe("Deno bundles: a Host header that is no host", () => {
  let stack: Stack;
  let fns: Running;
  beforeAll(async () => {
    stack = await startStack();
    fns = await denoHost.start(stack.env);
  }, 60_000);
  afterAll(async () => {
    await fns?.close();
    await stack?.close();
  });

  it("is answered 4xx, not 500 internal_error", async () => {
    const url = new URL(fns.urlFor("protected"));
    const res = await rawRequest(
      Number(url.port),
      `GET ${url.pathname} HTTP/1.1\r\nHost: [::1\r\nConnection: close\r\n\r\n`,
    );
    expect(statusLine(res)).not.toMatch(/^HTTP\/1\.1 5/);
  });
});

const statusLine = (res: string) => res.split("\r\n", 1)[0];

/** One request written as raw bytes: a Host header fetch() would never send. */
function rawRequest(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(head));
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
    });
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}
