// npm start: the four functions at http://localhost:8888/api/<name>, served from source.
// With CLERK_SECRET_KEY set (in the environment or .env) it uses your real Clerk and Supabase, once Clerk
// has accepted the key; with no CLERK_* or SUPABASE_* variable at all, it starts the local Clerk and
// Supabase stand-ins and prints a ready session token. Anything in between is refused (lib/start-mode.ts).

import { configProblems, getConfig } from "../shared/config.ts";
import { FUNCTION_NAMES } from "./lib/functions.ts";
import { loadDotEnv } from "./lib/paths.ts";
import { clerkKeyProblem, startMode } from "./lib/start-mode.ts";
import { type LocalServices, startLocalServices } from "./local-services.ts";
import { type LocalServer, loadHandlers, serveFunctions } from "./serve.ts";
import { standInMode, tryItSite } from "./try-it.ts";

loadDotEnv();
const port = Number(process.env.PORT ?? 8888);
const origin = `http://localhost:${port}`;

let services: LocalServices | undefined;
let server: LocalServer | undefined;

async function shutdown(code: number): Promise<never> {
  await server?.close();
  await services?.close();
  process.exit(code);
}
process.once("SIGINT", () => void shutdown(0));
process.once("SIGTERM", () => void shutdown(0));

const mode = startMode(process.env);
if (mode.kind === "refused") {
  console.error(`Not starting: ${mode.why}`);
  await shutdown(1);
}
console.log(mode.why);
// The functions' modules load while the stand-ins start: neither waits for the other.
const handlers = loadHandlers();
if (mode.kind === "stand-ins") {
  services = await startLocalServices(origin);
  Object.assign(process.env, services.env);
}
// Every variable of every function, checked before serving: one list of what to fix, not a 500 per request.
const problems = configProblems();
if (problems.length > 0) {
  console.error("The configuration is not usable (environment or .env); set:");
  for (const problem of problems) console.error(`  - ${problem}`);
  await shutdown(1);
}
if (mode.kind === "real") {
  const { apiUrl, secretKey } = getConfig();
  const problem = await clerkKeyProblem(apiUrl, secretKey);
  if (problem) {
    console.error(`Not starting: ${problem}.`);
    await shutdown(1);
  }
}
try {
  const site = tryItSite(services ? standInMode(services.env) : { kind: "real" });
  server = await serveFunctions(await handlers, { port, host: process.env.HOST ?? "127.0.0.1", site });
} catch (err) {
  if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
  console.error(`Port ${port} is already in use: stop what is using it, or run with PORT=<another port>.`);
  await shutdown(1);
}
console.log(`Functions ready on ${origin}/api/{${FUNCTION_NAMES.join(",")}}`);
console.log(`Try them in a browser: ${origin}/  (the API described: ${origin}/openapi.json)`);
console.log(
  services ? services.banner(origin) : "Using the Clerk and Supabase settings from your environment/.env.",
);
