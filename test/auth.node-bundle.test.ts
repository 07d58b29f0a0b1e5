import { describe } from "vitest";
import { authTableSuite } from "./support/auth-runner.ts";
import { nodeBundleHost } from "./support/process-hosts.ts";

describe("Netlify bundles (dist/netlify) on Node", () => authTableSuite(nodeBundleHost));
