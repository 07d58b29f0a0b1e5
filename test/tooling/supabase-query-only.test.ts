// The supabase-js bundled into the functions: the documented createClient(url, key, { accessToken })
// still builds a client whose PostgREST query works against the Supabase stand-in, while the clients
// left out (Auth, Realtime, Storage, Functions) say so when reached instead of failing obscurely.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLATFORM_OPTIONS } from "../../scripts/lib/esbuild-targets.ts";
import { ROOT } from "../../scripts/lib/paths.ts";
import { type StandIns, startStandIns } from "../../scripts/lib/stand-ins.ts";
import { supabaseQueryOnlyPlugin } from "../../scripts/lib/supabase-query-only.ts";

type CreateClient = typeof import("@supabase/supabase-js").createClient;

let stand: StandIns;
let dir: string;
let createClient: CreateClient;
let bytes: { with: number; without: number };

async function bundle(plugins: esbuild.Plugin[], outfile: string): Promise<number> {
  const result = await esbuild.build({
    stdin: {
      contents: 'export { createClient } from "@supabase/supabase-js";',
      resolveDir: ROOT,
      loader: "js",
    },
    bundle: true,
    format: "esm",
    logLevel: "warning",
    ...PLATFORM_OPTIONS.netlify,
    plugins,
    outfile,
    metafile: true,
  });
  return Object.values(result.metafile.outputs)[0]!.bytes;
}

beforeAll(async () => {
  stand = await startStandIns();
  dir = await mkdtemp(join(tmpdir(), "supabase-query-only-"));
  const file = join(dir, "with.mjs");
  bytes = {
    with: await bundle([supabaseQueryOnlyPlugin], file),
    without: await bundle([], join(dir, "without.mjs")),
  };
  ({ createClient } = (await import(pathToFileURL(file).href)) as { createClient: CreateClient });
});
afterAll(async () => {
  await stand.close();
  await rm(dir, { recursive: true, force: true });
});

describe("supabase-js without the clients a query never runs", () => {
  it("leaves most of the package out", () => {
    expect(bytes.with).toBeLessThan(bytes.without / 2);
  });

  it("runs the documented createClient(url, key, { accessToken }) query as the caller", async () => {
    const token = await stand.clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 600 });
    const client = createClient(stand.supabase.url, stand.supabase.publishableKey, {
      accessToken: async () => token,
    });
    const { data, error } = await client.from("tasks").select("*").limit(5);
    expect(error).toBeNull();
    expect(data!.length).toBeGreaterThan(0);
  });

  it("says what is left out when a function reaches for it", () => {
    const client = createClient(stand.supabase.url, stand.supabase.publishableKey, {
      accessToken: async () => "t",
    });
    const leftOut = /is left out of this bundle \(scripts\/lib\/supabase-query-only\.ts\)/;
    expect(() => client.channel("room")).toThrow(leftOut);
    expect(() => client.storage.from("bucket")).toThrow(leftOut);
    expect(() => client.functions.invoke("fn")).toThrow(leftOut);
    // supabase-js's own answer with accessToken set, as before.
    expect(() => client.auth.getUser()).toThrow(/accessToken option/);
  });
});
