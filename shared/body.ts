import { ErrorCode, HttpError } from "./errors.ts";

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

/**
 * Reads the body as text, refusing more than `limit` bytes while streaming: a client cannot make the
 * function buffer megabytes just to be told 413 (Deno hands us the raw stream).
 */
async function readText(req: Request, limit: number): Promise<string> {
  const declared = Number(req.headers.get("content-length"));
  if (declared > limit) throw tooLarge(limit);
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
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

/** Parses a JSON or form body into a plain value for zod to validate; never trusts its shape. */
export async function readBody(req: Request, limit: number): Promise<unknown> {
  const kind = mediaType(req);
  const text = await readText(req, limit);
  if (kind === "form") {
    const fields: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(text)) {
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
