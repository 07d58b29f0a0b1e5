// Every test run checks the bundles users deploy, so build them first (about a second). The pinned
// netlify-cli (~475 MB) is not installed here: only the netlify dev host needs it, and installs it itself.
import { build } from "../scripts/build.ts";

export default async function setup(): Promise<void> {
  const over = (await build()).filter((r) => r.raw > r.budget);
  if (over.length > 0)
    throw new Error(`bundles over budget: ${over.map((r) => `${r.target}/${r.fn}`).join(", ")}`);
}
