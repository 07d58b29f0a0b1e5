// An SPKI PEM's key bytes, read the same way by both signature checkers (rsa.ts, runtime/rsa-node.ts):
// the base64 between the armour lines, strictly (atob throws on anything outside the alphabet).
export const spkiDer = (pem: string): Uint8Array<ArrayBuffer> =>
  Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, "")), (c) => c.charCodeAt(0));
