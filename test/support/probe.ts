// Helpers for adversarial tests against any host: wait for a request's log line (child processes write
// it asynchronously), send raw HTTP that fetch cannot (repeated headers), run work with bounded
// concurrency, and forge tokens with arbitrary headers under an attacker's key.
import { request } from "node:http";
import { connect } from "node:net";
import { exportJWK, generateKeyPair, type JWTHeaderParameters, SignJWT } from "jose";
import type { Running } from "./hosts.ts";

export type LogLine = Record<string, unknown> & { status?: number; reason?: string; requestId?: string };

/** A request id the functions echo (it matches their sanity pattern), so a log line can be found. */
export const requestId = (prefix: string) =>
  `${prefix.replace(/[^A-Za-z0-9._:-]/g, "-")}-${crypto.randomUUID()}`.slice(0, 128);

/** The log line of the request with `id`, waiting for it while a child process is still writing it. */
export async function logFor(fns: Running, id: string, timeoutMs = 10_000): Promise<LogLine | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = fns.logs().find((l) => l.requestId === id);
    if (line || Date.now() > deadline) return line as LogLine | undefined;
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One HTTP/1.1 request with headers exactly as given (repeats and order kept), via node:http. */
export function rawRequest(
  url: string,
  opts: { method?: string; headers: [string, string][]; body?: string },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    // With raw (array) headers node:http adds no Host of its own, and Node's server refuses HTTP/1.1 without one.
    const headers = [["host", new URL(url).host], ...opts.headers].flat();
    const req = request(url, { method: opts.method ?? "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString("utf8"),
        }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}

/** One request written as raw bytes to 127.0.0.1:`port` (a Host header fetch() would never send); the raw answer. */
export function rawSocket(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(head));
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
    });
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}

/** The first line of a raw answer, e.g. "HTTP/1.1 400 Bad Request". */
export const statusLine = (res: string) => res.split("\r\n", 1)[0];

/** A raw HTTP/1.1 answer as a Response (Content-Length bodies; chunked ones de-chunked), to hold to the document. */
export function responseOf(raw: string): Response {
  const split = raw.indexOf("\r\n\r\n");
  const [status, ...lines] = raw.slice(0, split).split("\r\n");
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  let body = raw.slice(split + 4);
  if (headers.get("transfer-encoding")?.includes("chunked")) {
    let out = "";
    for (let at = 0; ; ) {
      const eol = body.indexOf("\r\n", at);
      const size = Number.parseInt(body.slice(at, eol), 16);
      if (!size) break;
      out += body.slice(eol + 2, eol + 2 + size);
      at = eol + 2 + size + 2;
    }
    body = out;
  }
  headers.delete("transfer-encoding");
  const code = Number(status!.split(" ")[1]);
  return new Response(code === 204 || code === 304 ? null : Buffer.from(body, "latin1"), {
    status: code,
    headers,
  });
}

/** Runs `work` over `items` with at most `limit` in flight; results keep the items' order. */
export async function inPool<T, R>(items: T[], limit: number, work: (item: T, i: number) => Promise<R>) {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface AttackerKey {
  privateKey: CryptoKey;
  /** The attacker's public key as a JWK (with `kid`), as it would be served from `jku`/`x5u`/`jwk`. */
  publicJwk: Record<string, unknown>;
  /** Signs `claims` under `header` with the attacker's key (RS256). */
  sign(claims: Record<string, unknown>, header: Record<string, unknown>): Promise<string>;
}

export async function attackerKey(kid = "attacker-key"): Promise<AttackerKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return {
    privateKey,
    publicJwk,
    sign: (claims, header) =>
      new SignJWT(claims)
        .setProtectedHeader({ ...header, alg: "RS256" } as JWTHeaderParameters)
        .sign(privateKey),
  };
}
