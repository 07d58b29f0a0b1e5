// The auth decision table: each case is a request a client or an attacker can send, the status it must
// get and the reason the function logs, in JWKS mode and in networkless mode (CLERK_JWT_KEY). Ids are
// stable (t: time claims, k: keys and signatures, c: claims, h: how the token is carried, v: valid), so a
// failure names the same case on every host. test/support/auth-runner.ts runs it on each host.
//
// Every case mints its own token: verified header tokens are remembered per isolate, so a reused token
// would not exercise verification at all.
import { expect } from "vitest";
import type { ClerkStandIn } from "../scripts/stand-ins/clerk.ts";
import { decodePart, hs256WithPublicKey, signedWithOtherKey, tamper, unsigned } from "./support/forge.ts";
import type { Mode } from "./support/modes.ts";
import type { AttackerKey } from "./support/probe.ts";
import type { Stack } from "./support/stack.ts";

/** What a case sends: headers and query through fetch, or raw header lines (repeats kept) via node:http. */
export interface Attempt {
  headers?: Record<string, string>;
  query?: string;
  raw?: [string, string][];
}

export interface Tools {
  stack: Stack;
  /** A second Clerk instance (its own keys and issuer), as another app's cookie would come from. */
  other: ClerkStandIn;
  attacker: AttackerKey;
  /** Where the attacker serves its JWKS (for `jku` / `x5u`): must never be fetched. */
  attackerUrl: string;
}

export type PerMode<T> = T | Record<Mode, T>;

export interface AuthCase {
  id: string;
  name: string;
  attempt: (t: Tools) => Promise<Attempt>;
  status: PerMode<number>;
  /** The logged reason of a 401 (a 200 logs none). */
  reason?: PerMode<string | undefined>;
  /**
   * Node's HTTP parser refuses headers over 16 KiB with 431 before scripts/serve.ts (the stand-in for
   * Netlify's front end) hands the request to the function; that is a refusal too, just without a log line.
   */
  parserMayRefuse?: boolean;
  /** What a host whose front end changes the request makes of the case instead, and why. */
  onHost?: Record<string, { status: number; reason?: string; why: string }>;
}

export const perMode = <T>(value: PerMode<T>, mode: Mode): T =>
  typeof value === "object" && value !== null && mode in value
    ? (value as Record<Mode, T>)[mode]
    : (value as T);

export const nowS = () => Math.floor(Date.now() / 1000);
export const mint = (
  s: Stack,
  extra: Omit<Parameters<Stack["clerk"]["mintSessionToken"]>[0], "userId"> = {},
) => s.clerk.mintSessionToken({ userId: "user_alice", ...extra });
export const bearer = (token: string): Attempt => ({ headers: { authorization: `Bearer ${token}` } });
/** A browser on a development instance sends the client's uat and the dev browser next to __session. */
export const sessionCookie = (token: string): Attempt => ({
  headers: { cookie: `__client_uat=${nowS() - 60}; __clerk_db_jwt=dvb_local; __session=${token}` },
});

/** A token whose signature was made by neither Clerk nor anyone else: a middle character flipped. */
export function flipSignature(token: string): string {
  const [h, p, sig] = token.split(".") as [string, string, string];
  const i = Math.floor(sig.length / 2);
  return `${h}.${p}.${sig.slice(0, i)}${sig[i] === "A" ? "B" : "A"}${sig.slice(i + 1)}`;
}

/** Clerk's claims for alice, signed by the attacker under `header` (alg RS256). */
async function attackerSigned(t: Tools, header: Record<string, unknown>, claims: object = {}) {
  const genuine = await mint(t.stack);
  return t.attacker.sign({ ...decodePart(genuine, 1), ...claims }, { typ: "JWT", ...header });
}

/** A `supabase` JWT template token, obtained the way the functions do: from the Backend API. */
async function templateToken(s: Stack): Promise<string> {
  const sid = s.clerk.createSession("user_alice");
  const res = await fetch(`${s.clerk.url}/v1/sessions/${sid}/tokens/supabase`, {
    method: "POST",
    headers: { authorization: `Bearer ${s.clerk.secretKey}`, "content-type": "application/json" },
    body: "{}",
  });
  return ((await res.json()) as { jwt: string }).jwt;
}

type MintOptions = Parameters<typeof mint>[1];
const AZP_REFUSED = "token-invalid-authorized-parties";

/** Rows of Clerk-signed tokens minted with `extra` changed, sent as bearer tokens and refused for `reason`. */
function refusedMints(rows: [id: string, name: string, extra: MintOptions, reason: string][]): AuthCase[] {
  return rows.map(([id, name, extra, reason]) => ({
    id,
    name,
    attempt: async (t) => bearer(await mint(t.stack, extra)),
    status: 401,
    reason,
  }));
}

const CASES: AuthCase[] = [
  // Genuine tokens, as a signed-in client sends them.
  {
    id: "v1",
    name: "valid token in the Authorization header",
    attempt: async (t) => bearer(await mint(t.stack)),
    status: 200,
  },
  {
    id: "v2",
    name: "valid token in the __session cookie",
    attempt: async (t) => sessionCookie(await mint(t.stack)),
    status: 200,
  },

  // Time claims: the SDK allows 5 s of skew (expired when exp·1000 ≤ now − 5000; early when nbf or
  // iat·1000 > now + 5000). The boundary pairs sit 1 s either side of it.
  {
    id: "t1",
    name: "expired beyond the skew",
    attempt: async (t) => bearer(await mint(t.stack, { now: nowS() - 120, ttlSeconds: 60 })),
    status: 401,
    reason: "token-expired",
  },
  {
    id: "t2",
    name: "exp 1–2 s ago (inside the skew)",
    attempt: async (t) => {
      // Past, yet 3 s or more inside the 5 s skew: a slow host (a cold isolate per request) still verifies
      // it in time. At 4 s ago, one slow second turned this into a 401.
      const exp = Math.floor((Date.now() - 1000) / 1000);
      return bearer(await mint(t.stack, { now: exp - 60, ttlSeconds: 60 }));
    },
    status: 200,
  },
  {
    id: "t3",
    name: "exp 6 s ago (just outside the skew)",
    attempt: async (t) => {
      const exp = Math.floor((Date.now() - 6000) / 1000);
      return bearer(await mint(t.stack, { now: exp - 60, ttlSeconds: 60 }));
    },
    status: 401,
    reason: "token-expired",
  },
  {
    id: "t4",
    name: "nbf a minute ahead",
    attempt: async (t) => bearer(await mint(t.stack, { claims: { nbf: nowS() + 60 } })),
    status: 401,
    reason: "token-not-active-yet",
  },
  {
    id: "t5",
    name: "nbf 4 s ahead (inside the skew)",
    attempt: async (t) =>
      bearer(await mint(t.stack, { claims: { nbf: Math.floor((Date.now() + 4000) / 1000) } })),
    status: 200,
  },
  {
    id: "t6",
    name: "nbf 6 s ahead (just outside the skew)",
    attempt: async (t) =>
      bearer(await mint(t.stack, { claims: { nbf: Math.ceil((Date.now() + 6000) / 1000) } })),
    status: 401,
    reason: "token-not-active-yet",
  },
  {
    id: "t7",
    name: "iat a minute ahead",
    attempt: async (t) => bearer(await mint(t.stack, { claims: { iat: nowS() + 60 } })),
    status: 401,
    reason: "token-iat-in-the-future",
  },
  {
    id: "t8",
    name: "iat 4 s ahead (inside the skew)",
    attempt: async (t) =>
      bearer(await mint(t.stack, { claims: { iat: Math.floor((Date.now() + 4000) / 1000) } })),
    status: 200,
  },
  {
    id: "t9",
    name: "iat 6 s ahead (just outside the skew)",
    attempt: async (t) =>
      bearer(await mint(t.stack, { claims: { iat: Math.ceil((Date.now() + 6000) / 1000) } })),
    status: 401,
    reason: "token-iat-in-the-future",
  },
  {
    id: "t10",
    name: "exp missing",
    attempt: async (t) => bearer(await mint(t.stack, { claims: { exp: undefined } })),
    status: 401,
    reason: "token-verification-failed",
  },

  // Keys and signatures.
  {
    id: "k1",
    name: "kid Clerk does not list, signed by another key",
    attempt: async (t) => bearer(await attackerSigned(t, { kid: "ins_unknown_k1" })),
    status: 401,
    reason: { jwks: "jwk-kid-mismatch", networkless: "token-invalid-signature" },
  },
  {
    id: "k2",
    name: "no kid, signed by another key",
    attempt: async (t) => bearer(await attackerSigned(t, {})),
    status: 401,
    reason: { jwks: "jwk-kid-mismatch", networkless: "token-invalid-signature" },
  },
  {
    id: "k3",
    name: "Clerk's kid, signed by a key Clerk never issued",
    attempt: async (t) => bearer(await signedWithOtherKey(await mint(t.stack))),
    status: 401,
    reason: "token-invalid-signature",
  },
  {
    id: "k4",
    name: "header tampered after signing (a parameter added)",
    attempt: async (t) => bearer(tamper(await mint(t.stack), { x5t: "AAAA" }, 0)),
    status: 401,
    reason: "token-invalid-signature",
  },
  {
    id: "k4b",
    name: "header tampered after signing (typ changed): refused before the signature is checked",
    attempt: async (t) => bearer(tamper(await mint(t.stack), { typ: "JWS" }, 0)),
    status: 401,
    reason: "token-invalid",
  },
  {
    id: "k5",
    name: "payload tampered after signing (sub swapped to bob)",
    attempt: async (t) => bearer(tamper(await mint(t.stack), { sub: "user_bob" })),
    status: 401,
    reason: "token-invalid-signature",
  },
  {
    id: "k6",
    name: "signature tampered (one character flipped)",
    attempt: async (t) => bearer(flipSignature(await mint(t.stack))),
    status: 401,
    reason: "token-invalid-signature",
  },
  {
    id: "k7",
    name: "alg none without a signature",
    attempt: async (t) => bearer(unsigned(await mint(t.stack))),
    status: 401,
    reason: "token-invalid-algorithm",
  },
  {
    id: "k8",
    name: "HS256 signed with Clerk's public key PEM (algorithm confusion)",
    attempt: async (t) => bearer(hs256WithPublicKey(await mint(t.stack), t.stack.clerk.jwtKeyPem)),
    status: 401,
    reason: "token-invalid-algorithm",
  },
  {
    id: "k9",
    name: "RS256 with an x5u header pointing at the attacker's key",
    attempt: async (t) =>
      bearer(await attackerSigned(t, { kid: t.stack.clerk.kid, x5u: `${t.attackerUrl}/cert.pem` })),
    status: 401,
    reason: "token-invalid-signature",
  },
  {
    id: "k10",
    name: "RS256 with a jku header pointing at the attacker's JWKS (attacker's kid)",
    attempt: async (t) =>
      bearer(
        await attackerSigned(t, { kid: t.attacker.publicJwk.kid, jku: `${t.attackerUrl}/.well-known/jwks` }),
      ),
    status: 401,
    reason: { jwks: "jwk-kid-mismatch", networkless: "token-invalid-signature" },
  },
  {
    id: "k11",
    name: "RS256 with the attacker's public key embedded as a jwk header (Clerk's kid)",
    attempt: async (t) =>
      bearer(await attackerSigned(t, { kid: t.stack.clerk.kid, jwk: t.attacker.publicJwk })),
    status: 401,
    reason: "token-invalid-signature",
  },
  {
    id: "k12",
    name: "a Clerk 'supabase' template token (HS256) presented as a session token",
    attempt: async (t) => bearer(await templateToken(t.stack)),
    status: 401,
    reason: { jwks: "jwk-kid-mismatch", networkless: "token-invalid-algorithm" },
  },
  {
    id: "k13",
    name: "a __session cookie token from another Clerk instance",
    attempt: async (t) => sessionCookie(await t.other.mintSessionToken({ userId: "user_alice" })),
    status: 401,
    // Networkless, the SDK itself sees an unsuffixed __session issued by another instance (two apps on one
    // localhost), looks for this instance's suffixed cookies instead and finds no dev browser for them.
    reason: { jwks: "jwk-kid-mismatch", networkless: "dev-browser-missing" },
  },

  // Claims Clerk signed, but not for us or not for this.
  ...refusedMints([
    ["c1", "azp not an authorized party", { claims: { azp: "https://evil.example" } }, AZP_REFUSED],
    ["c2", "azp missing while authorized parties are set", { claims: { azp: undefined } }, AZP_REFUSED],
  ]),
  {
    id: "c3",
    name: "azp not authorized, in the __session cookie (CSRF)",
    attempt: async (t) => sessionCookie(await mint(t.stack, { claims: { azp: "https://evil.example" } })),
    status: 401,
    reason: AZP_REFUSED,
  },
  ...refusedMints([
    [
      "c4",
      "iss of another Clerk instance",
      { claims: { iss: "https://clerk.other.example" } },
      "token-invalid-issuer",
    ],
    ["c5", "sub missing", { claims: { sub: undefined } }, "token-verification-failed"],
    ["c6", "sid missing", { claims: { sid: undefined } }, "session-claims-missing"],
    ["c7", "pending session (sts: pending)", { claims: { sts: "pending" } }, "session-pending"],
    [
      "c8",
      "an M2M token (cat cl_B7d4PD333AAA) presented as a session token",
      { header: { cat: "cl_B7d4PD333AAA" } },
      "token-type-mismatch",
    ],
  ]),
  // Clerk-signed machine JWTs are not session tokens, but protected accepts machine callers.
  {
    id: "c9",
    name: "an OAuth access token (typ at+jwt, no cat) signed by Clerk: protected accepts OAuth JWTs",
    attempt: async (t) => bearer(await mint(t.stack, { header: { typ: "at+jwt", cat: undefined } })),
    status: 200,
  },
  {
    id: "c10",
    name: "an M2M JWT (sub mch_…, no sid, no cat) signed by Clerk: protected accepts M2M JWTs",
    attempt: async (t) =>
      bearer(
        await mint(t.stack, { header: { cat: undefined }, claims: { sub: "mch_fuzz", sid: undefined } }),
      ),
    status: 200,
  },

  // How the token is carried.
  {
    id: "h1",
    name: "lowercase bearer scheme",
    attempt: async (t) => ({ headers: { authorization: `bearer ${await mint(t.stack)}` } }),
    status: 401,
    reason: "authorization-scheme-unsupported",
  },
  {
    id: "h2",
    name: "Basic scheme carrying a valid token",
    attempt: async (t) => ({ headers: { authorization: `Basic ${await mint(t.stack)}` } }),
    status: 401,
    reason: "authorization-scheme-unsupported",
  },
  {
    id: "h3",
    name: "two Authorization headers, each a valid token (joined as 'Bearer T, Bearer U')",
    attempt: async (t) => ({
      raw: [
        ["authorization", `Bearer ${await mint(t.stack)}`],
        ["authorization", `Bearer ${await mint(t.stack)}`],
      ],
    }),
    status: 401,
    reason: "token-invalid",
    onHost: {
      "netlify-dev": {
        status: 200,
        why: "netlify dev's proxy forwards only one of the two headers: the function sees one genuine token",
      },
      "netlify-edge": {
        status: 200,
        why: "netlify dev's proxy forwards only one of the two headers to its edge functions too",
      },
    },
  },
  {
    id: "h4",
    name: "a rejected header token is not rescued by a valid __session cookie",
    attempt: async (t) => ({
      headers: {
        authorization: `Bearer ${flipSignature(await mint(t.stack))}`,
        cookie: sessionCookie(await mint(t.stack)).headers!.cookie!,
      },
    }),
    status: 401,
    reason: "token-invalid-signature",
  },
  {
    id: "h5",
    name: "non-ASCII (Latin-1) characters inside the token",
    attempt: async (t) => {
      const [h, p, sig] = (await mint(t.stack)).split(".");
      return bearer(`${h}.${p!.slice(0, 10)}é${p!.slice(10)}.${sig}`);
    },
    status: 401,
    reason: "token-invalid",
  },
  {
    id: "h6",
    name: "non-ASCII (Latin-1) garbage as the bearer token",
    // Header values are bytes; fetch sends U+0080..U+00FF as single Latin-1 bytes (obs-text, RFC 9110).
    attempt: async () => bearer(`ÿñ.${crypto.randomUUID()}.ü`),
    status: 401,
    reason: "token-invalid",
  },
  {
    id: "h7",
    name: "a forged token just under Node's 16 KiB header limit",
    attempt: async (t) => {
      const token = await attackerSigned(t, { kid: t.stack.clerk.kid }, { pad: "x".repeat(10_500) });
      expect(token.length).toBeGreaterThan(14_000);
      expect(token.length).toBeLessThan(15_500);
      return bearer(token);
    },
    status: 401,
    reason: "token-invalid-signature",
  },
  {
    id: "h8",
    name: "a forged 64 KiB token",
    attempt: async (t) =>
      bearer(await attackerSigned(t, { kid: t.stack.clerk.kid }, { pad: "x".repeat(48_000) })),
    status: 401,
    reason: "token-invalid-signature",
    parserMayRefuse: true,
  },
  {
    id: "h9",
    name: "not a JWT at all",
    attempt: async () => bearer(`not-a-jwt-${crypto.randomUUID()}`),
    status: 401,
    reason: "token-invalid",
  },
  {
    id: "h10",
    name: "handshake-eligible browser GET with an expired __session cookie: signed out, no redirect",
    attempt: async (t) => ({
      headers: {
        cookie: `__session=${await mint(t.stack, { now: nowS() - 120, ttlSeconds: 60 })}; __client_uat=${nowS() - 200}; __clerk_db_jwt=dvb_local`,
        "sec-fetch-dest": "document",
        accept: "text/html",
      },
    }),
    status: 401,
    reason: "handshake",
  },
];

/** A Clerk-signed token with a kid Clerk does not list: only the JWKS lookup refuses it. */
const KID_ONLY: AuthCase = {
  id: "k14",
  name: "kid Clerk does not list, signed by Clerk's current key",
  attempt: async (t) => bearer(await mint(t.stack, { header: { kid: `ins_random_${crypto.randomUUID()}` } })),
  // With CLERK_JWT_KEY the key is pinned and the kid is irrelevant: the signature is genuinely Clerk's.
  status: { jwks: 401, networkless: 200 },
  reason: { jwks: "jwk-kid-mismatch", networkless: undefined },
};

/** Every case, in id order within each group. */
export const AUTH_CASES: AuthCase[] = [...CASES, KID_ONLY];
