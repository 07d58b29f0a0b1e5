import { beforeAll, describe } from "vitest";
import { netlifyCli } from "../scripts/lib/netlify-cli.ts";
import { authTableSuite } from "./support/auth-runner.ts";
import { netlifyDevHost, netlifyEdgeHost } from "./support/process-hosts.ts";

// The first run installs the pinned netlify-cli into .tools/ (about a minute), longer than a hook may take.
beforeAll(() => void netlifyCli(), 10 * 60_000);

// One netlify dev serves both: the Node functions at /api/<name>, the edge functions at /edge/<name>.
describe("Netlify Functions and Edge Functions under the real netlify dev", () =>
  authTableSuite(netlifyDevHost, netlifyEdgeHost));
