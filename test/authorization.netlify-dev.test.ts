import { afterAll, beforeAll, describe } from "vitest";
import { netlifyCli } from "../scripts/lib/netlify-cli.ts";
import { buildAuthzProbes } from "./support/authz-probes.ts";
import { authorizationTableSuite } from "./support/authz-runner.ts";
import { netlifyDevHostOf, netlifyEdgeHostOf } from "./support/process-hosts.ts";

// The first run installs the pinned netlify-cli into .tools/ (about a minute), longer than a hook may take.
beforeAll(() => void netlifyCli(), 10 * 60_000);

const probes = await buildAuthzProbes(["netlify", "netlify-edge"]);
afterAll(() => probes.remove());

// One netlify dev serves both: the Node functions at /api/<name>, the edge functions at /edge/<name>.
describe("the authorization table under the real netlify dev (Functions and Edge Functions)", () =>
  authorizationTableSuite(probes, [netlifyDevHostOf(probes), netlifyEdgeHostOf(probes)]));
