// What one isolate keeps between requests for auth: one Clerk client (createClerkClient builds its API
// resources and fetch wrapper once), one key store, remembered tokens. Rebuilt only when the config changes.
import { type ClerkClient, createClerkClient } from "@clerk/backend";
import type { Config } from "../config.ts";
import { JwksStore } from "./jwks.ts";
import { OpaqueTokenVerifier } from "./machine.ts";
import { TokenCache } from "./token-cache.ts";

export interface IsolateAuth {
  config: Config;
  clerk: ClerkClient;
  /** Absent in networkless mode (CLERK_JWT_KEY). */
  jwks: JwksStore | undefined;
  cookieSuffix: Promise<string> | undefined;
  verified: TokenCache;
  opaque: OpaqueTokenVerifier;
}
let isolateAuth: IsolateAuth | undefined;

export function authFor(config: Config): IsolateAuth {
  if (isolateAuth?.config !== config) {
    const clerk = createClerkClient({
      secretKey: config.secretKey,
      publishableKey: config.publishableKey,
      apiUrl: config.apiUrl,
      // No SDK telemetry from an API function (and no banner in the structured logs).
      telemetry: { disabled: true },
    });
    isolateAuth = {
      config,
      clerk,
      jwks: config.jwtKey
        ? undefined
        : new JwksStore({
            apiUrl: config.apiUrl,
            secretKey: config.secretKey,
            timeoutMs: config.upstreamTimeoutMs,
          }),
      cookieSuffix: undefined,
      verified: new TokenCache(),
      opaque: new OpaqueTokenVerifier(clerk, config),
    };
  }
  return isolateAuth;
}

export function clerkClient(config: Config): ClerkClient {
  return authFor(config).clerk;
}

// @clerk/backend ignores authorizedParties on createClerkClient(); they only take effect per call.
export const sdkAuthorizedParties = (config: Config) =>
  config.authorizedParties.length > 0 ? config.authorizedParties : undefined;
