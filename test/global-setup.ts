// Every test run checks the bundles users deploy, so build them first (about a second), and make sure
// the pinned netlify-cli is present for the netlify dev host (installed into .tools/ once).
import { build } from "../scripts/build.ts";
import { netlifyCli } from "../scripts/netlify-cli.ts";

export default async function setup(): Promise<void> {
  const over = (await build()).filter((r) => r.raw > r.budget);
  if (over.length > 0)
    throw new Error(`bundles over budget: ${over.map((r) => `${r.target}/${r.fn}`).join(", ")}`);
  netlifyCli();
}
