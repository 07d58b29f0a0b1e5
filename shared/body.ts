import { ErrorCode, HttpError } from "./errors.ts";
import { expireAfter } from "./timer.ts";

export type BodyKind = "json" | "form";

function mediaType(req: Request): BodyKind {
  const type = req.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type === "application/json") return "json";
  if (type === "application/x-www-form-urlencoded") return "form";
  throw new HttpError(
    415,
    ErrorCode.UnsupportedMediaType,
    "Send application/json or application/x-www-form-urlencoded.",
    {
      headers: { "accept-post": "application/json, application/x-www-form-urlencoded" },
    },
  );
}

const tooLarge = (limit: number) =>
  new HttpError(413, ErrorCode.PayloadTooLarge, `The body must be at most ${limit} bytes.`);

/** A body still arriving this long after we started reading it is the client's problem, not Clerk's. */
export const BODY_TIMEOUT_MS = 10_000;

const tooSlow = () =>
  new HttpError(408, ErrorCode.RequestTimeout, "The request body took too long to arrive.");

/**
 * Reads the body as text, refusing more than `limit` bytes while streaming (a client cannot make the
 * function buffer megabytes just to be told 413; Deno hands us the raw stream) and a body not complete
 * within BODY_TIMEOUT_MS.
 */
async function readText(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get("content-length"));
  if (declared > limit) throw tooLarge(limit);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const slow = expireAfter(BODY_TIMEOUT_MS, tooSlow);
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), slow.expired]);
      if (done) break;
      size += value.byteLength;
      if (size > limit) throw tooLarge(limit);
      chunks.push(value);
    }
  } catch (err) {
    // Stop reading: the rest of a too-large or too-slow upload is never buffered.
    reader.cancel().catch(() => {});
    if (err instanceof HttpError) throw err;
    // The stream itself failed: the client went away mid-upload (Node: "aborted", Deno: BadResource).
    // Its fault, not ours: answered (to no one, most likely) and logged as a client error.
    throw new HttpError(400, ErrorCode.BadRequest, "The request body was not received in full.", {
      reason: "body-incomplete",
    });
  } finally {
    slow.cancel();
  }
  return decode(chunks, size);
}

function decode(chunks: Uint8Array[], size: number): string {
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, ErrorCode.InvalidJson, "The body is not valid UTF-8.");
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const isHex = (byte: number | undefined) =>
  byte !== undefined && ((byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x66));

/**
 * One name or value of a form body, percent-decoded as the URL standard does (`+` is a space, a `%` not
 * followed by two hex digits stays as it is), but refusing bytes that are not UTF-8: URLSearchParams
 * would turn `%FF` into U+FFFD and a name of replacement characters would be stored.
 */
function formComponent(part: string): string {
  const bytes = new TextEncoder().encode(part.replace(/\+/g, " "));
  const out = new Uint8Array(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x25 && isHex(bytes[i + 1]) && isHex(bytes[i + 2])) {
      out[length++] = Number.parseInt(String.fromCharCode(bytes[i + 1]!, bytes[i + 2]!), 16);
      i += 2;
    } else out[length++] = bytes[i]!;
  }
  try {
    return utf8.decode(out.subarray(0, length));
  } catch {
    throw new HttpError(400, ErrorCode.BadRequest, "The form body is not valid UTF-8 once percent-decoded.");
  }
}

function formFields(text: string): [string, string][] {
  return text
    .split("&")
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf("=");
      return eq < 0
        ? [formComponent(pair), ""]
        : [formComponent(pair.slice(0, eq)), formComponent(pair.slice(eq + 1))];
    });
}

/** Parses a JSON or form body into a plain value for zod to validate; never trusts its shape. */
export async function readBody(req: Request, limit: number): Promise<unknown> {
  const kind = mediaType(req);
  const text = await readText(req, limit);
  if (kind === "form") {
    const fields: Record<string, string | string[]> = {};
    for (const [key, value] of formFields(text)) {
      const prev = fields[key];
      // A repeated field is ambiguous; keep every value so validation rejects it.
      fields[key] = prev === undefined ? value : ([] as string[]).concat(prev, value);
    }
    return fields;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, ErrorCode.InvalidJson, "The body is not valid JSON.");
  }
}
