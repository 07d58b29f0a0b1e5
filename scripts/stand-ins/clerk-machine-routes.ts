// Machine routes of the Clerk Backend API stand-in, at the unversioned paths @clerk/backend calls
// (/m2m_tokens, /api_keys, /oauth_applications/…) and under /v1 as well; bodies follow the 2026-05-12
// OpenAPI spec. A machine's secret key may create its own M2M tokens, verify tokens scoped to it and revoke;
// everything else wants the instance's secret key.
import { errors, json, malformedBody, notFound, paramError, parseBody } from "./bapi.ts";
import {
  createApiKey,
  createMachine,
  type MachineState,
  machineJson,
  mintM2MToken,
  revoke,
  type StandInMachine,
  verifyAnswer,
} from "./clerk-machine-tokens.ts";

const unauthorized = () => {
  const message = "The provided secret key is invalid for this request.";
  return errors(401, { code: "authentication_invalid", message, long_message: message });
};

const secretParam = (params: Record<string, unknown>, name: string) =>
  typeof params[name] === "string" ? (params[name] as string) : undefined;
const missing = (name: string) =>
  errors(400, paramError("form_param_missing", name, "missing data", `${name} must be included.`));

interface Call {
  state: MachineState;
  method: string;
  /** Without the /v1 prefix. */
  path: string;
  params: Record<string, unknown>;
  /** The machine whose secret key is the bearer, if it is one. */
  machine: StandInMachine | undefined;
  /** The bearer is the instance's secret key. */
  instance: boolean;
}

/** Routes a machine's secret key may call as well as the instance's. */
async function machineOrInstanceRoute(c: Call): Promise<Response | undefined> {
  const { state, method, path, params, machine, instance } = c;
  if (method === "POST" && path === "/m2m_tokens") {
    // Only a machine creates M2M tokens, for itself.
    if (!machine) return unauthorized();
    const ttl = params.seconds_until_expiration;
    const format = params.token_format === "jwt" ? "jwt" : "opaque";
    const token = await mintM2MToken(state, {
      machineId: machine.id,
      format,
      ttlSeconds: typeof ttl === "number" && ttl > 0 ? ttl : undefined,
      claims: (params.claims as Record<string, unknown> | null | undefined) ?? null,
    });
    return json({ ...state.tokens.get(token)!.body, token }, 201);
  }
  if (method === "POST" && path === "/m2m_tokens/verify") {
    const token = secretParam(params, "token");
    if (!token) return missing("token");
    const stored = state.tokens.get(token);
    // Verified as a machine, only tokens scoped to it exist.
    const visible =
      stored?.kind === "m2m" && (instance || (stored.body.scopes as string[]).includes(machine!.id));
    if (!stored || !visible) return notFound("Machine token not found");
    return verifyAnswer(stored);
  }
  const revokeRoute = path.match(/^\/(m2m_tokens|api_keys)\/([^/]+)\/revoke$/);
  if (method === "POST" && revokeRoute) {
    const secret = state.secretById.get(decodeURIComponent(revokeRoute[2]!));
    const stored = secret === undefined ? undefined : state.tokens.get(secret);
    if (!stored || secret === undefined) return notFound("Not found");
    revoke(state, secret);
    return json({ ...stored.body, expired: stored.expiration !== null && stored.expiration <= Date.now() });
  }
  return undefined;
}

/** Routes for the instance's secret key only. */
function instanceRoute({ state, method, path, params }: Call): Response | undefined {
  if (method === "POST" && path === "/api_keys") {
    const subject = secretParam(params, "subject");
    if (!subject || !/^(user|org|mch)_\w+$/.test(subject)) return missing("subject");
    const ttl = params.seconds_until_expiration;
    const secret = createApiKey(state, {
      subject,
      name: secretParam(params, "name"),
      scopes: Array.isArray(params.scopes) ? (params.scopes as string[]) : [],
      ttlSeconds: typeof ttl === "number" && ttl > 0 ? ttl : undefined,
    });
    return json({ ...state.tokens.get(secret)!.body, secret });
  }
  if (method === "POST" && path === "/api_keys/verify") {
    const secret = secretParam(params, "secret");
    if (!secret) return missing("secret");
    const stored = state.tokens.get(secret);
    if (stored?.kind !== "api_key") return notFound("API key not found");
    return verifyAnswer(stored);
  }
  if (method === "POST" && path === "/oauth_applications/access_tokens/verify") {
    const token = secretParam(params, "access_token") ?? secretParam(params, "secret");
    if (!token) return missing("access_token");
    const stored = state.tokens.get(token);
    if (stored?.kind !== "oauth") return notFound("OAuth token not found");
    return verifyAnswer(stored);
  }
  if (method === "POST" && path === "/machines") {
    const name = secretParam(params, "name");
    if (!name) return missing("name");
    const scoped = Array.isArray(params.scoped_machines) ? (params.scoped_machines as string[]) : [];
    const created = createMachine(state, name, scoped);
    return json({ ...machineJson(state, created), secret_key: created.secretKey });
  }
  const machineRoute = path.match(/^\/machines\/([^/]+)$/);
  if (method === "GET" && machineRoute) {
    const found = state.machines.get(decodeURIComponent(machineRoute[1]!));
    return found ? json(machineJson(state, found)) : notFound("Machine not found");
  }
  return undefined;
}

/** Answers a machine route, or returns undefined when the path is not one. */
export async function handleMachineRoute(
  state: MachineState,
  method: string,
  pathname: string,
  bearer: string,
  rawBody: string,
): Promise<Response | undefined> {
  const path = pathname.replace(/^\/v1(?=\/)/, "");
  const isMachineRoute =
    /^\/(m2m_tokens|api_keys|machines)(\/|$)/.test(path) ||
    path === "/oauth_applications/access_tokens/verify";
  if (!isMachineRoute) return undefined;
  const machine = state.bySecretKey.get(bearer);
  const instance = bearer === state.signer.secretKey;
  if (!machine && !instance) return unauthorized();
  const params = method === "POST" ? parseBody(rawBody) : {};
  if (!params) return malformedBody();
  const call: Call = { state, method, path, params, machine, instance };
  const answer = await machineOrInstanceRoute(call);
  if (answer) return answer;
  if (!instance) return unauthorized();
  return instanceRoute(call) ?? notFound(`No route matches ${method} ${pathname}`);
}
