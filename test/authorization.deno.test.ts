import { afterAll, describe } from "vitest";
import { buildAuthzProbes } from "./support/authz-probes.ts";
import { authorizationTableSuite } from "./support/authz-runner.ts";
import { denoHostOf } from "./support/process-hosts.ts";

const probes = await buildAuthzProbes(["supabase"]);
afterAll(() => probes.remove());

describe("the authorization table on Supabase bundles under deno serve", () =>
  authorizationTableSuite(probes, [denoHostOf(probes)]));
