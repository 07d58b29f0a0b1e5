// Decoding a compact JWT, with @clerk/backend's own rules (its decodeJwt parses base64url "loosely":
// padding optional, only the URL-safe alphabet, no stray bits) but through the runtime's native atob.
// The SDK's pure-JavaScript base64 loop was a measurable share of verifying a fresh token on every
// request; test/verify-parity.test.ts holds this decoder to the SDK's on malformed inputs.

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: Uint8Array<ArrayBuffer>;
  /** The encoded parts, as signed. */
  raw: { header: string; payload: string };
}

const BASE64URL = /^[A-Za-z0-9_-]*=*$/;
const CODES = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** One base64url part as a binary string; undefined where the SDK's loose parser throws. */
function binaryOf(part: string): string | undefined {
  if (!BASE64URL.test(part)) return undefined;
  let end = part.length;
  while (part[end - 1] === "=") end--;
  const tail = end % 4;
  // One leftover character, or leftover bits that are not zero, is "Unexpected end of data".
  if (tail === 1) return undefined;
  if (tail > 1) {
    const last = CODES.indexOf(part[end - 1]!);
    if (last & (tail === 2 ? 0b1111 : 0b11)) return undefined;
  }
  const base64 = part.slice(0, end).replace(/-/g, "+").replace(/_/g, "/");
  return atob(tail === 0 ? base64 : base64 + "=".repeat(4 - tail));
}

const bytesOf = (binary: string) => {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
};

const utf8 = new TextDecoder();
/** JSON text of a part: printable ASCII as is (every Clerk header and payload), anything else as UTF-8. */
const textOf = (binary: string) => (/[^\x20-\x7e]/.test(binary) ? utf8.decode(bytesOf(binary)) : binary);

/**
 * One part of a JWT (0 header, 1 payload) read as a JSON object without verifying anything, leniently
 * (atob), for routing decisions such as a token's type, a key id or an expiry we minted ourselves.
 */
export function unverifiedPart(token: string, index: 0 | 1): Record<string, unknown> | undefined {
  try {
    const part = token.split(".", 3)[index] ?? "";
    const parsed: unknown = JSON.parse(atob(part.replace(/-/g, "+").replace(/_/g, "/")));
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The decoded token, or undefined when @clerk/backend's decodeJwt would report it as malformed. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [rawHeader, rawPayload, rawSignature] = parts as [string, string, string];
  const header = binaryOf(rawHeader);
  const payload = binaryOf(rawPayload);
  const signature = binaryOf(rawSignature);
  if (header === undefined || payload === undefined || signature === undefined) return undefined;
  let decoded: [unknown, unknown];
  try {
    decoded = [JSON.parse(textOf(header)), JSON.parse(textOf(payload))];
  } catch {
    return undefined;
  }
  // JSON that is not an object (`null`, `1`) would make any claim check throw: malformed as well.
  if (!decoded.every((part) => typeof part === "object" && part !== null)) return undefined;
  return {
    header: decoded[0] as Record<string, unknown>,
    payload: decoded[1] as Record<string, unknown>,
    signature: bytesOf(signature),
    raw: { header: rawHeader, payload: rawPayload },
  };
}
