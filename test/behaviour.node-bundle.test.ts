import { describe } from "vitest";
import { behaviourSuite } from "./behaviour/suite.ts";
import { nodeBundleHost } from "./support/process-hosts.ts";

describe("Netlify bundles (dist/netlify) on Node", () => behaviourSuite(nodeBundleHost));
