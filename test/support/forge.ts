// Hand-built JWTs for attacks the stand-in's honest minting cannot produce.
import { createHmac } from "node:crypto";
import { generateKeyPair, SignJWT } from "jose";

const b64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url");

export function decodePart(token: string, part: 0 | 1): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split(".")[part]!, "base64url").toString("utf8"));
}

/** Replace a token's payload (or header) but keep its original signature. */
export function tamper(token: string, patch: Record<string, unknown>, part: 0 | 1 = 1): string {
  const parts = token.split(".");
  parts[part] = b64url(JSON.stringify({ ...decodePart(token, part), ...patch }));
  return parts.join(".");
}

export function unsigned(token: string): string {
  const header = { ...decodePart(token, 0), alg: "none" };
  return `${b64url(JSON.stringify(header))}.${token.split(".")[1]}.`;
}

/** Algorithm confusion: HS256 "signed" with the RSA public key PEM as the HMAC secret. */
export function hs256WithPublicKey(token: string, pem: string): string {
  const header = b64url(JSON.stringify({ ...decodePart(token, 0), alg: "HS256" }));
  const payload = token.split(".")[1];
  const sig = createHmac("sha256", pem).update(`${header}.${payload}`).digest("base64url");
  return `${header}.${payload}.${sig}`;
}

/** The same claims and kid, signed by a key Clerk never issued. */
export async function signedWithOtherKey(token: string): Promise<string> {
  const { privateKey } = await generateKeyPair("RS256");
  const header = decodePart(token, 0);
  return new SignJWT(decodePart(token, 1)).setProtectedHeader({ ...header, alg: "RS256" }).sign(privateKey);
}
