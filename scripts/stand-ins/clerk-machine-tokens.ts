// Machine credentials in the Clerk Backend API stand-in: machines and their secret keys, M2M tokens
// (opaque and JWT), API keys and OAuth access tokens (opaque and JWT), with revocation and expiry.
import { type JWTHeaderParameters, SignJWT } from "jose";
import { json, randomId } from "./bapi.ts";

/** Header `cat` of Clerk's M2M JWTs. */
export const M2M_TOKEN_CATEGORY = "cl_B7d4PD333AAA";

const hex = (bytes = 16) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");

export interface MachineSigner {
  issuer: string;
  /** The instance's current signing key. */
  key(): { kid: string; privateKey: CryptoKey };
  secretKey: string;
  instanceId: string;
}

export interface StandInMachine {
  id: string;
  name: string;
  /** Sent as the bearer to create (and optionally verify) M2M tokens. */
  secretKey: string;
  /** Machines this machine's tokens are scoped to: they may verify them with their own secret key. */
  scopedMachines: string[];
  defaultTokenTtl: number;
  createdAt: number;
}

export interface MintM2MOptions {
  machineId: string;
  format?: "opaque" | "jwt";
  ttlSeconds?: number;
  claims?: Record<string, unknown> | null;
}

export interface CreateApiKeyOptions {
  /** `user_…`, `org_…` or `mch_…`. */
  subject: string;
  name?: string;
  scopes?: string[];
  /** Custom claims Clerk hands back on verification (null: none). */
  claims?: Record<string, unknown> | null;
  /** Absent: never expires. */
  ttlSeconds?: number;
}

export interface MintOAuthOptions {
  userId: string;
  format?: "opaque" | "jwt";
  ttlSeconds?: number;
  scopes?: string[];
  clientId?: string;
}

export interface Stored {
  kind: "m2m" | "api_key" | "oauth";
  body: Record<string, unknown>;
  /** Expiry in ms, null = never (mirrors body.expiration, kept for JWTs too). */
  expiration: number | null;
  jwt: boolean;
}

/** What the machine modules share: the signer and every machine, token and API key by its secret. */
export interface MachineState {
  signer: MachineSigner;
  machines: Map<string, StandInMachine>;
  bySecretKey: Map<string, StandInMachine>;
  /** Tokens and API keys by their secret; ids map to secrets for the revoke routes. */
  tokens: Map<string, Stored>;
  secretById: Map<string, string>;
}

export function newMachineState(signer: MachineSigner): MachineState {
  return { signer, machines: new Map(), bySecretKey: new Map(), tokens: new Map(), secretById: new Map() };
}

export function createMachine(
  state: MachineState,
  name: string,
  scopedMachines: string[] = [],
  id = `mch_${randomId()}`,
): StandInMachine {
  const machine: StandInMachine = {
    id,
    name,
    secretKey: `ak_${hex()}`,
    scopedMachines,
    defaultTokenTtl: 3600,
    createdAt: Date.now(),
  };
  state.machines.set(machine.id, machine);
  state.bySecretKey.set(machine.secretKey, machine);
  return machine;
}

const machineSummary = (state: MachineState, m: StandInMachine) => ({
  object: "machine",
  id: m.id,
  name: m.name,
  instance_id: state.signer.instanceId,
  created_at: m.createdAt,
  updated_at: m.createdAt,
  default_token_ttl: m.defaultTokenTtl,
});

export const machineJson = (state: MachineState, m: StandInMachine) => ({
  ...machineSummary(state, m),
  scoped_machines: m.scopedMachines
    .map((id) => state.machines.get(id))
    .filter((s): s is StandInMachine => Boolean(s))
    .map((s) => machineSummary(state, s)),
});

function store(state: MachineState, secret: string, stored: Stored) {
  state.tokens.set(secret, stored);
  state.secretById.set(stored.body.id as string, secret);
}

function signJwt(state: MachineState, claims: Record<string, unknown>, header: Record<string, unknown>) {
  const key = state.signer.key();
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid: key.kid, ...header } as JWTHeaderParameters)
    .sign(key.privateKey);
}

export async function mintM2MToken(state: MachineState, o: MintM2MOptions): Promise<string> {
  const machine = state.machines.get(o.machineId);
  if (!machine) throw new Error(`no machine ${o.machineId}`);
  const now = Date.now();
  const ttl = o.ttlSeconds ?? machine.defaultTokenTtl;
  const id = `mt_${hex()}`;
  const body: Record<string, unknown> = {
    object: "machine_to_machine_token",
    id,
    subject: machine.id,
    claims: o.claims ?? null,
    scopes: [...machine.scopedMachines],
    revoked: false,
    revocation_reason: null,
    expired: false,
    expiration: now + ttl * 1000,
    last_used_at: null,
    created_at: now,
    updated_at: now,
  };
  let secret: string;
  if (o.format === "jwt") {
    const iat = Math.floor(now / 1000);
    secret = await signJwt(
      state,
      {
        ...o.claims,
        iss: state.signer.issuer,
        sub: machine.id,
        scopes: machine.scopedMachines.join(" "),
        jti: id,
        iat,
        nbf: iat,
        exp: iat + ttl,
      },
      { typ: "JWT", cat: M2M_TOKEN_CATEGORY },
    );
  } else secret = `mt_${hex()}`;
  store(state, secret, { kind: "m2m", body, expiration: body.expiration as number, jwt: o.format === "jwt" });
  return secret;
}

export function createApiKey(state: MachineState, o: CreateApiKeyOptions): string {
  const now = Date.now();
  const secret = `ak_${hex()}${hex(8)}`;
  const expiration = o.ttlSeconds === undefined ? null : now + o.ttlSeconds * 1000;
  store(state, secret, {
    kind: "api_key",
    jwt: false,
    expiration,
    body: {
      object: "api_key",
      id: `ak_${hex()}`,
      type: "api_key",
      subject: o.subject,
      name: o.name ?? "stand-in key",
      description: null,
      claims: o.claims ?? null,
      scopes: o.scopes ?? [],
      revoked: false,
      revocation_reason: null,
      expired: false,
      expiration,
      created_by: null,
      last_used_at: null,
      created_at: now,
      updated_at: now,
    },
  });
  return secret;
}

export async function mintOAuthToken(state: MachineState, o: MintOAuthOptions): Promise<string> {
  const now = Date.now();
  const ttl = o.ttlSeconds ?? 3600;
  const id = `oat_${hex()}`;
  const clientId = o.clientId ?? `client_${randomId()}`;
  const scopes = o.scopes ?? ["profile", "email"];
  const body: Record<string, unknown> = {
    object: "clerk_idp_oauth_access_token",
    id,
    client_id: clientId,
    subject: o.userId,
    scopes,
    revoked: false,
    revocation_reason: null,
    expired: false,
    expiration: now + ttl * 1000,
    created_at: now,
    updated_at: now,
  };
  let secret: string;
  if (o.format === "jwt") {
    const iat = Math.floor(now / 1000);
    secret = await signJwt(
      state,
      {
        iss: state.signer.issuer,
        sub: o.userId,
        client_id: clientId,
        scope: scopes.join(" "),
        jti: id,
        iat,
        nbf: iat,
        exp: iat + ttl,
      },
      { typ: "at+jwt" },
    );
  } else secret = `oat_${hex()}`;
  store(state, secret, {
    kind: "oauth",
    body,
    expiration: body.expiration as number,
    jwt: o.format === "jwt",
  });
  return secret;
}

export function revoke(state: MachineState, secret: string): void {
  const stored = state.tokens.get(secret);
  if (!stored) throw new Error("unknown token");
  stored.body.revoked = true;
  stored.body.revocation_reason = "Revoked by the stand-in";
  stored.body.updated_at = Date.now();
}

export function expire(state: MachineState, secret: string): void {
  const stored = state.tokens.get(secret);
  if (!stored) throw new Error("unknown token");
  stored.expiration = Date.now() - 1000;
  stored.body.expiration = stored.expiration;
}

/** The verify answer: revoked and expired tokens are answered 200 with the flags set, as Clerk does. */
export const verifyAnswer = (stored: Stored) => {
  const expired = stored.expiration !== null && stored.expiration <= Date.now();
  // Clerk's answer for a JWT access token that is no longer active.
  if (stored.kind === "oauth" && stored.jwt && expired) return json({ active: false });
  return json({ ...stored.body, expired });
};
