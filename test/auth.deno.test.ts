import { describe } from "vitest";
import { authTableSuite } from "./support/auth-runner.ts";
import { denoHost } from "./support/process-hosts.ts";

describe("Supabase bundles (dist/supabase) under deno serve", () => authTableSuite(denoHost));
