// An SPKI PEM's key bytes, read the same way by both signature checkers (rsa.ts, runtime/rsa-node.ts):
// the base64 between the armour lines, strictly (atob throws on anything outside the alphabet).
export const spkiDer = (pem: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, "")), (c) => c.charCodeAt(0));

/**
 * Clerk signs with RSA keys of 2048 bits and exponent 65537. A key outside 2048–4096 bits or with another
 * exponent is refused by both checkers alike (a small modulus or an exponent of 1 or 3 would let tokens be
 * forged; Deno's WebCrypto refuses some of these on its own and Node's does not).
 */
export const isClerkRsaKey = (modulusLength: number, publicExponent: bigint) =>
  modulusLength >= 2048 && modulusLength <= 4096 && publicExponent === 65537n;
