// Machine authentication in the Clerk Backend API stand-in: machines and their secret keys, M2M tokens
// (opaque and JWT), API keys and OAuth access tokens (opaque and JWT), with revocation and expiry. Routes
// answer at the unversioned paths @clerk/backend calls (/m2m_tokens, /api_keys, /oauth_applications/…)
// and under /v1 as well; bodies follow the 2026-05-12 OpenAPI spec.
import { type JWTHeaderParameters, SignJWT } from "jose";
import { errors, json, malformedBody, notFound, paramError, parseBody, randomId } from "./bapi.ts";

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

interface Stored {
  kind: "m2m" | "api_key" | "oauth";
  body: Record<string, unknown>;
  /** Expiry in ms, null = never (mirrors body.expiration, kept for JWTs too). */
  expiration: number | null;
  jwt: boolean;
}

export interface MachineAuth {
  machines: Map<string, StandInMachine>;
  createMachine(name: string, scopedMachines?: string[]): StandInMachine;
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

const unauthorized = () => {
  const message = "The provided secret key is invalid for this request.";
  return errors(401, { code: "authentication_invalid", message, long_message: message });
};

export function createMachineAuth(signer: MachineSigner): MachineAuth {
  const machines = new Map<string, StandInMachine>();
  const bySecretKey = new Map<string, StandInMachine>();
  /** Tokens and API keys by their secret; ids map to secrets for the revoke routes. */
  const tokens = new Map<string, Stored>();
  const secretById = new Map<string, string>();

  const createMachine = (name: string, scopedMachines: string[] = []): StandInMachine => {
    const machine: StandInMachine = {
      id: `mch_${randomId()}`,
      name,
      secretKey: `ak_${hex()}`,
      scopedMachines,
      defaultTokenTtl: 3600,
      createdAt: Date.now(),
    };
    machines.set(machine.id, machine);
    bySecretKey.set(machine.secretKey, machine);
    return machine;
  };

  const machineJson = (m: StandInMachine) => ({
    object: "machine",
    id: m.id,
    name: m.name,
    instance_id: signer.instanceId,
    created_at: m.createdAt,
    updated_at: m.createdAt,
    default_token_ttl: m.defaultTokenTtl,
    scoped_machines: m.scopedMachines
      .map((id) => machines.get(id))
      .filter((s): s is StandInMachine => Boolean(s))
      .map((s) => ({
        object: "machine",
        id: s.id,
        name: s.name,
        instance_id: signer.instanceId,
        created_at: s.createdAt,
        updated_at: s.createdAt,
        default_token_ttl: s.defaultTokenTtl,
      })),
  });

  const store = (secret: string, stored: Stored) => {
    tokens.set(secret, stored);
    secretById.set(stored.body.id as string, secret);
  };

  const signJwt = (claims: Record<string, unknown>, header: Record<string, unknown>) => {
    const key = signer.key();
    return new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: key.kid, ...header } as JWTHeaderParameters)
      .sign(key.privateKey);
  };

  const mintM2MToken = async (o: MintM2MOptions): Promise<string> => {
    const machine = machines.get(o.machineId);
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
        {
          ...o.claims,
          iss: signer.issuer,
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
    store(secret, { kind: "m2m", body, expiration: body.expiration as number, jwt: o.format === "jwt" });
    return secret;
  };

  const createApiKey = (o: CreateApiKeyOptions): string => {
    const now = Date.now();
    const secret = `ak_${hex()}${hex(8)}`;
    const expiration = o.ttlSeconds === undefined ? null : now + o.ttlSeconds * 1000;
    store(secret, {
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
        claims: null,
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
  };

  const mintOAuthToken = async (o: MintOAuthOptions): Promise<string> => {
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
        {
          iss: signer.issuer,
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
    store(secret, { kind: "oauth", body, expiration: body.expiration as number, jwt: o.format === "jwt" });
    return secret;
  };

  const revoke = (secret: string) => {
    const stored = tokens.get(secret);
    if (!stored) throw new Error("unknown token");
    stored.body.revoked = true;
    stored.body.revocation_reason = "Revoked by the stand-in";
    stored.body.updated_at = Date.now();
  };

  const expire = (secret: string) => {
    const stored = tokens.get(secret);
    if (!stored) throw new Error("unknown token");
    stored.expiration = Date.now() - 1000;
    stored.body.expiration = stored.expiration;
  };

  /** The verify answer: revoked and expired tokens are answered 200 with the flags set, as Clerk does. */
  const verifyAnswer = (stored: Stored) => {
    const expired = stored.expiration !== null && stored.expiration <= Date.now();
    // Clerk's answer for a JWT access token that is no longer active.
    if (stored.kind === "oauth" && stored.jwt && expired) return json({ active: false });
    return json({ ...stored.body, expired });
  };

  const secretParam = (params: Record<string, unknown>, name: string) =>
    typeof params[name] === "string" ? (params[name] as string) : undefined;
  const missing = (name: string) =>
    errors(400, paramError("form_param_missing", name, "missing data", `${name} must be included.`));

  const handle = async (
    method: string,
    pathname: string,
    bearer: string,
    rawBody: string,
  ): Promise<Response | undefined> => {
    const path = pathname.replace(/^\/v1(?=\/)/, "");
    const machine = bySecretKey.get(bearer);
    const instance = bearer === signer.secretKey;
    const revokeRoute = path.match(/^\/(m2m_tokens|api_keys)\/([^/]+)\/revoke$/);
    const isMachineRoute =
      /^\/(m2m_tokens|api_keys|machines)(\/|$)/.test(path) ||
      path === "/oauth_applications/access_tokens/verify";
    if (!isMachineRoute) return undefined;
    if (!machine && !instance) return unauthorized();
    const params = method === "POST" ? parseBody(rawBody) : {};
    if (!params) return malformedBody();

    if (method === "POST" && path === "/m2m_tokens") {
      // Only a machine creates M2M tokens, for itself.
      if (!machine) return unauthorized();
      const ttl = params.seconds_until_expiration;
      const format = params.token_format === "jwt" ? "jwt" : "opaque";
      const token = await mintM2MToken({
        machineId: machine.id,
        format,
        ttlSeconds: typeof ttl === "number" && ttl > 0 ? ttl : undefined,
        claims: (params.claims as Record<string, unknown> | null | undefined) ?? null,
      });
      return json({ ...tokens.get(token)!.body, token }, 201);
    }

    if (method === "POST" && path === "/m2m_tokens/verify") {
      const token = secretParam(params, "token");
      if (!token) return missing("token");
      const stored = tokens.get(token);
      // Verified as a machine, only tokens scoped to it exist.
      const visible =
        stored?.kind === "m2m" && (instance || (stored.body.scopes as string[]).includes(machine!.id));
      if (!stored || !visible) return notFound("Machine token not found");
      return verifyAnswer(stored);
    }

    if (method === "POST" && revokeRoute) {
      const secret = secretById.get(decodeURIComponent(revokeRoute[2]!));
      const stored = secret === undefined ? undefined : tokens.get(secret);
      if (!stored || secret === undefined) return notFound("Not found");
      revoke(secret);
      return json({ ...stored.body, expired: stored.expiration !== null && stored.expiration <= Date.now() });
    }

    // The rest is for the instance's secret key only.
    if (!instance) return unauthorized();

    if (method === "POST" && path === "/api_keys") {
      const subject = secretParam(params, "subject");
      if (!subject || !/^(user|org|mch)_\w+$/.test(subject)) return missing("subject");
      const ttl = params.seconds_until_expiration;
      const secret = createApiKey({
        subject,
        name: secretParam(params, "name"),
        scopes: Array.isArray(params.scopes) ? (params.scopes as string[]) : [],
        ttlSeconds: typeof ttl === "number" && ttl > 0 ? ttl : undefined,
      });
      return json({ ...tokens.get(secret)!.body, secret });
    }

    if (method === "POST" && path === "/api_keys/verify") {
      const secret = secretParam(params, "secret");
      if (!secret) return missing("secret");
      const stored = tokens.get(secret);
      if (stored?.kind !== "api_key") return notFound("API key not found");
      return verifyAnswer(stored);
    }

    if (method === "POST" && path === "/oauth_applications/access_tokens/verify") {
      const token = secretParam(params, "access_token") ?? secretParam(params, "secret");
      if (!token) return missing("access_token");
      const stored = tokens.get(token);
      if (stored?.kind !== "oauth") return notFound("OAuth token not found");
      return verifyAnswer(stored);
    }

    if (method === "POST" && path === "/machines") {
      const name = secretParam(params, "name");
      if (!name) return missing("name");
      const scoped = Array.isArray(params.scoped_machines) ? (params.scoped_machines as string[]) : [];
      const created = createMachine(name, scoped);
      return json({ ...machineJson(created), secret_key: created.secretKey });
    }
    const machineRoute = path.match(/^\/machines\/([^/]+)$/);
    if (method === "GET" && machineRoute) {
      const found = machines.get(decodeURIComponent(machineRoute[1]!));
      return found ? json(machineJson(found)) : notFound("Machine not found");
    }
    return notFound(`No route matches ${method} ${pathname}`);
  };

  return { machines, createMachine, mintM2MToken, createApiKey, mintOAuthToken, revoke, expire, handle };
}
