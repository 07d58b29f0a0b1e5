// `npm start` (scripts/dev.ts) checks the whole configuration before it serves: an untouched copy of
// .env.example is refused with each problem said, never a value printed.
import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { EXAMPLE, ROOT as root, SUPABASE_URL_HINT } from "../support/env-example.ts";

describe("npm start validates the whole configuration before it serves", () => {
  const run = (env: Record<string, string>) =>
    new Promise<{ code: number | null; out: string }>((done) => {
      const proc = spawn(process.execPath, ["scripts/dev.ts"], {
        cwd: root,
        env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", PORT: "0", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      proc.stdout.on("data", (c) => {
        out += c;
      });
      proc.stderr.on("data", (c) => {
        out += c;
      });
      const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        done({ code, out });
      });
    });

  it("an untouched copy of .env.example → each problem printed, exit 1, never 'Functions ready'", async () => {
    const { code, out } = await run(EXAMPLE);
    expect(code).toBe(1);
    expect(out).not.toContain("Functions ready");
    expect(out).toContain("CLERK_SECRET_KEY must be your Clerk secret key");
    expect(out).toContain("CLERK_PUBLISHABLE_KEY must be your Clerk publishable key");
    expect(out).toContain(SUPABASE_URL_HINT);
    expect(out).toContain("SUPABASE_PUBLISHABLE_KEY must be");
    expect(out).not.toMatch(/Invalid input/);
    for (const value of Object.values(EXAMPLE)) if (value.length > 6) expect(out).not.toContain(value);
  });
});
