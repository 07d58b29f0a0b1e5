// Hosts that run the BUILT bundles in real child processes: Node (Netlify bundles behind a plain
// node:http adapter), Deno (`deno serve` on each Supabase bundle, as the edge runtime would) and the
// real `netlify dev` (its Node functions and its edge functions).
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FUNCTION_NAMES, type FunctionName, functionUrls } from "../../scripts/lib/functions.ts";
import { netlifyCli, netlifyEnv } from "../../scripts/lib/netlify-cli.ts";
import { edgePath, localSiteToml } from "../../scripts/lib/netlify-edge.ts";
import { binPath, ROOT, requireBuild } from "../../scripts/lib/paths.ts";
import { type ServerProcess, startServer } from "../../scripts/lib/process.ts";
import { type CallInit, declaredMethod, type Host, type Running } from "./hosts.ts";

/** Built functions: the project's dist/, or a test's own build laid out the same way. */
export interface Bundles {
  dist: string;
  names: readonly string[];
}

const PROJECT: Bundles = { dist: join(ROOT, "dist"), names: FUNCTION_NAMES };

/** The project's bundles are built by the test run's global setup; a test's own build is its business. */
function ready(bundles: Bundles): void {
  if (bundles === PROJECT) requireBuild();
}

const urlsOf = (bundles: Bundles, urlOf: (fn: string, index: number) => string) =>
  functionUrls(urlOf, bundles.names);

function running(
  urls: Record<FunctionName, string>,
  logs: Record<string, unknown>[],
  servers: ServerProcess[],
): Running {
  return {
    urlFor: (fn) => urls[fn],
    call: (fn: FunctionName, init: CallInit = {}) => {
      const method = init.method ?? declaredMethod(fn);
      const url = `${urls[fn]}${init.query ? `?${init.query}` : ""}`;
      return fetch(url, {
        method,
        headers: init.headers,
        body: init.body,
        redirect: "manual",
        duplex: "half",
      } as RequestInit);
    },
    logs: () => logs,
    close: async () => {
      await Promise.all(servers.map((server) => server.stop()));
    },
  };
}

/** The Netlify bundles (dist/netlify/*.mjs) imported by Node, served at /api/<name>. */
export const nodeBundleHostOf = (bundles: Bundles): Host => ({
  name: "node-bundles",
  async start(env) {
    ready(bundles);
    const logs: Record<string, unknown>[] = [];
    const dir = join(bundles.dist, "netlify");
    const server = await startServer([binPath("node"), "scripts/serve.ts", "--bundles", dir], { env, logs });
    return running(
      urlsOf(bundles, (fn) => `${server.url}/api/${fn}`),
      logs,
      [server],
    );
  },
});

export const nodeBundleHost = nodeBundleHostOf(PROJECT);

/** Each Supabase bundle under its own `deno serve`, as Supabase runs each function in its own isolate. */
export const denoHostOf = (bundles: Bundles): Host => ({
  name: "deno",
  async start(env) {
    ready(bundles);
    const logs: Record<string, unknown>[] = [];
    const servers = await Promise.all(
      bundles.names.map((fn) =>
        startServer(
          [
            binPath("deno"),
            "serve",
            "--allow-env",
            "--allow-net",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            join(bundles.dist, "supabase", "functions", fn, "index.js"),
          ],
          { env, logs },
        ),
      ),
    );
    // Supabase hands a function the path /<name>; the functions never route on it.
    return running(
      urlsOf(bundles, (fn, i) => `${servers[i]!.url}/${fn}`),
      logs,
      servers,
    );
  },
});

export const denoHost = denoHostOf(PROJECT);

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** A throwaway site folder: the Netlify bundles (Node and edge) and config, and a .env carrying `env`. */
function netlifySite(env: Record<string, string>, bundles: Bundles): string {
  const site = mkdtempSync(join(tmpdir(), "netlify-site-"));
  cpSync(join(ROOT, "public"), join(site, "public"), { recursive: true });
  for (const kind of ["netlify", "netlify-edge"])
    cpSync(join(bundles.dist, kind), join(site, "dist", kind), { recursive: true });
  // With the edge paths declared, as netlify dev cannot read them from the bundles offline.
  writeFileSync(join(site, "netlify.toml"), localSiteToml(undefined, bundles.names));
  // Under netlify dev, edge functions read variables from the site's .env, never from netlify dev's own
  // environment (a variable set only there reads as undefined at the edge).
  writeFileSync(
    join(site, ".env"),
    Object.entries(env)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join("\n"),
  );
  return site;
}

interface SharedDev {
  server: Promise<ServerProcess>;
  site: string;
  users: number;
}

/** One `netlify dev` per environment, shared by the Node and edge hosts started with it (~15 s each). */
const devServers = new Map<string, SharedDev>();

async function startNetlifyDev(
  site: string,
  names: readonly string[],
  logs: Record<string, unknown>[],
): Promise<ServerProcess> {
  const cli = netlifyCli();
  const [port, functionsPort, staticPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const ports = ["--port", port, "--functions-port", functionsPort, "--staticServerPort", staticPort].map(
    String,
  );
  const server = await startServer([cli, "dev", "--offline", "--no-open", "--skip-gitignore", ...ports], {
    env: netlifyEnv(),
    cwd: site,
    logs,
    timeoutMs: 120_000,
    keepLines: true,
  });
  try {
    await edgeFunctionsLoaded(server, names);
  } catch (err) {
    await server.stop(0);
    throw err;
  }
  return server;
}

/**
 * netlify dev says it is ready before its edge functions are: it loads them (in Deno) afterwards, and
 * until then /edge/ paths answer 404.
 */
async function edgeFunctionsLoaded(
  server: ServerProcess,
  names: readonly string[],
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const loaded = (fn: string) => server.lines.some((line) => line.includes(`Loaded edge function ${fn}`));
  while (!names.every(loaded)) {
    const failed = server.lines.find((line) => /Failed to load edge function/.test(line));
    if (failed || Date.now() > deadline)
      throw new Error(`netlify dev's edge functions did not load:\n${server.tail()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The shared netlify dev for `env` and `bundles`, serving each function at `${origin}${pathOf(fn)}`. */
async function netlifyDevFunctions(
  env: Record<string, string>,
  bundles: Bundles,
  pathOf: (fn: FunctionName) => string,
) {
  const key = JSON.stringify([bundles.dist, env]);
  let shared = devServers.get(key);
  if (!shared) {
    const site = netlifySite(env, bundles);
    const server = startNetlifyDev(site, bundles.names, []);
    shared = { server, site, users: 0 };
    devServers.set(key, shared);
    server.catch(() => {
      devServers.delete(key);
      rmSync(site, { recursive: true, force: true });
    });
  }
  shared.users++;
  const server = await shared.server;
  const run = running(
    urlsOf(bundles, (fn) => `${server.url}${pathOf(fn)}`),
    server.logs,
    [],
  );
  const owner = shared;
  let closed = false;
  return {
    ...run,
    async close() {
      if (closed) return;
      closed = true;
      if (--owner.users > 0) return;
      devServers.delete(key);
      await server.stop();
      rmSync(owner.site, { recursive: true, force: true });
    },
  };
}

/**
 * The Netlify Functions (Node) under the real `netlify dev` (pinned netlify-cli, installed on first
 * use; offline, Deno on PATH), in a throwaway site folder whose generated .env carries the environment.
 */
export const netlifyDevHostOf = (bundles: Bundles): Host => ({
  name: "netlify-dev",
  isolatePerRequest: true,
  start(env) {
    ready(bundles);
    return netlifyDevFunctions(env, bundles, (fn) => `/api/${fn}`);
  },
});

export const netlifyDevHost = netlifyDevHostOf(PROJECT);

/**
 * The Netlify Edge Functions (dist/netlify-edge, Deno) under the same `netlify dev` as netlifyDevHost
 * when started with the same environment: one server answers /api/ and /edge/ paths alike.
 */
export const netlifyEdgeHostOf = (bundles: Bundles): Host => ({
  name: "netlify-edge",
  start(env) {
    ready(bundles);
    return netlifyDevFunctions(env, bundles, edgePath);
  },
});

export const netlifyEdgeHost = netlifyEdgeHostOf(PROJECT);
