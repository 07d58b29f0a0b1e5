import { afterAll, describe } from "vitest";
import { buildAuthzProbes } from "./support/authz-probes.ts";
import { authorizationTableSuite } from "./support/authz-runner.ts";
import { sourceHostOf } from "./support/hosts.ts";
import { nodeBundleHostOf } from "./support/process-hosts.ts";

const probes = await buildAuthzProbes(["netlify"]);
afterAll(() => probes.remove());

describe("the authorization table through the boundary, in-process", () =>
  authorizationTableSuite(probes, [sourceHostOf(probes.functionsDir, probes.names)]));

describe("the authorization table on Netlify bundles (Node)", () =>
  authorizationTableSuite(probes, [nodeBundleHostOf(probes)]));
