// The Node bundles check signatures with node:crypto (runtime/rsa-node.ts, swapped in for
// shared/auth/rsa.ts by the build); every verdict of verify-parity.test.ts must hold with it too.
import { generateKeyPairSync } from "node:crypto";
import { exportSPKI, generateKeyPair } from "jose";
import { describe, expect, it, vi } from "vitest";
import * as nodeRsa from "../runtime/rsa-node.ts";
import "./verify-parity.test.ts";

vi.mock("../shared/auth/rsa.ts", () => import("../runtime/rsa-node.ts"));

const spki = (opts: { modulusLength: number; publicExponent?: number }) =>
  generateKeyPairSync("rsa", opts).publicKey.export({ type: "spki", format: "pem" }) as string;

describe("the WebCrypto and node:crypto verifiers take the same keys", async () => {
  const webRsa = await vi.importActual<typeof nodeRsa>("../shared/auth/rsa.ts");
  const rsaPem = await exportSPKI((await generateKeyPair("RS256", { extractable: true })).publicKey);
  const ecPem = await exportSPKI((await generateKeyPair("ES256", { extractable: true })).publicKey);
  const cases: [string, string, boolean][] = [
    ["an RSA SPKI key", rsaPem, true],
    ["an EC key", ecPem, false],
    [
      "an RSA key under another PEM label (the label is not read)",
      rsaPem.replace(/PUBLIC KEY/g, "RSA PUBLIC KEY"),
      true,
    ],
    ["truncated base64", rsaPem.slice(0, 120), false],
    ["a 1024-bit RSA key", spki({ modulusLength: 1024 }), false],
    ["exponent 3", spki({ modulusLength: 2048, publicExponent: 3 }), false],
    ["a 4096-bit RSA key", spki({ modulusLength: 4096 }), true],
    ["an 8192-bit RSA key", spki({ modulusLength: 8192 }), false],
    ["a character outside base64 in the key", rsaPem.replace(/\n([A-Za-z0-9+/]{10})/, "\n$1*"), false],
    ["not a key", "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----", false],
  ];
  it.each(cases)("%s", async (_name, pem, imports) => {
    const outcome = (impl: typeof nodeRsa) =>
      impl.rs256Verifier(pem).then(
        () => true,
        () => false,
      );
    expect(await outcome(webRsa)).toBe(imports);
    expect(await outcome(nodeRsa)).toBe(imports);
  });
});
