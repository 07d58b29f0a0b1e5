import { describe } from "vitest";
import { behaviourSuite } from "./behaviour.ts";
import { nodeBundleHost } from "./support/process-hosts.ts";

describe("Netlify bundles (dist/netlify) on Node", () => behaviourSuite(nodeBundleHost));
