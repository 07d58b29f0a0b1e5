// The Node bundles' shared/auth/rsa.ts (scripts/build.ts swaps it in): node:crypto instead of WebCrypto.
// Node's WebCrypto sets up its WebIDL converters and job queue on the first importKey and verify, ~4 ms
// of a function's cold start; createPublicKey and verify are direct calls into OpenSSL.
// test/verify-parity.test.ts holds both to @clerk/backend's verdicts.
import { createPublicKey, verify } from "node:crypto";
import { isClerkRsaKey, spkiDer } from "../shared/auth/pem.ts";
import type { Rs256Verifier } from "../shared/auth/rsa.ts";

export async function rs256Verifier(pem: string): Promise<Rs256Verifier> {
  // The same input as WebCrypto's: the PEM's base64 read as SPKI DER, nothing else (no certificates or
  // private keys, which createPublicKey would also take).
  const key = createPublicKey({ key: Buffer.from(spkiDer(pem)), format: "der", type: "spki" });
  // WebCrypto refuses a key of another kind (EC, RSA-PSS) for RSASSA-PKCS1-v1_5; so does this.
  if (key.asymmetricKeyType !== "rsa") throw new TypeError("not an RSA public key");
  const { modulusLength, publicExponent } = key.asymmetricKeyDetails ?? {};
  if (!isClerkRsaKey(modulusLength ?? 0, publicExponent ?? 0n))
    throw new TypeError("not a key Clerk signs with");
  return async (signature, data) => verify("RSA-SHA256", data, key, signature);
}
