// npm run dev:netlify: the built functions under the real `netlify dev` (pinned netlify-cli, fetched
// into .tools/ on first use; Deno on PATH so it works offline; telemetry off). Which Clerk and Supabase
// it uses is decided and said as with `npm start` (lib/start-mode.ts): the local stand-ins are started and
// wired in when no CLERK_* or SUPABASE_* variable is set in the environment or .env.
import { spawn } from "node:child_process";
import { build } from "./build.ts";
import { netlifyCli, netlifyEnv } from "./lib/netlify-cli.ts";
import { loadDotEnv, ROOT } from "./lib/paths.ts";
import { startMode } from "./lib/start-mode.ts";
import { startLocalServices } from "./local-services.ts";

loadDotEnv();
const port = Number(process.env.PORT ?? 8888);

const mode = startMode(process.env);
if (mode.kind === "refused") {
  console.error(`Not starting: ${mode.why}`);
  process.exit(1);
}
console.log(mode.why);

await build();
const cli = netlifyCli();
const services = mode.kind === "stand-ins" ? await startLocalServices(`http://localhost:${port}`) : undefined;

// netlify dev hands the functions its own process environment (and the site's .env).
const child = spawn(cli, ["dev", "--offline", "--no-open", "--skip-gitignore", "--port", String(port)], {
  cwd: ROOT,
  stdio: "inherit",
  env: { ...process.env, ...netlifyEnv(services?.env) },
});
if (services) {
  console.log(
    `${services.banner(`http://localhost:${port}`)}\n(netlify dev is starting; the URLs work once it says ready)`,
  );
}
const stop = async (code: number) => {
  child.kill("SIGTERM");
  await services?.close();
  process.exit(code);
};
process.once("SIGINT", () => void stop(0));
process.once("SIGTERM", () => void stop(0));
child.once("exit", (code) => void stop(code ?? 0));
