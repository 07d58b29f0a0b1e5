// Clerk's RSA keys as SPKI PEM: read the same way by both signature checkers (rsa.ts,
// runtime/rsa-node.ts), and written from the JWKS's modulus and exponent without WebCrypto, whose first
// use costs a Node cold start ~3 ms (its importKey and exportKey round trip did this before).

const bytesOf = (base64: string) => Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));

/** An SPKI PEM's key bytes: the base64 between the armour lines, strictly (atob throws outside it). */
export const spkiDer = (pem: string): Uint8Array<ArrayBuffer> =>
  bytesOf(pem.replace(/-----[^-]+-----|\s/g, ""));

/**
 * Clerk signs with RSA keys of 2048 bits and exponent 65537. A key outside 2048–4096 bits or with another
 * exponent is refused by both checkers alike (a small modulus or an exponent of 1 or 3 would let tokens be
 * forged; Deno's WebCrypto refuses some of these on its own and Node's does not).
 */
export const isClerkRsaKey = (modulusLength: number, publicExponent: bigint) =>
  modulusLength >= 2048 && modulusLength <= 4096 && publicExponent === 65537n;

const base64url = (part: string) => bytesOf(part.replace(/-/g, "+").replace(/_/g, "/"));

/** DER: a tag, its length (short form, or long form in one or two bytes: keys stay well below 64 KiB). */
function der(tag: number, body: number[]): number[] {
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return [tag, ...length, ...body];
}

/** A DER INTEGER of an unsigned big-endian number: no leading zeros, one added if the top bit is set. */
function derUnsigned(bytes: Uint8Array): number[] {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const digits = [...bytes.subarray(start)];
  return der(0x02, digits[0]! & 0x80 ? [0, ...digits] : digits);
}

/** rsaEncryption (1.2.840.113549.1.1.1) with its NULL parameters. */
const RSA_ALGORITHM = der(
  0x30,
  [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00],
);

/** The SPKI PEM of an RSA public key given as a JWK's base64url `n` and `e`. */
export function rsaJwkToPem(n: string, e: string): string {
  const key = der(0x30, [...derUnsigned(base64url(n)), ...derUnsigned(base64url(e))]);
  const spki = der(0x30, [...RSA_ALGORITHM, ...der(0x03, [0, ...key])]);
  const b64 = btoa(String.fromCharCode(...spki));
  return `-----BEGIN PUBLIC KEY-----\n${b64.match(/.{1,64}/g)!.join("\n")}\n-----END PUBLIC KEY-----`;
}
