// A minimal local host for Web-standard functions on Node: /api/<name> → the function's default export.
// `npm start` uses it over the source; tests use it over the built Netlify bundles.
//   node scripts/serve.ts [--bundles dist/netlify] [--port 8888] [--host 127.0.0.1]
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { WebHandler } from "../shared/handler.ts";
import { FUNCTION_NAMES } from "./lib/functions.ts";
import { ROOT } from "./lib/paths.ts";

/** Imports each function from source (`functions/<name>.ts`) or from a bundle directory (`<name>.mjs`). */
export async function loadHandlers(bundles?: string): Promise<Record<string, WebHandler>> {
  const entries = await Promise.all(
    FUNCTION_NAMES.map(async (name) => {
      const file = bundles
        ? join(resolve(ROOT, bundles), `${name}.mjs`)
        : join(ROOT, "functions", `${name}.ts`);
      const mod = (await import(pathToFileURL(file).href)) as { default: WebHandler };
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
    const name = /^\/api\/([a-z-]+)\/?(?:\?|$)/.exec(inc.url ?? "")?.[1];
    const handler = (name ? handlers[name] : undefined) ?? (name ? undefined : opts.site);
    if (!handler) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
      return;
    }
    try {
      await send(res, await handler(toRequest(inc, `http://${inc.headers.host ?? host}`)));
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
