// Hosts that run the BUILT bundles in real child processes: Node (Netlify bundles behind a plain
// node:http adapter) and Deno (`deno serve` on each Supabase bundle, as the edge runtime would).
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { buildRequest, type CallInit, FUNCTIONS, type FunctionName, type Host, type Running } from "./hosts.ts";

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
}

/** Spawns a server and resolves once a stdout line reveals its URL; JSON lines are collected as logs. */
function spawnServer(cmd: string, args: string[], env: Record<string, string>, logs: Record<string, unknown>[]): Promise<Child> {
  const proc = spawn(cmd, args, {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolveChild, reject) => {
    const seen: string[] = [];
    const timer = setTimeout(() => fail(new Error(`timed out starting ${cmd}: ${seen.join("\n")}`)), 20_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(err);
    };
    for (const stream of [proc.stdout!, proc.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        const url = /(?:listening|Listening on) (http:\/\/[\d.:a-z]+)/.exec(line)?.[1];
        if (url) {
          clearTimeout(timer);
          resolveChild({ proc, url: url.replace(/\/$/, "") });
        } else if (line.startsWith("{")) {
          try {
            logs.push(JSON.parse(line));
          } catch {
            seen.push(line);
          }
        } else seen.push(line);
      });
    }
    proc.once("exit", (code) => fail(new Error(`${cmd} exited with ${code}: ${seen.join("\n")}`)));
  });
}

async function stop(child: Child): Promise<void> {
  if (child.proc.exitCode !== null) return;
  const exited = new Promise((r) => child.proc.once("exit", r));
  child.proc.removeAllListeners("exit");
  child.proc.once("exit", () => undefined);
  child.proc.kill("SIGTERM");
  const timer = setTimeout(() => child.proc.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

function running(urls: Record<FunctionName, string>, logs: Record<string, unknown>[], children: Child[], origin: string): Running {
  return {
    origin,
    call: (fn: FunctionName, init?: CallInit) => {
      const req = buildRequest(fn, init, origin);
      const url = new URL(urls[fn]);
      if (init?.query) url.search = init.query;
      return fetch(url, { method: req.method, headers: req.headers, body: init?.body, redirect: "manual" });
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
    const child = await spawnServer(bin("node"), ["scripts/serve.ts", "--bundles", "dist/netlify"], env, logs);
    const urls = Object.fromEntries(FUNCTIONS.map((fn) => [fn, `${child.url}/api/${fn}`])) as Record<FunctionName, string>;
    return running(urls, logs, [child], child.url);
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
          ["serve", "--allow-env", "--allow-net", "--host", "127.0.0.1", "--port", "0", `dist/supabase/functions/${fn}/index.js`],
          env,
          logs,
        ),
      ),
    );
    // Supabase hands a function the path /<name>; the functions never route on it.
    const urls = Object.fromEntries(FUNCTIONS.map((fn, i) => [fn, `${children[i]!.url}/${fn}`])) as Record<FunctionName, string>;
    return running(urls, logs, children, children[0]!.url);
  },
};
