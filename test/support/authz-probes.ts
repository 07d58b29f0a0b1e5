// The authorization table on real hosts needs functions that declare each of its requirements. They are
// written here from the table (one function per distinct declaration, named after its first case) into a
// folder of .test-build/, and built by the project's own build (scripts/build.ts: same entries, plugins
// and targets), so a bundle judges exactly as a deployed function with that declaration would.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bundleFunctions } from "../../scripts/build.ts";
import type { Platform } from "../../scripts/lib/esbuild-targets.ts";
import { loadFunctions } from "../../scripts/lib/functions.ts";
import { ROOT } from "../../scripts/lib/paths.ts";
import { AUTHZ_CASES, type AuthzCase, acceptsFor, REFUSED_AT_DEFINITION } from "../authorization-table.ts";
import type { Bundles } from "./process-hosts.ts";

export interface Probes extends Bundles {
  /** Where the probe sources are (for the in-process host). */
  functionsDir: string;
  /** The probe that declares the case's requirement. */
  probeFor(c: AuthzCase): string;
  /** The cases a function can be declared for (the others fail at definition). */
  cases: AuthzCase[];
  remove(): void;
}

const declarationKey = (c: AuthzCase) => JSON.stringify([acceptsFor(c), c.requires]);

/** A probe answers what the function saw, so a test can tell the caller got through as who it was. */
function probeSource(c: AuthzCase): string {
  const shared = (file: string) => JSON.stringify(join(ROOT, "shared", file));
  return `import * as z from "zod/mini";
import { defineFunction } from ${shared("handler.ts")};
import { json } from ${shared("http.ts")};

export default defineFunction({
  summary: ${JSON.stringify(`Authorization probe for ${c.id}`)},
  method: "GET",
  accepts: ${JSON.stringify(acceptsFor(c))},
  requires: ${JSON.stringify(c.requires)},
  response: { schema: z.object({ tokenType: z.string(), orgId: z.nullable(z.string()) }) },
  async handle(_req, { auth }) {
    return json({ tokenType: auth.tokenType, orgId: ("orgId" in auth && auth.orgId) || null });
  },
});
`;
}

/** Writes one function per declaration of the table and bundles them for `targets` (none: source only). */
export async function buildAuthzProbes(targets: Platform[]): Promise<Probes> {
  // Inside the repository, so the probes resolve zod and the SDK from its node_modules.
  mkdirSync(join(ROOT, ".test-build"), { recursive: true });
  const dist = mkdtempSync(join(ROOT, ".test-build", "authz-"));
  const functionsDir = join(dist, "functions");
  mkdirSync(functionsDir);
  const cases = AUTHZ_CASES.filter((c) => !REFUSED_AT_DEFINITION.has(c.id));
  const byDeclaration = new Map<string, string>();
  for (const c of cases) {
    const key = declarationKey(c);
    if (byDeclaration.has(key)) continue;
    const name = `authz-${c.id}`;
    byDeclaration.set(key, name);
    writeFileSync(join(functionsDir, `${name}.ts`), probeSource(c));
  }
  const functions = await loadFunctions(functionsDir);
  if (targets.length > 0) await bundleFunctions(functions, { functionsDir, outDir: dist, targets });
  return {
    dist,
    functionsDir,
    names: functions.map((fn) => fn.name),
    cases,
    probeFor: (c) => byDeclaration.get(declarationKey(c))!,
    remove: () => rmSync(dist, { recursive: true, force: true }),
  };
}
