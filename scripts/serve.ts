// A minimal local host for Web-standard functions on Node: /api/<name> → the function's default export.
// `npm start` uses it over the source; tests use it over the built Netlify bundles.
//   node scripts/serve.ts [--bundles dist/netlify] [--port 8888] [--host 127.0.0.1]
import { readdirSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { ErrorCode } from "../shared/errors.ts";
import type { WebHandler } from "../shared/handler.ts";
import { ROOT } from "./lib/paths.ts";

/**
 * Each function of functions/, from source (checked as the build checks it), or every `<name>.mjs` of a
 * bundle directory (already named by its build entry). Over bundles nothing of the source is loaded (no
 * discovery, no zod, no declarations), as on Netlify.
 */
export async function loadHandlers(bundles?: string): Promise<Record<string, WebHandler>> {
  // Before any function (and @clerk/backend, which binds fetch on load): upstream calls abort at deadlines.
  await import(pathToFileURL(join(ROOT, "runtime", "abort-fetch.ts")).href);
  if (!bundles) {
    const { loadFunctions } = await import("./lib/functions.ts");
    const functions = await loadFunctions();
    return Object.fromEntries(functions.map((fn) => [fn.name, fn.handler.named(fn.name)]));
  }
  const dir = resolve(ROOT, bundles);
  const names = readdirSync(dir)
    .filter((file) => file.endsWith(".mjs"))
    .map((file) => file.slice(0, -".mjs".length));
  const entries = await Promise.all(
    names.map(async (name) => {
      const mod = (await import(pathToFileURL(join(dir, `${name}.mjs`)).href)) as { default: WebHandler };
      return [name, mod.default] as const;
    }),
  );
  return Object.fromEntries(entries);
}

function toRequest(inc: IncomingMessage, origin: string): Request {
  const headers = new Headers();
  for (let i = 0; i < inc.rawHeaders.length; i += 2)
    headers.append(inc.rawHeaders[i]!, inc.rawHeaders[i + 1]!);
  const hasBody = inc.method !== "GET" && inc.method !== "HEAD";
  return new Request(new URL(inc.url ?? "/", origin), {
    method: inc.method,
    headers,
    // Streamed, not buffered, so a function's body-size limit applies while reading.
    body: hasBody ? (Readable.toWeb(inc) as ReadableStream<Uint8Array>) : undefined,
    duplex: "half",
  } as RequestInit);
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, key) => {
    headers[key] = key === "set-cookie" ? response.headers.getSetCookie() : value;
  });
  res.writeHead(response.status, headers);
  if (response.body) for await (const chunk of response.body) res.write(chunk);
  res.end();
}

/** What Request can carry: the Fetch standard forbids constructing one with these methods. */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
/** The methods this host hands to a function, which then answers its own 405 with its own Allow. */
const FORWARDED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS";

const hostError = (status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}) =>
  Response.json(
    { error: { code, message, requestId: crypto.randomUUID() } },
    { status, headers: { "cache-control": "no-store", ...headers } },
  );

/**
 * Requests no Web-standard function can be handed, answered as Netlify's and Supabase's front ends answer
 * them (a JSON 405 or 400) rather than as a crash: `new Request()` throws on a forbidden method, and
 * `new URL()` on a Host header that is no host (`a b`, `[::1`, `x:99999`).
 */
function refuse(inc: IncomingMessage): Response | undefined {
  if (FORBIDDEN_METHODS.has(inc.method ?? "")) {
    return hostError(405, ErrorCode.MethodNotAllowed, `Use ${FORWARDED_METHODS}.`, {
      allow: FORWARDED_METHODS,
    });
  }
  const hostHeader = inc.headers.host;
  if (hostHeader !== undefined && !isHost(hostHeader)) {
    return hostError(400, ErrorCode.BadRequest, "The Host header is not a valid host.");
  }
  return undefined;
}

// The URL parser also accepts what a Host header must not carry: credentials, a path, a query.
const isHost = (value: string) => !/[\s/\\@?#]/.test(value) && URL.canParse(`http://${value}/`);

export interface LocalServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serveFunctions(
  handlers: Record<string, WebHandler>,
  /** `site` answers every path that is not a function (npm start's try-it page). */
  opts: { port?: number; host?: string; site?: WebHandler } = {},
): Promise<LocalServer> {
  const host = opts.host ?? "127.0.0.1";
  const server = createServer(async (inc, res) => {
    const name = /^\/api\/([a-z][a-z0-9-]*)\/?(?:\?|$)/.exec(inc.url ?? "")?.[1];
    const handler = (name ? handlers[name] : undefined) ?? (name ? undefined : opts.site);
    if (!handler) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
      return;
    }
    const refusal = refuse(inc);
    if (refusal) {
      await send(res, refusal);
      return;
    }
    try {
      // The client's address, handed over as Netlify hands it to a function (`context.ip`).
      const context = { ip: inc.socket.remoteAddress };
      await send(res, await handler(toRequest(inc, `http://${inc.headers.host ?? host}`), context));
    } catch (err) {
      // The functions answer their own errors; reaching here is a bug in this server.
      console.error(err);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => resolvePromise());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`,
    port,
    close: () =>
      new Promise((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { bundles: { type: "string" }, port: { type: "string" }, host: { type: "string" } },
  });
  const server = await serveFunctions(await loadHandlers(values.bundles), {
    port: values.port ? Number(values.port) : 0,
    host: values.host,
  });
  // Machine-readable first line: test hosts wait for it.
  console.log(`listening ${server.url}`);
  const stop = () => server.close().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
