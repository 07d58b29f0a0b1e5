import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // A poll waits for behaviour (a page drawn, a log line written), not for speed: on a busy 2-core
    // machine the default 1 s fails tests whose answer is right but late.
    expect: { poll: { timeout: 15_000 } },
  },
});
