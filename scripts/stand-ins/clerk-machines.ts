// Machine authentication in the Clerk Backend API stand-in: machines and their secret keys, M2M tokens,
// API keys and OAuth access tokens (minted and stored in clerk-machine-tokens.ts), and the routes
// @clerk/backend verifies them through (clerk-machine-routes.ts).
import { handleMachineRoute } from "./clerk-machine-routes.ts";
import {
  type CreateApiKeyOptions,
  createApiKey,
  createMachine,
  expire,
  type MachineSigner,
  type MintM2MOptions,
  type MintOAuthOptions,
  mintM2MToken,
  mintOAuthToken,
  newMachineState,
  revoke,
  type StandInMachine,
} from "./clerk-machine-tokens.ts";

export {
  type CreateApiKeyOptions,
  M2M_TOKEN_CATEGORY,
  type MachineSigner,
  type MintM2MOptions,
  type MintOAuthOptions,
  type StandInMachine,
} from "./clerk-machine-tokens.ts";

export interface MachineAuth {
  machines: Map<string, StandInMachine>;
  /** A new machine; `id` when a test must know it in advance (Clerk makes one up). */
  createMachine(name: string, scopedMachines?: string[], id?: string): StandInMachine;
  mintM2MToken(opts: MintM2MOptions): Promise<string>;
  createApiKey(opts: CreateApiKeyOptions): string;
  mintOAuthToken(opts: MintOAuthOptions): Promise<string>;
  /** Revokes a token or API key by its secret (as Clerk's revoke endpoints do by id). */
  revoke(secret: string): void;
  /** Moves a token's expiry into the past. */
  expire(secret: string): void;
  /**
   * Answers a machine route, or returns undefined when the path is not one. `bearer` is the
   * Authorization token: machine routes accept machine secret keys where Clerk does.
   */
  handle(method: string, pathname: string, bearer: string, rawBody: string): Promise<Response | undefined>;
}

export function createMachineAuth(signer: MachineSigner): MachineAuth {
  const state = newMachineState(signer);
  return {
    machines: state.machines,
    createMachine: (name, scopedMachines, id) => createMachine(state, name, scopedMachines, id),
    mintM2MToken: (o) => mintM2MToken(state, o),
    createApiKey: (o) => createApiKey(state, o),
    mintOAuthToken: (o) => mintOAuthToken(state, o),
    revoke: (secret) => revoke(state, secret),
    expire: (secret) => expire(state, secret),
    handle: (method, pathname, bearer, rawBody) =>
      handleMachineRoute(state, method, pathname, bearer, rawBody),
  };
}
