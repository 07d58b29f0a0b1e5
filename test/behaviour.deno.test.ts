import { describe } from "vitest";
import { behaviourSuite } from "./behaviour/suite.ts";
import { denoHost } from "./support/process-hosts.ts";

describe("Supabase bundles (dist/supabase) under deno serve", () => behaviourSuite(denoHost));
