// The Supabase gateway's API keys: the legacy JWT keys (role anon / service_role, signed with the project's
// JWT secret) and today's opaque `sb_publishable_…` / `sb_secret_…` keys, which never reach PostgREST.
import { SignJWT } from "jose";
import type { Auth } from "./supabase-jwt.ts";

export interface GatewayKeys {
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
  /**
   * What the gateway makes of the API key before PostgREST sees the request: undefined for an unknown key,
   * else the Auth to use instead of the bearer (null: the bearer decides, as with the legacy keys).
   * A new key without a user token gets the gateway's own token for its role. A secret key runs as
   * service_role whatever the bearer says: the stand-in takes the worst case, so a function that sent
   * one with a user's token would see every row.
   */
  gatewayAuth(apikey: string, authorization: string | null): Auth | null | undefined;
}

const randomKey = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(24)), (b) => b.toString(16).padStart(2, "0")).join("");

export async function gatewayKeys(jwtSecret: string): Promise<GatewayKeys> {
  const secret = new TextEncoder().encode(jwtSecret);
  const sign = (role: string) =>
    new SignJWT({ iss: "supabase", role })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuedAt()
      .setExpirationTime("10y")
      .sign(secret);
  const [anonKey, serviceRoleKey] = await Promise.all([sign("anon"), sign("service_role")]);
  const publishableKey = `sb_publishable_${randomKey()}`;
  const secretKey = `sb_secret_${randomKey()}`;
  return {
    anonKey,
    serviceRoleKey,
    publishableKey,
    secretKey,
    gatewayAuth(apikey, authorization) {
      if (apikey === anonKey || apikey === serviceRoleKey) return null;
      if (apikey === secretKey) return { role: "service_role", claims: { role: "service_role" } };
      if (apikey !== publishableKey) return undefined;
      // supabase-js sends the key itself as the bearer when it has no user token.
      const keyOnly = authorization === null || authorization.trim() === `Bearer ${apikey}`;
      return keyOnly ? { role: "anon", claims: { role: "anon" } } : null;
    },
  };
}
