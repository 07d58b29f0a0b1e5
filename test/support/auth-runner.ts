// Runs the auth decision table (test/auth-table.ts) on one host, in JWKS and networkless mode: each case
// must get its status, log its reason under its own request id, and a 401 must keep the reason out of
// the response. Clerk's handshake and refresh inputs must cost no Clerk call.
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ClerkStandIn, startClerkStandIn } from "../../scripts/stand-ins/clerk.ts";
import { type StandInServer, serve } from "../../scripts/stand-ins/http.ts";
import { type Attempt, AUTH_CASES, type AuthCase, bearer, mint, nowS, perMode } from "../auth-table.ts";
import { APP_URL, type Host, type Running } from "./hosts.ts";
import { forEachMode, type Mode, type ModeContext } from "./modes.ts";
import { type AttackerKey, attackerKey, logFor, rawRequest, requestId } from "./probe.ts";
import { APP_ORIGIN, type Stack } from "./stack.ts";

/**
 * Hosts behind Node's HTTP parser, which refuses headers over 16 KiB with 431 before the function runs
 * (scripts/serve.ts stands in for Netlify's front end; netlify dev is a Node server too, in front of its
 * edge functions as well).
 */
const NODE_HEADER_LIMIT = new Set(["node-bundles", "netlify-dev", "netlify-edge"]);

/** The status and logged reason a case must get in `mode` on `host`. */
function expectedFor(c: AuthCase, mode: Mode, host: Host): { status: number; reason: string | undefined } {
  const override = c.onHost?.[host.name];
  if (override) return { status: override.status, reason: override.reason };
  return { status: perMode(c.status, mode), reason: c.reason && perMode(c.reason, mode) };
}

export function authTableSuite(...hosts: Host[]): void {
  let other: ClerkStandIn;
  let attacker: AttackerKey;
  let attackerServer: StandInServer;
  beforeAll(async () => {
    other = await startClerkStandIn({
      frontendApiHost: "clerk.other.localhost",
      authorizedParty: APP_ORIGIN,
    });
    attacker = await attackerKey("attacker-kid");
    attackerServer = await serve(() => Response.json({ keys: [attacker.publicJwk] }));
  });
  afterAll(async () => {
    await other?.close();
    await attackerServer?.close();
  });

  forEachMode((mode, ctx, host) => {
    beforeAll(async () => {
      // Warm the isolate (import, JWKS) so the skew-boundary cases are not measured against a cold start.
      const res = await ctx.fns().call("protected", bearer(await mint(ctx.stack())));
      expect(res.status).toBe(200);
    });

    it.each(
      AUTH_CASES.map((c) => {
        const { status, reason } = expectedFor(c, mode, host);
        return [`[${c.id}] ${c.name} → ${status}${reason ? ` ${reason}` : ""}`, c] as const;
      }),
    )("%s", async (_title, c) => {
      const stack = ctx.stack();
      const fns = ctx.fns();
      const attempt = await c.attempt({ stack, other, attacker, attackerUrl: attackerServer.url });
      const id = requestId(`atk-${c.id}`);
      const { status, body, challenge, location } = await send(fns, attempt, id);
      const expected = expectedFor(c, mode, host);
      if (c.parserMayRefuse && NODE_HEADER_LIMIT.has(host.name) && status === 431) {
        // Refused by Node's HTTP parser: the function never ran, so there is no log line either.
        expect(await logFor(fns, id, 300)).toBeUndefined();
        return;
      }
      expect(status).toBe(expected.status);
      // API functions answer; they never send a browser through Clerk's handshake.
      expect(location).toBeNull();
      const line = await logFor(fns, id);
      expect(line?.status).toBe(expected.status);
      expect(line?.reason).toBe(expected.reason);
      if (expected.status === 401) {
        // Every case presents a token (RFC 6750 §3.1); the reason stays in the log.
        expect(challenge).toBe('Bearer realm="api", error="invalid_token"');
        expect(JSON.parse(body).error.code).toBe("unauthorized");
        expect(body).not.toMatch(/token-|jwk|signature|azp|kid/);
      }
    });

    it("the attacker's jku/x5u server was never contacted", () => {
      expect(attackerServer.requests).toEqual([]);
    });

    handshakeCases(ctx, mode, host);
  }, hosts);
}

const inProcess = (fns: Running) => fns.urlFor("protected").startsWith(APP_URL);

interface Sent {
  status: number;
  body: string;
  /** WWW-Authenticate */
  challenge: string | null;
  location: string | null;
}

async function sent(res: Response): Promise<Sent> {
  const { headers } = res;
  return {
    status: res.status,
    body: await res.text(),
    challenge: headers.get("www-authenticate"),
    location: headers.get("location"),
  };
}

const header = (value: string | string[] | undefined) => (typeof value === "string" ? value : null);

async function send(fns: Running, attempt: Attempt, id: string): Promise<Sent> {
  const query = attempt.query ? `?${attempt.query}` : "";
  if (attempt.raw && inProcess(fns)) {
    // No socket in-process: hand the function what a server makes of repeated headers (joined with ", ").
    const headers = new Headers();
    for (const [name, value] of attempt.raw) headers.append(name, value);
    headers.set("x-request-id", id);
    return sent(await fns.call("protected", { headers: Object.fromEntries(headers), query: attempt.query }));
  }
  if (attempt.raw) {
    const res = await rawRequest(`${fns.urlFor("protected")}${query}`, {
      headers: [...attempt.raw, ["x-request-id", id]],
    });
    const { status, body, headers } = res;
    return {
      status,
      body,
      challenge: header(headers["www-authenticate"]),
      location: header(headers.location),
    };
  }
  return sent(
    await fns.call("protected", {
      query: attempt.query,
      headers: { ...attempt.headers, "x-request-id": id },
    }),
  );
}

// Clerk's handshake and refresh machinery is for pages, and must neither run nor cost a Backend API call in these API functions.
function handshakeCases(ctx: ModeContext, mode: Mode, host: Host): void {
  const handshakeJwt = (s: Stack) => mint(s, { header: { kid: `ins_random_${crypto.randomUUID()}` } });
  it.each([
    [
      "?__clerk_handshake=<jwt>",
      async (s: Stack) => ({ query: `__clerk_handshake=${await handshakeJwt(s)}` }),
    ],
    [
      "__clerk_handshake cookie",
      async (s: Stack) => ({ headers: { cookie: `__clerk_handshake=${await handshakeJwt(s)}` } }),
    ],
    ["?__clerk_handshake_nonce=abc", async () => ({ query: "__clerk_handshake_nonce=abc" })],
    ["__clerk_handshake_nonce cookie", async () => ({ headers: { cookie: "__clerk_handshake_nonce=abc" } })],
    [
      "expired __session with __client_uat and a __refresh cookie",
      async (s: Stack) => ({
        headers: {
          cookie: `__session=${await mint(s, { now: nowS() - 120, ttlSeconds: 60 })}; __client_uat=${nowS() - 200}; __clerk_db_jwt=dvb_local; __refresh_abc=r`,
        },
      }),
    ],
  ] as const)("handshake/refresh: %s → 401 and no Clerk call", async (_name, build) => {
    const stack = ctx.stack();
    const attempt: Attempt = await build(stack);
    stack.resetCalls();
    const { status } = await send(ctx.fns(), attempt, requestId("hs"));
    expect(status).toBe(401);
    expect(stack.clerkCalls()).toEqual([]);
    // A warm isolate already holds Clerk's keys; a fresh one (JWKS mode) loads them once to verify the
    // __session token.
    const loadsKeys =
      host.isolatePerRequest && mode === "jwks" && attempt.headers?.cookie?.includes("__session=");
    expect(stack.jwksFetches()).toBe(loadsKeys ? 1 : 0);
  });
}
