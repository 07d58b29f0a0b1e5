import { beforeAll, describe } from "vitest";
import { netlifyCli } from "../scripts/lib/netlify-cli.ts";
import { behaviourSuite } from "./behaviour/suite.ts";
import { netlifyDevHost } from "./support/process-hosts.ts";

// The first run installs the pinned netlify-cli into .tools/ (about a minute), longer than a hook may take.
beforeAll(() => void netlifyCli(), 10 * 60_000);

describe("Netlify bundles under the real netlify dev", () => behaviourSuite(netlifyDevHost));
