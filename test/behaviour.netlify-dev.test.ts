import { describe } from "vitest";
import { behaviourSuite } from "./behaviour.ts";
import { netlifyDevHost } from "./support/process-hosts.ts";

describe("Netlify bundles under the real netlify dev", () => behaviourSuite(netlifyDevHost));
