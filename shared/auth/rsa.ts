// Clerk's RS256 signatures checked with WebCrypto, each key imported once per isolate. The Node bundles
// take runtime/rsa-node.ts instead (same exports), whose first check costs a cold start ~4 ms less.
import { isClerkRsaKey, spkiDer } from "./pem.ts";

export type Rs256Verifier = (
  signature: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
) => Promise<boolean>;

/** A verifier for one SPKI PEM; rejects when the PEM is not an RSA public key. */
export async function rs256Verifier(pem: string): Promise<Rs256Verifier> {
  const key = await crypto.subtle.importKey(
    "spki",
    spkiDer(pem),
    { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const { modulusLength, publicExponent } = key.algorithm as RsaHashedKeyAlgorithm;
  const exponent = publicExponent.reduce((n, byte) => n * 256n + BigInt(byte), 0n);
  if (!isClerkRsaKey(modulusLength, exponent)) throw new TypeError("not a key Clerk signs with");
  return (signature, data) => crypto.subtle.verify("RSASSA-PKCS1-v1_5", key, signature, data);
}
