// `npm start` says which Clerk and Supabase it uses and why, refuses a half-real configuration, and with
// real keys asks Clerk once before serving: a wrong key or an unreachable Clerk stops it with a message
// instead of surfacing later as 502s. Run against the real local Clerk stand-in.
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { useStandIns } from "../support/fixture.ts";
import { runNpmStart } from "../support/npm-start.ts";

const READY = "Functions ready";

const standIns = useStandIns();

/** A local port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe("npm start with real keys checks them with Clerk once before serving", () => {
  it("keys Clerk accepts → serves, saying it uses your Clerk, after one Backend API call", async () => {
    standIns.stack.resetCalls();
    const { code, out } = await runNpmStart(standIns.stack.env, READY);
    expect(code).toBeNull();
    expect(out).toContain("CLERK_SECRET_KEY is set (environment or .env): using your Clerk and Supabase.");
    expect(out).toContain(READY);
    expect(standIns.stack.jwksFetches()).toBe(1);
    expect(standIns.stack.clerkCalls()).toEqual([]);
  });

  it("a well-formed secret key Clerk rejects → exit 1, 'Clerk rejected CLERK_SECRET_KEY', never the key", async () => {
    const wrong = `sk_test_${"x".repeat(40)}`;
    const { code, out } = await runNpmStart({ ...standIns.stack.env, CLERK_SECRET_KEY: wrong }, READY);
    expect(code).toBe(1);
    expect(out).toContain("Clerk rejected CLERK_SECRET_KEY (HTTP 401)");
    expect(out).not.toContain(READY);
    expect(out).not.toContain(wrong);
  });

  it("an unreachable CLERK_API_URL → exit 1, 'cannot reach Clerk at <url>'", async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const { code, out } = await runNpmStart({ ...standIns.stack.env, CLERK_API_URL: url }, READY);
    expect(code).toBe(1);
    expect(out).toContain(`cannot reach Clerk at ${url}`);
    expect(out).not.toContain(READY);
  });
});

describe("npm start says which mode it runs in, and why", () => {
  it("no CLERK_* or SUPABASE_* variable → the local stand-ins, said so", async () => {
    const { code, out } = await runNpmStart({}, READY);
    expect(code).toBeNull();
    expect(out).toContain(
      "No CLERK_* or SUPABASE_* variable is set (environment or .env): using local stand-ins.",
    );
  });

  it("some variables but no CLERK_SECRET_KEY → refused, naming them, never the stand-ins", async () => {
    const { CLERK_SECRET_KEY: _, ...rest } = standIns.stack.env;
    const { code, out } = await runNpmStart(
      { CLERK_PUBLISHABLE_KEY: rest.CLERK_PUBLISHABLE_KEY!, SUPABASE_URL: rest.SUPABASE_URL! },
      READY,
    );
    expect(code).toBe(1);
    expect(out).toContain(
      "CLERK_PUBLISHABLE_KEY, SUPABASE_URL are set (environment or .env) but CLERK_SECRET_KEY is not.",
    );
    expect(out).not.toContain(READY);
    expect(out).not.toContain("stand-ins are running");
  });
});
