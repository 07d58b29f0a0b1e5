// Clerk's JWKS keys are turned into SPKI PEM without WebCrypto (shared/auth/pem.ts): the result must be the
// very PEM node:crypto exports for the same key, whatever the modulus' leading byte.
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { rsaJwkToPem, spkiDer } from "../shared/auth/pem.ts";

describe("rsaJwkToPem", () => {
  const keys = Array.from(
    { length: 12 },
    (_, i) => generateKeyPairSync("rsa", { modulusLength: [2048, 3072, 4096][i % 3]! }).publicKey,
  );
  it.each(keys.map((key, i) => [i, key] as const))("key %i: the same PEM node:crypto exports", (_i, key) => {
    const { n, e } = key.export({ format: "jwk" });
    const expected = (key.export({ type: "spki", format: "pem" }) as string).trim();
    expect(rsaJwkToPem(n!, e!)).toBe(expected);
    expect(
      createPublicKey({ key: Buffer.from(spkiDer(expected)), format: "der", type: "spki" }).equals(key),
    ).toBe(true);
  });

  it("drops a modulus' redundant leading zero bytes, as DER requires", () => {
    const key = keys[0]!;
    const { n, e } = key.export({ format: "jwk" });
    const padded = Buffer.concat([Buffer.from([0, 0]), Buffer.from(n!, "base64url")]).toString("base64url");
    expect(rsaJwkToPem(padded, e!)).toBe(rsaJwkToPem(n!, e!));
  });

  it("refuses a modulus that is not base64url", () => {
    expect(() => rsaJwkToPem("not*base64", "AQAB")).toThrow();
  });
});
