// The benchmark's FLOOR: the least a Web-standard function must do to answer `protected` correctly —
// read `Authorization: Bearer`, verify the session token with jose against a key imported once, apply
// the same claim checks, and return the same 200 body and headers. Whatever the project costs beyond
// this is overhead it could, in principle, remove. Not a function of the project: bench only.
import { type CryptoKey, createRemoteJWKSet, importSPKI, type JWTVerifyGetKey, jwtVerify } from "jose";

type Env = { get(name: string): string | undefined };
const runtime = globalThis as typeof globalThis & { Deno?: { env: Env } };
const env = (name: string): string | undefined => runtime.Deno?.env.get(name) ?? runtime.process?.env[name];

interface Verifier {
  key: CryptoKey | JWTVerifyGetKey;
  issuer: string;
  authorizedParties: string[];
}

/** `pk_test_<base64("<frontend api host>$")>` → `https://<host>`, as the project derives `iss`. */
function issuerOf(publishableKey: string): string {
  const host = atob(publishableKey.replace(/^pk_(test|live)_/, "")).replace(/\$$/, "");
  return `https://${host}`;
}

async function createVerifier(): Promise<Verifier> {
  const pem = env("CLERK_JWT_KEY");
  const apiUrl = env("CLERK_API_URL") ?? "https://api.clerk.com";
  const key = pem
    ? await importSPKI(pem.replace(/\\n/g, "\n"), "RS256")
    : // Fetched on first use and cached by jose, imported once per kid: the JWKS-mode equivalent.
      createRemoteJWKSet(new URL("/v1/jwks", apiUrl), {
        headers: { authorization: `Bearer ${env("CLERK_SECRET_KEY")}` },
      });
  const parties = env("CLERK_AUTHORIZED_PARTIES") ?? "";
  return {
    key,
    issuer: issuerOf(env("CLERK_PUBLISHABLE_KEY") ?? ""),
    authorizedParties: parties
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean),
  };
}

let verifier: Promise<Verifier> | undefined;

/** The same checks the project asks of @clerk/backend: RS256, iss, azp, exp/nbf ± 5 s, sub and sid. */
async function isValid(token: string): Promise<boolean> {
  verifier ??= createVerifier();
  const ready = await verifier;
  const checks = {
    algorithms: ["RS256"],
    issuer: ready.issuer,
    clockTolerance: 5,
    requiredClaims: ["exp", "nbf", "sub", "sid"],
  };
  try {
    const { payload } =
      typeof ready.key === "function"
        ? await jwtVerify(token, ready.key, checks)
        : await jwtVerify(token, ready.key, checks);
    if (ready.authorizedParties.length > 0 && !ready.authorizedParties.includes(String(payload.azp)))
      return false;
    return typeof payload.sub === "string" && typeof payload.sid === "string";
  } catch {
    return false;
  }
}

function reply(status: number, body: string, extra: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    // The project's headers on this path, so both send the same bytes.
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      vary: "Origin",
      "x-request-id": crypto.randomUUID(),
      ...extra,
    },
  });
}

export default async function floor(req: Request): Promise<Response> {
  const auth = req.headers.get("authorization");
  const token = auth?.startsWith("Bearer ") ? auth.slice("Bearer ".length) : undefined;
  if (token && (await isValid(token))) return reply(200, '{"data":{"message":"Hello World"}}');
  return reply(401, '{"error":{"code":"unauthorized"}}', { "www-authenticate": 'Bearer realm="api"' });
}
