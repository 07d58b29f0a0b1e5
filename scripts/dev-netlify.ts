// npm run dev:netlify: the built functions under the real `netlify dev` (pinned netlify-cli, fetched
// into .tools/ on first use; offline: Deno on PATH and Netlify's edge bootstrap from netlify-cli's own
// tree; telemetry off): Netlify Functions (Node) at /api/<name>, Netlify Edge Functions (Deno) at
// /edge/<name>. Which Clerk and Supabase it uses is decided and said as with `npm start`
// (lib/start-mode.ts): the local stand-ins are started and wired in when no CLERK_* or SUPABASE_* variable
// is set in the environment or .env.
//   PORT=8888 STATIC_PORT=8889 npm run dev:netlify
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { build } from "./build.ts";
import { netlifyCli, netlifyEnv } from "./lib/netlify-cli.ts";
import { edgePath, localSiteToml } from "./lib/netlify-edge.ts";
import { loadDotEnv, ROOT } from "./lib/paths.ts";
import { startMode } from "./lib/start-mode.ts";
import { startLocalServices } from "./local-services.ts";

// The variables the functions read (see .env.example).
const CONFIG_VARIABLE = /^(CLERK_|SUPABASE_|CORS_|UPSTREAM_|DATA_TABLE$|SIGN_IN_URL$)/;

/**
 * The site netlify dev serves: the repository's netlify.toml, public/ and dist/ (linked, so a rebuild
 * is picked up) and a .env of its own. Edge functions under netlify dev read variables only from the
 * site's .env, never from netlify dev's environment, so the configuration the Node functions get (the
 * repository's .env, the shell's variables, the stand-ins') is written there for both to read.
 */
function devSite(env: Record<string, string>): string {
  // Outside the repository: inside it, netlify dev takes the repository's root as the site's.
  const site = mkdtempSync(join(tmpdir(), "netlify-dev-site-"));
  // netlify.toml copied, not linked: netlify dev takes the folder of its real path as the site (and
  // would read the repository's .env instead of this one).
  // It declares the edge paths too, which netlify dev cannot read from the bundles offline.
  writeFileSync(join(site, "netlify.toml"), localSiteToml());
  for (const path of ["public", "dist"]) symlinkSync(join(ROOT, path), join(site, path));
  const dotEnv = join(ROOT, ".env");
  const fromFile = existsSync(dotEnv) ? parseEnv(readFileSync(dotEnv, "utf8")) : {};
  const fromShell = Object.entries(process.env).filter(
    ([k, v]) => CONFIG_VARIABLE.test(k) && v !== undefined,
  );
  const all = { ...fromFile, ...Object.fromEntries(fromShell), ...env };
  const lines = Object.entries(all).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  writeFileSync(join(site, ".env"), `${lines.join("\n")}\n`, { mode: 0o600 });
  return site;
}

loadDotEnv();
const port = Number(process.env.PORT ?? 8888);
// netlify dev's static server (public/) otherwise always takes 3999, so two of them collide.
const staticPort = Number(process.env.STATIC_PORT ?? port + 1);

const mode = startMode(process.env);
if (mode.kind === "refused") {
  console.error(`Not starting: ${mode.why}`);
  process.exit(1);
}
console.log(mode.why);

await build();
const cli = netlifyCli();
const origin = `http://localhost:${port}`;
const services = mode.kind === "stand-ins" ? await startLocalServices(origin) : undefined;
const site = devSite(services?.env ?? {});

const ports = ["--port", String(port), "--staticServerPort", String(staticPort)];
const child = spawn(cli, ["dev", "--offline", "--no-open", "--skip-gitignore", ...ports], {
  cwd: site,
  stdio: "inherit",
  env: { ...process.env, ...netlifyEnv(services?.env) },
});
if (services) console.log(services.banner(origin));
console.log(`
netlify dev on ${origin} (PORT=${port}; its static server on ${staticPort}, STATIC_PORT): the Node functions
at ${origin}/api/<name>, the edge functions at ${origin}${edgePath("<name>")}, e.g.
  curl -i ${origin}${edgePath("protected")}
Another port: PORT=9999 npm run dev:netlify. The edge functions load a little after netlify dev says ready.
`);
const stop = async (code: number) => {
  child.kill("SIGTERM");
  await services?.close();
  rmSync(site, { recursive: true, force: true });
  process.exit(code);
};
process.once("SIGINT", () => void stop(0));
process.once("SIGTERM", () => void stop(0));
child.once("exit", (code) => void stop(code ?? 0));
