// Plumbing shared by the local stand-ins: a node:http server that hands each request to a
// Web-standard handler, records what it received, and applies injected faults first.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** A fault the next matching request(s) get instead of (or before) the normal answer. */
export interface Fault {
  method?: string;
  /** Exact pathname, or a pattern tested against the pathname. */
  path: string | RegExp;
  status?: number;
  body?: string;
  /** Defaults to `application/json` when `body` is set and this is not. */
  contentType?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (normally or with the fault). */
  delayMs?: number;
  /** Destroy the socket without answering. */
  drop?: boolean;
  /** How many requests it applies to; unlimited when absent. */
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  body: string;
  /** The client closed the connection before it was answered (set once that is seen). */
  aborted?: boolean;
}

export interface StandInServer {
  url: string;
  port: number;
  requests: RecordedRequest[];
  fault(fault: Fault): void;
  clearFaults(): void;
  /** Connections open right now (idle keep-alive ones included). */
  openConnections(): number;
  /** Requests received and not answered yet whose client is still connected. */
  pendingRequests(): number;
  /** Go silent for `ms`: requests are held (not answered, connections kept) until it ends. */
  silence(ms: number): void;
  close(): Promise<void>;
}

export type StandInHandler = (req: Request, body: string) => Response | Promise<Response>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Injected faults; one with `times` is dropped once used up. */
function faultList() {
  let faults: Fault[] = [];
  return {
    add(f: Fault) {
      faults.push({ ...f });
    },
    clear() {
      faults = [];
    },
    take(method: string, path: string): Fault | undefined {
      const fault = faults.find(
        (f) =>
          (!f.method || f.method.toUpperCase() === method) &&
          (typeof f.path === "string" ? f.path === path : f.path.test(path)),
      );
      if (fault?.times !== undefined && --fault.times <= 0) faults = faults.filter((f) => f !== fault);
      return fault;
    },
  };
}

async function readRequest(inc: IncomingMessage, host: string) {
  const chunks: Buffer[] = [];
  for await (const chunk of inc) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  const url = new URL(inc.url ?? "/", `http://${host}`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(inc.headers)) if (v !== undefined) headers[k] = String(v);
  const recorded: RecordedRequest = {
    method: inc.method ?? "GET",
    path: url.pathname,
    search: url.search,
    headers,
    body,
  };
  return { recorded, url };
}

function writeFault(res: ServerResponse, fault: Fault, status: number): void {
  const headers: Record<string, string> = { ...fault.headers };
  if (fault.body !== undefined) headers["content-type"] = fault.contentType ?? "application/json";
  res.writeHead(status, headers).end(fault.body ?? "");
}

/** The handler's answer, with a matching fault's extra headers on top. */
async function writeResponse(res: ServerResponse, response: Response, fault: Fault | undefined) {
  const headers: Record<string, string> = {};
  response.headers.forEach((v, k) => {
    headers[k] = v;
  });
  for (const [k, v] of Object.entries(fault?.headers ?? {})) headers[k] = v;
  res.writeHead(response.status, headers).end(Buffer.from(await response.arrayBuffer()));
}

export async function serve(
  handler: StandInHandler,
  opts: { port?: number; host?: string } = {},
): Promise<StandInServer> {
  const host = opts.host ?? "127.0.0.1";
  const requests: RecordedRequest[] = [];
  const faults = faultList();
  const pending = new Set<ServerResponse>();
  let silentUntil = 0;

  const server = createServer(async (inc: IncomingMessage, res: ServerResponse) => {
    try {
      const { recorded, url } = await readRequest(inc, host);
      const { method, headers, body } = recorded;
      requests.push(recorded);
      pending.add(res);
      res.once("close", () => {
        pending.delete(res);
        if (!res.writableFinished) recorded.aborted = true;
      });

      const silent = silentUntil - Date.now();
      if (silent > 0) await sleep(silent);
      const fault = faults.take(method, url.pathname);
      if (fault?.delayMs) await sleep(fault.delayMs);
      // A paused server that resumes does not act on a request whose client has hung up meanwhile.
      if (recorded.aborted) return;
      if (fault?.drop) {
        inc.socket.destroy();
        return;
      }
      if (fault?.status !== undefined) {
        writeFault(res, fault, fault.status);
        return;
      }
      const request = new Request(url, {
        method,
        headers: new Headers(headers),
        body: method === "GET" || method === "HEAD" ? undefined : body,
      });
      await writeResponse(res, await handler(request, body), fault);
    } catch (err) {
      console.error("stand-in error", err);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ errors: [{ code: "internal", message: "stand-in failure", long_message: "" }] }),
      );
    }
  });
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) =>
    server.once("error", reject).listen(opts.port ?? 0, host, resolve),
  );
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    requests,
    fault: faults.add,
    clearFaults: faults.clear,
    openConnections: () => sockets.size,
    pendingRequests: () => pending.size,
    silence(ms) {
      silentUntil = Date.now() + ms;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
