// Serves ONE bundled Web-standard function on Node through scripts/serve.ts's adapter, at /api/<name>.
// The benchmark hosts the project's bundle, the floor and hello-world the same way, and loads only the
// bundle under test (as Netlify does per function; `serve.ts --bundles` would import all four).
//   node scripts/bench/node-host.ts <bundle.mjs> <name>     → prints `listening <url>` on stderr
// (stderr, because the benchmark sends stdout, where the function logs each request, to /dev/null).
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { WebHandler } from "../../shared/handler.ts";
import { serveFunctions } from "../serve.ts";

const [file, name] = process.argv.slice(2);
if (!file || !name) throw new Error("usage: node-host.ts <bundle.mjs> <name>");
const mod = (await import(pathToFileURL(resolve(file)).href)) as { default: WebHandler };
const server = await serveFunctions({ [name]: mod.default });
console.error(`listening ${server.url}`);
// A clean exit on signals, so `node --cpu-prof` gets to write its profile.
const stop = () => server.close().then(() => process.exit(0));
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
