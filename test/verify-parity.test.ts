// shared/auth/verify.ts verifies header tokens with a key imported once; @clerk/backend's verifyToken
// is the reference. Both must reach the same verdict (and reason) on every token below.
import { verifyToken } from "@clerk/backend";
import { decodeJwt as sdkDecodeJwt } from "@clerk/backend/jwt";
import { exportSPKI, generateKeyPair } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClerkStandIn, startClerkStandIn } from "../scripts/stand-ins/clerk.ts";
import { decodeJwt } from "../shared/auth/jwt.ts";
import { TokenRejected, verifySessionToken } from "../shared/auth/verify.ts";
import { hs256WithPublicKey, signedWithOtherKey, tamper, unsigned } from "./support/forge.ts";

const PARTY = "http://localhost:8888";
let clerk: ClerkStandIn;
let otherPem: string;

beforeAll(async () => {
  clerk = await startClerkStandIn({ authorizedParty: PARTY });
  otherPem = await exportSPKI((await generateKeyPair("RS256", { extractable: true })).publicKey);
});
afterAll(async () => {
  await clerk.close();
});

const now = () => Math.floor(Date.now() / 1000);
const mint = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}, extra = {}) =>
  clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 600, claims, header, ...extra });
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

type Corpus = [name: string, token: () => Promise<string>][];
const CORPUS: Corpus = [
  ["valid", () => mint()],
  ["valid, typ absent", () => mint({}, { typ: undefined })],
  ["typ at+jwt", () => mint({}, { typ: "at+jwt" })],
  ["expired 6 s past", () => mint({ exp: now() - 6 })],
  ["expired 4 s past (inside skew)", () => mint({ exp: now() - 4 })],
  ["exp fractional", () => mint({ exp: now() + 0.5 })],
  ["exp huge", () => mint({ exp: 1e20 })],
  ["exp string", () => mint({ exp: String(now() + 60) })],
  ["exp missing", () => mint({ exp: undefined })],
  ["nbf future", () => mint({ nbf: now() + 60 })],
  ["nbf string", () => mint({ nbf: "soon" })],
  ["iat future", () => mint({ iat: now() + 60 })],
  ["iat null", () => mint({ iat: null })],
  ["sub missing", () => mint({ sub: undefined })],
  ["sub number", () => mint({ sub: 42 })],
  ["azp missing", () => mint({ azp: undefined })],
  ["azp other", () => mint({ azp: "https://evil.example" })],
  ["azp array", () => mint({ azp: [PARTY] })],
  ["iss other", () => mint({ iss: "https://clerk.other.example" })],
  ["iss missing", () => mint({ iss: undefined })],
  ["aud present", () => mint({ aud: "something" })],
  ["signed by another key", async () => signedWithOtherKey(await mint())],
  ["payload tampered", async () => tamper(await mint(), { sub: "user_bob" })],
  ["header tampered (kid)", async () => tamper(await mint(), { kid: "other" }, 0)],
  ["alg none", async () => unsigned(await mint())],
  ["alg HS256 with the public key", async () => hs256WithPublicKey(await mint(), clerk.jwtKeyPem)],
  ["alg RS384 label on an RS256 signature", async () => tamper(await mint(), { alg: "RS384" }, 0)],
  ["alg as array", async () => tamper(await mint(), { alg: ["RS256"] }, 0)],
  ["alg toString", async () => tamper(await mint(), { alg: "toString" }, 0)],
  ["signature truncated", async () => (await mint()).slice(0, -10)],
  ["signature empty", async () => (await mint()).replace(/\.[^.]+$/, ".")],
  ["two parts", async () => (await mint()).split(".").slice(0, 2).join(".")],
  ["four parts", async () => `${await mint()}.x`],
  ["header not JSON", async () => `bm90IGpzb24.${(await mint()).split(".")[1]}.x`],
  ["payload not JSON", async () => `${(await mint()).split(".")[0]}.bm90IGpzb24.x`],
  ["payload is an array", async () => `${(await mint()).split(".")[0]}.${b64([1])}.x`],
  ["garbage", async () => "not-a-jwt"],
  ["empty", async () => ""],
];

async function sdkVerdict(token: string, pem: string): Promise<string> {
  try {
    await verifyToken(token, { jwtKey: pem, authorizedParties: [PARTY], issuer: clerk.issuer });
    return "ok";
  } catch (err) {
    return (err as { reason?: string }).reason ?? "thrown";
  }
}

async function ourVerdict(token: string, pem: string): Promise<string> {
  try {
    await verifySessionToken(token, { pem, authorizedParties: [PARTY], issuer: clerk.issuer });
    return "ok";
  } catch (err) {
    return err instanceof TokenRejected ? err.reason : "thrown";
  }
}

describe("same verdict as @clerk/backend's verifyToken", () => {
  it.each(CORPUS)("%s", async (_name, make) => {
    const token = await make();
    for (const pem of [clerk.jwtKeyPem, otherPem]) {
      expect(await ourVerdict(token, pem)).toBe(await sdkVerdict(token, pem));
    }
  });

  it("the corpus has both outcomes (it is not trivially all-rejected)", async () => {
    const verdicts = await Promise.all(
      CORPUS.map(async ([, make]) => ourVerdict(await make(), clerk.jwtKeyPem)),
    );
    expect(verdicts.filter((v) => v === "ok").length).toBeGreaterThanOrEqual(4);
    expect(new Set(verdicts).size).toBeGreaterThanOrEqual(8);
  });
});

describe("decodeJwt agrees with @clerk/backend's on what is malformed", () => {
  const enc = (text: string) => Buffer.from(text).toString("base64url");
  const header = enc('{"alg":"RS256","typ":"JWT"}');
  const payload = enc('{"sub":"user_1","name":"Zoë"}');
  const cases: [string, string][] = [
    ["well formed", `${header}.${payload}.${enc("sig")}`],
    ["padded parts", `${header}==.${payload}=.${enc("sig")}=`],
    ["standard alphabet (+ and /)", `${header}.${payload}.ab+/`],
    ["a stray = inside", `${header}.${payload}.ab=cd`],
    ["one leftover character", `${header}.${payload}.abcde`],
    ["leftover bits not zero", `${header}.${payload}.abd`],
    ["leftover bits zero", `${header}.${payload}.abc`],
    ["whitespace", `${header}.${payload}.ab cd`],
    ["header is null", `${enc("null")}.${payload}.${enc("sig")}`],
    ["payload is a number", `${header}.${enc("1")}.${enc("sig")}`],
    ["non-ASCII JSON", `${enc('{"alg":"RS256","x":"\u00e9\u4e2d"}')}.${payload}.${enc("sig")}`],
    [
      "invalid UTF-8 in a string",
      `${Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]).toString("base64url")}.${payload}.x`,
    ],
    ["four parts", `${header}.${payload}.${enc("sig")}.x`],
    ["empty", ""],
  ];
  it.each(cases)("%s", (_name, token) => {
    let sdk: unknown;
    try {
      const { header: h, payload: p, signature } = sdkDecodeJwt(token);
      // The SDK hands `null`/`1` through and then fails on the first claim; ours calls it malformed.
      sdk =
        h && typeof h === "object" && p && typeof p === "object" ? { h, p, s: [...signature] } : undefined;
    } catch {
      sdk = undefined;
    }
    const ours = decodeJwt(token);
    expect(ours && { h: ours.header, p: ours.payload, s: [...ours.signature] }).toEqual(sdk);
  });
});
