// Server child processes: spawn one, wait for the line that says where it listens, collect what it
// prints, stop it. The test hosts, the bundle server of the secret scan and load test, and the bench
// all start their servers here.
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { ROOT } from "./paths.ts";

/** The ready lines of scripts/serve.ts and bench/node-host.ts, `deno serve` and `netlify dev`. */
export const SERVER_READY = /(?:listening|Listening on|Local dev server ready:) (http:\/\/[\d.:a-z]+)/;

/** What every server child gets: a PATH and HOME, no update checks, no colour codes in its lines. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    ...(process.env.DENO_DIR ? { DENO_DIR: process.env.DENO_DIR } : {}),
    ...extra,
  };
}

export interface ServerOptions {
  /** Added to childEnv(): the child sees nothing else of this process's environment. */
  env?: Record<string, string>;
  cwd?: string;
  /** Its first group is the server's URL. */
  ready?: RegExp;
  timeoutMs?: number;
  /**
   * Stdout to /dev/null: still written, as on a platform, but never read by this process (the bench,
   * whose event loop is busy generating load, would otherwise set the pace of the server's log writes).
   */
  discardStdout?: boolean;
  /** Where its JSON lines go, parsed; several servers may share one array. */
  logs?: Record<string, unknown>[];
  /** Keep every line it prints (a secret scan reads them all); otherwise only a tail for errors. */
  keepLines?: boolean;
  /** Called right after spawning, before it is ready (the bench tracks every child to kill on exit). */
  onSpawn?(proc: ChildProcess): void;
}

export interface ServerProcess {
  proc: ChildProcess;
  pid: number;
  /** Origin, without a trailing slash. */
  url: string;
  /** Every line printed (with keepLines), else the last few. */
  lines: string[];
  logs: Record<string, unknown>[];
  /** The last lines, for an error message. */
  tail(): string;
  /** SIGTERM, then SIGKILL after `graceMs` (0: SIGKILL at once); resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const TAIL_LINES = 40;

export function startServer(argv: string[], opts: ServerOptions = {}): Promise<ServerProcess> {
  const [cmd, ...args] = argv;
  const proc = spawn(cmd!, args, {
    cwd: opts.cwd ?? ROOT,
    env: childEnv(opts.env),
    stdio: ["ignore", opts.discardStdout ? "ignore" : "pipe", "pipe"],
  });
  opts.onSpawn?.(proc);
  const lines: string[] = [];
  const logs = opts.logs ?? [];
  const tail = () => lines.slice(-TAIL_LINES).join("\n");
  const ready = opts.ready ?? SERVER_READY;
  return new Promise((resolveReady, reject) => {
    let url: string | undefined;
    const timer = setTimeout(() => fail(`timed out starting ${cmd}`), opts.timeoutMs ?? 60_000);
    const onEarlyExit = (code: number | null, signal: string | null) =>
      fail(`${argv.join(" ")} exited (${code ?? signal}) before listening`);
    const fail = (why: string) => {
      clearTimeout(timer);
      proc.kill("SIGKILL");
      reject(new Error(`${why}:\n${tail()}`));
    };
    const onLine = (line: string) => {
      lines.push(line);
      if (!opts.keepLines && lines.length > TAIL_LINES * 2) lines.splice(0, TAIL_LINES);
      // netlify dev prefixes an edge function's lines with its name: `[protected] {...}`.
      const json = line.replace(/^\[[\w-]+\] (?=\{)/, "");
      if (json.startsWith("{")) {
        try {
          logs.push(JSON.parse(json));
        } catch {
          // Kept in `lines` all the same.
        }
      }
      const found = url ? undefined : ready.exec(line)?.[1];
      if (!found) return;
      url = found.replace(/\/$/, "");
      clearTimeout(timer);
      proc.off("exit", onEarlyExit);
      const stop = (graceMs = 3000) => stopProcess(proc, graceMs);
      resolveReady({ proc, pid: proc.pid!, url, lines, logs, tail, stop });
    };
    for (const stream of [proc.stdout, proc.stderr])
      if (stream) createInterface({ input: stream }).on("line", onLine);
    proc.once("error", (err) => fail(err.message));
    proc.once("exit", onEarlyExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs` (0: SIGKILL at once); resolves once the process is gone. */
export async function stopProcess(proc: ChildProcess, graceMs = 3000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once("exit", r));
  proc.kill(graceMs > 0 ? "SIGTERM" : "SIGKILL");
  const timer = graceMs > 0 ? setTimeout(() => proc.kill("SIGKILL"), graceMs) : undefined;
  await exited;
  clearTimeout(timer);
}
