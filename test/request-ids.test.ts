// Request ids: the response carries the caller's x-request-id when it is sane, else the platform's, else a
// new one; the log line always keeps the platform's own id (Netlify's x-nf-request-id, Supabase's
// sb-request-id), so an operator can match it with the platform's logs whatever the caller sends.
import { describe, expect, it } from "vitest";
import { useFunctions } from "./support/fixture.ts";
import { type Host, sourceHost } from "./support/hosts.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";

const NF = "01JDKQ7V8Z3X9M2N4P6R8T0W2Y";
const SB = "9b2c7e1a-4f3d-4e8a-b6c1-0d2e3f4a5b6c";
const CLIENT = "client-trace-0001";

interface Case {
  name: string;
  headers: Record<string, string>;
  answered: string | RegExp;
  platform?: string;
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const CASES: Case[] = [
  {
    name: "client id + Netlify id → answers the client's, logs both",
    headers: { "x-request-id": CLIENT, "x-nf-request-id": NF },
    answered: CLIENT,
    platform: NF,
  },
  {
    name: "invalid client id + Netlify id → answers Netlify's, logs it",
    headers: { "x-request-id": "bad id\twith spaces", "x-nf-request-id": NF },
    answered: NF,
    platform: NF,
  },
  {
    name: "client id + Supabase id → answers the client's, logs Supabase's",
    headers: { "x-request-id": CLIENT, "sb-request-id": SB },
    answered: CLIENT,
    platform: SB,
  },
  {
    name: "Supabase id alone → answered and logged",
    headers: { "sb-request-id": SB },
    answered: SB,
    platform: SB,
  },
  {
    name: "client id alone → answered, no platform id",
    headers: { "x-request-id": CLIENT },
    answered: CLIENT,
  },
  { name: "nothing sane → a generated id", headers: { "x-request-id": "short" }, answered: UUID },
];

function ids(host: Host): void {
  const session = useFunctions({ host, mode: "networkless" });
  it.each(CASES)("$name", async (c) => {
    const res = await session.fns.call("protected", { headers: c.headers });
    const answered = res.headers.get("x-request-id")!;
    expect(answered).toMatch(typeof c.answered === "string" ? new RegExp(`^${c.answered}$`) : c.answered);
    expect(((await res.json()) as { error: { requestId: string } }).error.requestId).toBe(answered);
    // Lines arrive asynchronously from child processes.
    await expect.poll(() => session.fns.logs().findLast((l) => l.requestId === answered)).toBeDefined();
    const line = session.fns.logs().findLast((l) => l.requestId === answered)!;
    expect(line.platformRequestId).toBe(c.platform);
  });
}

describe("source", () => ids(sourceHost));
describe("Netlify bundles on Node", () => ids(nodeBundleHost));
describe("Supabase bundles under Deno", () => ids(denoHost));
