// `npm start` (scripts/dev.ts) run as a user runs it, on a random port, and the smoke CLI run against a
// deployment: what the smoke tests share.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";

const root = resolve(import.meta.dirname, "../..");
const node = resolve(root, "node_modules/.bin/node");

export interface NpmStart {
  dev: ChildProcess;
  /** http://localhost:<port> */
  base: string;
  /** Everything it printed to stdout so far. */
  banner(): string;
}

/** Resolves `settleMs` after the first stdout line starting with `readyLine`; rejects if it exits first. */
export function startNpmStart(readyLine: string, settleMs = 0, cwd = root): Promise<NpmStart> {
  const port = String(20000 + Math.floor(Math.random() * 20000));
  const base = `http://localhost:${port}`;
  const dev = spawn(node, ["scripts/dev.ts"], {
    cwd,
    env: { PATH: process.env.PATH ?? "", PORT: port },
  });
  let banner = "";
  let errors = "";
  dev.stderr!.on("data", (chunk: Buffer) => {
    errors += chunk.toString();
  });
  return new Promise((ready, fail) => {
    const onEarlyExit = (code: number | null) =>
      fail(new Error(`npm start exited ${code}: ${banner}${errors.slice(-2000)}`));
    const timer = setTimeout(() => fail(new Error(`npm start not ready: ${banner}`)), 30_000);
    createInterface({ input: dev.stdout! }).on("line", (line) => {
      banner += `${line}\n`;
      if (line.startsWith(readyLine)) {
        clearTimeout(timer);
        setTimeout(() => {
          dev.off("exit", onEarlyExit);
          ready({ dev, base, banner: () => banner });
        }, settleMs);
      }
    });
    dev.once("exit", onEarlyExit);
  });
}

export interface NpmStartRun {
  /** Exit code, or null when it was stopped after printing `untilLine`. */
  code: number | null;
  /** stdout and stderr together. */
  out: string;
}

/**
 * `npm start` seeing only PATH, a random PORT and `env`, run until it exits or prints a line starting
 * with `untilLine` (then stopped).
 */
export function runNpmStart(env: Record<string, string>, untilLine: string, timeoutMs = 30_000) {
  const port = String(20000 + Math.floor(Math.random() * 20000));
  const dev = spawn(node, ["scripts/dev.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", PORT: port, ...env },
  });
  let out = "";
  let reached = false;
  return new Promise<NpmStartRun>((done, fail) => {
    const timer = setTimeout(() => {
      dev.kill("SIGKILL");
      fail(new Error(`npm start neither exited nor printed ${untilLine}: ${out}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (!reached && out.split("\n").some((line) => line.startsWith(untilLine))) {
        reached = true;
        dev.kill("SIGTERM");
      }
    };
    dev.stdout!.on("data", onData);
    dev.stderr!.on("data", onData);
    dev.once("exit", (code, signal) => {
      clearTimeout(timer);
      done({ code: reached || signal ? null : code, out });
    });
  });
}

export interface SmokeRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** scripts/smoke.ts with `args`, seeing only PATH and `env`. */
export async function smoke(args: string[], env: Record<string, string>, cwd = root): Promise<SmokeRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(node, ["scripts/smoke.ts", ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}
