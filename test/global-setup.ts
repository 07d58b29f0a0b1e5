// Every test run checks the bundles users deploy, so build them first (about a second).
import { build } from "../scripts/build.ts";

export default async function setup(): Promise<void> {
  const over = (await build()).filter((r) => r.raw > r.budget);
  if (over.length > 0) throw new Error(`bundles over budget: ${over.map((r) => `${r.target}/${r.fn}`).join(", ")}`);
}
