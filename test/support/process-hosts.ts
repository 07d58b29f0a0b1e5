// Hosts that run the BUILT bundles in real child processes: Node (Netlify bundles behind a plain
// node:http adapter) and Deno (`deno serve` on each Supabase bundle, as the edge runtime would).
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { netlifyCli, netlifyEnv } from "../../scripts/netlify-cli.ts";
import { type CallInit, FUNCTIONS, type FunctionName, type Host, type Running } from "./hosts.ts";

const root = resolve(import.meta.dirname, "../..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

export function requireBuild(): void {
  if (!existsSync(join(root, "dist", "netlify", "protected.mjs"))) {
    throw new Error("dist/ is missing: run `npm run build` first (npm test does)");
  }
}

interface Child {
  proc: ChildProcess;
  url: string;
  /** Fails startup if the process dies first; detached once the server is being stopped. */
  onEarlyExit: (code: number | null) => void;
}

/** Spawns a server and resolves once a stdout line reveals its URL; JSON lines are collected as logs. */
function spawnServer(
  cmd: string,
  args: string[],
  env: Record<string, string>,
  logs: Record<string, unknown>[],
  cwd = root,
): Promise<Child> {
  const proc = spawn(cmd, args, {
    cwd,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "/tmp",
      DENO_NO_UPDATE_CHECK: "1",
      NO_COLOR: "1",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolveChild, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => fail(new Error(`timed out starting ${cmd}: ${seen.join("\n")}`)), 60_000);
    const onEarlyExit = (code: number | null) =>
      fail(new Error(`${cmd} exited with ${code}: ${seen.join("\n")}`));
    const fail = (err: Error) => {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(err);
    };
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        const url = /(?:listening|Listening on|Local dev server ready:) (http:\/\/[\d.:a-z]+)/.exec(
          line,
        )?.[1];
        if (url) {
          clearTimeout(timer);
          resolveChild({ proc, url: url.replace(/\/$/, ""), onEarlyExit });
        } else if (line.startsWith("{")) {
          try {
            logs.push(JSON.parse(line));
          } catch {
            seen.push(line);
          }
        } else seen.push(line);
      });
    }
    proc.once("exit", onEarlyExit);
  });
}

async function stop(child: Child): Promise<void> {
  child.proc.off("exit", child.onEarlyExit);
  await stopProcess(child.proc);
}

/** SIGTERM, then SIGKILL after 3 s; resolves once the process is gone. */
export async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

function running(
  urls: Record<FunctionName, string>,
  logs: Record<string, unknown>[],
  children: Child[],
): Running {
  return {
    urlFor: (fn) => urls[fn],
    call: (fn: FunctionName, init: CallInit = {}) => {
      const method = init.method ?? (fn === "update-user" ? "POST" : "GET");
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
      await Promise.all(children.map(stop));
    },
  };
}

/** The Netlify bundles (dist/netlify/*.mjs) imported by Node, served at /api/<name>. */
export const nodeBundleHost: Host = {
  name: "node-bundles",
  async start(env) {
    requireBuild();
    const logs: Record<string, unknown>[] = [];
    const child = await spawnServer(
      bin("node"),
      ["scripts/serve.ts", "--bundles", "dist/netlify"],
      env,
      logs,
    );
    const urls = Object.fromEntries(FUNCTIONS.map((fn) => [fn, `${child.url}/api/${fn}`])) as Record<
      FunctionName,
      string
    >;
    return running(urls, logs, [child]);
  },
};

/** Each Supabase bundle under its own `deno serve`, as Supabase runs each function in its own isolate. */
export const denoHost: Host = {
  name: "deno",
  async start(env) {
    requireBuild();
    const logs: Record<string, unknown>[] = [];
    const children = await Promise.all(
      FUNCTIONS.map((fn) =>
        spawnServer(
          bin("deno"),
          [
            "serve",
            "--allow-env",
            "--allow-net",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            `dist/supabase/functions/${fn}/index.js`,
          ],
          env,
          logs,
        ),
      ),
    );
    // Supabase hands a function the path /<name>; the functions never route on it.
    const urls = Object.fromEntries(FUNCTIONS.map((fn, i) => [fn, `${children[i]!.url}/${fn}`])) as Record<
      FunctionName,
      string
    >;
    return running(urls, logs, children);
  },
};

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

/**
 * The Netlify bundles under the real `netlify dev` (pinned netlify-cli, offline, Deno on PATH), in a
 * throwaway site folder whose generated .env carries the environment.
 */
export const netlifyDevHost: Host = {
  name: "netlify-dev",
  async start(env) {
    requireBuild();
    const cli = netlifyCli();
    const site = mkdtempSync(join(tmpdir(), "netlify-site-"));
    for (const path of ["netlify.toml", "public", "dist/netlify"])
      cpSync(join(root, path), join(site, path), { recursive: true });
    writeFileSync(
      join(site, ".env"),
      Object.entries(env)
        .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
        .join("\n"),
    );
    const [port, functionsPort, staticPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const logs: Record<string, unknown>[] = [];
    const child = await spawnServer(
      cli,
      [
        "dev",
        "--offline",
        "--no-open",
        "--skip-gitignore",
        "--port",
        String(port),
        "--functions-port",
        String(functionsPort),
        "--target-port",
        String(staticPort),
      ],
      netlifyEnv(),
      logs,
      site,
    );
    const urls = Object.fromEntries(FUNCTIONS.map((fn) => [fn, `${child.url}/api/${fn}`])) as Record<
      FunctionName,
      string
    >;
    const run = running(urls, logs, [child]);
    return {
      ...run,
      async close() {
        await run.close();
        rmSync(site, { recursive: true, force: true });
      },
    };
  },
};
