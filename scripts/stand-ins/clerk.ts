// Local stand-in for Clerk's Backend API (BAPI), version 2026-05-12 — the version @clerk/backend 3.x
// sends as `Clerk-API-Version`. It covers what this project touches: JWKS, get/update a user, create a
// session, session tokens and the "supabase" JWT template, and machine authentication (machines, M2M
// tokens, API keys, OAuth access tokens: clerk-machines.ts). Response bodies follow the published OpenAPI
// spec (test/fixtures/clerk/clerk-bapi-2026-05-12.yml); test/stand-ins/clerk.test.ts validates them against
// it and drives the stand-in with the real SDK. Runs under Node 24 (type stripping) and Deno.
import { exportJWK, exportSPKI, generateKeyPair, type JWTHeaderParameters, SignJWT } from "jose";
import {
  type ClerkError,
  errors,
  json,
  malformedBody,
  notFound,
  paramError,
  parseBody,
  randomId,
} from "./bapi.ts";
import { createMachineAuth, type MachineAuth, type StandInMachine } from "./clerk-machines.ts";
import { type StandInServer, serve } from "./http.ts";

export interface SeedUser {
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string;
  username?: string | null;
  publicMetadata?: Record<string, unknown>;
  privateMetadata?: Record<string, unknown>;
  unsafeMetadata?: Record<string, unknown>;
}

export interface ClerkStandInOptions {
  port?: number;
  host?: string;
  /** Frontend API host baked into the publishable key; the issuer is `https://<host>`. */
  frontendApiHost?: string;
  secretKey?: string;
  /** HS256 secret of the "supabase" JWT template. */
  supabaseJwtSecret?: string;
  /** `azp` of minted session tokens. */
  authorizedParty?: string;
  users?: SeedUser[];
  /** `role` claim in session tokens (Supabase's Clerk integration wants "authenticated"); null omits it. */
  sessionTokenRole?: string | null;
}

export interface MintSessionTokenOptions {
  userId: string;
  /** A new active session is created when absent. */
  sessionId?: string;
  ttlSeconds?: number;
  /** Issue time in unix SECONDS (JWT time), default the current time. */
  now?: number;
  /** Added to / overriding the default claims; a value of `undefined` deletes the claim. */
  claims?: Record<string, unknown>;
  /** Added to / overriding the default header; a value of `undefined` deletes the parameter. */
  header?: Record<string, unknown>;
}

export interface ClerkStandIn {
  /** Base URL to use as CLERK_API_URL (paths are under /v1, as on api.clerk.com). */
  url: string;
  secretKey: string;
  publishableKey: string;
  issuer: string;
  frontendApiHost: string;
  /** Id of the current signing key. */
  kid: string;
  /** Current public key as SPKI PEM, usable as CLERK_JWT_KEY. */
  jwtKeyPem: string;
  supabaseJwtSecret: string;
  server: StandInServer;
  /** User state by id, each value the BAPI User JSON exactly as GET /v1/users/{id} serves it (mutable). */
  users: Map<string, BapiUser>;
  /** Session state by id, each value the BAPI Session JSON (set `status` to e.g. "ended" to end one). */
  sessions: Map<string, BapiSession>;
  createSession(userId: string): string;
  mintSessionToken(opts: MintSessionTokenOptions): Promise<string>;
  /** Machines, M2M tokens, API keys and OAuth access tokens (clerk-machines.ts). */
  machineAuth: MachineAuth;
  /**
   * Two seeded machines: `caller`, whose tokens are scoped to `api`, and `api`, the machine the functions
   * may verify as (CLERK_MACHINE_SECRET_KEY = its secret key).
   */
  seedMachines: { caller: StandInMachine; api: StandInMachine };
  /** A new RSA key becomes current; JWKS keeps serving the old ones too, as during a real rotation. */
  rotateKey(): Promise<void>;
  /** Lifetime of template tokens when the call gives no `expires_in_seconds` (Clerk's default, 60). */
  templateTtlSeconds: number;
  /** Ends a session as signing out or revoking does: Clerk then answers its token calls with 404. */
  endSession(sessionId: string, status?: "ended" | "revoked" | "removed"): void;
  /** Deletes a user as Clerk does: the user is gone and its sessions are removed. */
  deleteUser(userId: string): void;
  close(): Promise<void>;
}

/** Seeded when `users` is not given. */
export const DEFAULT_SEED_USERS: SeedUser[] = [
  {
    id: "user_alice",
    firstName: "Alice",
    lastName: "Example",
    email: "alice@example.com",
    username: "alice",
    publicMetadata: { plan: "pro" },
    privateMetadata: { secret: "alice-private-note" },
  },
  {
    id: "user_bob",
    firstName: "Bob",
    lastName: "Example",
    email: "bob@example.com",
    username: "bob",
    publicMetadata: { plan: "free" },
    privateMetadata: { secret: "bob-private-note" },
  },
];

/** Header `cat` Clerk puts on session tokens; @clerk/backend rejects other categories as session tokens. */
const SESSION_TOKEN_CATEGORY = "cl_B7d4PD111AAA";
const DAY_MS = 24 * 60 * 60 * 1000;

function newBapiUser(seed: SeedUser, now: number) {
  const emailId = `idn_${randomId()}`;
  return {
    id: seed.id,
    object: "user" as const,
    external_id: null as string | null,
    primary_email_address_id: emailId as string | null,
    primary_phone_number_id: null as string | null,
    primary_web3_wallet_id: null as string | null,
    username: seed.username ?? null,
    first_name: seed.firstName,
    last_name: seed.lastName,
    locale: null as string | null,
    profile_image_url: "https://www.gravatar.com/avatar?d=mp",
    image_url: "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9",
    has_image: false,
    public_metadata: structuredClone(seed.publicMetadata ?? {}),
    private_metadata: structuredClone(seed.privateMetadata ?? {}),
    unsafe_metadata: structuredClone(seed.unsafeMetadata ?? {}),
    email_addresses: [
      {
        id: emailId,
        object: "email_address" as const,
        email_address: seed.email,
        reserved: false,
        verification: {
          object: "verification_otp",
          status: "verified",
          strategy: "email_code",
          attempts: 1,
          expire_at: now + 10 * 60 * 1000,
        },
        linked_to: [] as unknown[],
        matches_sso_connection: false,
        created_at: now,
        updated_at: now,
      },
    ],
    phone_numbers: [] as unknown[],
    web3_wallets: [] as unknown[],
    passkeys: [] as unknown[],
    password_enabled: false,
    two_factor_enabled: false,
    totp_enabled: false,
    backup_code_enabled: false,
    mfa_enabled_at: null as number | null,
    mfa_disabled_at: null as number | null,
    password_last_updated_at: null as number | null,
    external_accounts: [] as unknown[],
    saml_accounts: [] as unknown[],
    enterprise_accounts: [] as unknown[],
    last_sign_in_at: now as number | null,
    banned: false,
    locked: false,
    deprovisioned: false,
    lockout_expires_in_seconds: null as number | null,
    verification_attempts_remaining: 100 as number | null,
    updated_at: now,
    created_at: now,
    delete_self_enabled: true,
    create_organization_enabled: true,
    create_organizations_limit: null as number | null,
    last_active_at: now as number | null,
    legal_accepted_at: null as number | null,
    bypass_client_trust: false,
  };
}
export type BapiUser = ReturnType<typeof newBapiUser>;

function newBapiSession(userId: string, now: number) {
  return {
    object: "session" as const,
    id: `sess_${randomId()}`,
    user_id: userId,
    client_id: `client_${randomId()}`,
    actor: null as Record<string, unknown> | null,
    status: "active" as "active" | "revoked" | "ended" | "expired" | "removed" | "abandoned" | "replaced",
    last_active_organization_id: null as string | null,
    last_active_at: now,
    expire_at: now + 7 * DAY_MS,
    abandon_at: now + 30 * DAY_MS,
    updated_at: now,
    created_at: now,
  };
}
export type BapiSession = ReturnType<typeof newBapiSession>;

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  jwk: Record<string, unknown>;
  pem: string;
}

async function newSigningKey(): Promise<SigningKey> {
  // 2048 bits: @clerk/backend's CLERK_JWT_KEY loader slices the modulus out of a 2048-bit SPKI PEM.
  const { privateKey, publicKey } = await generateKeyPair("RS256", {
    modulusLength: 2048,
    extractable: true,
  });
  const kid = `ins_${randomId()}`;
  const { n, e } = await exportJWK(publicKey);
  return {
    kid,
    privateKey,
    jwk: { use: "sig", kty: "RSA", kid, alg: "RS256", n, e },
    pem: await exportSPKI(publicKey),
  };
}

/** Applies overrides in place; an `undefined` value deletes the key. */
function applyOverrides(target: Record<string, unknown>, overrides: Record<string, unknown> = {}) {
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete target[key];
    else target[key] = value;
  }
  return target;
}

// PATCH /v1/users/{id} parameters the stand-in models. The spec lists more (password, totp_secret, ...);
// those and anything else, including the metadata fields 2026-05-12 dropped, get a 422 form_param_unknown.
const NULLABLE_STRING_PARAMS = ["external_id", "first_name", "last_name", "locale", "username"] as const;
const BOOLEAN_PARAMS = ["delete_self_enabled", "create_organization_enabled", "bypass_client_trust"] as const;
const NAME_LABELS: Record<string, string> = { first_name: "First name", last_name: "Last name" };
const MAX_NAME_LENGTH = 256;

/** Validates a PATCH /v1/users body the way BAPI does: every problem reported at once. */
function validateUserUpdate(params: Record<string, unknown>): ClerkError[] {
  const problems: ClerkError[] = [];
  for (const [key, value] of Object.entries(params)) {
    if ((NULLABLE_STRING_PARAMS as readonly string[]).includes(key)) {
      if (value !== null && typeof value !== "string") {
        problems.push(paramError("form_param_format_invalid", key, "is invalid", `${key} must be a string.`));
      } else if (key in NAME_LABELS && typeof value === "string" && value.length > MAX_NAME_LENGTH) {
        problems.push(
          paramError(
            "form_param_max_length_exceeded",
            key,
            "is too long",
            `${NAME_LABELS[key]} should not exceed ${MAX_NAME_LENGTH} characters.`,
          ),
        );
      }
    } else if ((BOOLEAN_PARAMS as readonly string[]).includes(key)) {
      if (value !== null && typeof value !== "boolean") {
        problems.push(
          paramError("form_param_format_invalid", key, "is invalid", `${key} must be a boolean.`),
        );
      }
    } else if (key === "create_organizations_limit") {
      if (value !== null && !Number.isInteger(value)) {
        problems.push(
          paramError("form_param_format_invalid", key, "is invalid", `${key} must be an integer.`),
        );
      }
    } else {
      problems.push(
        paramError(
          "form_param_unknown",
          key,
          "is unknown",
          `${key} is not a valid parameter for this request.`,
        ),
      );
    }
  }
  return problems;
}

/** `expires_in_seconds` of the token endpoints: absent/null, or an integer in the spec's range. */
function parseExpiresIn(params: Record<string, unknown>): number | undefined | ClerkError {
  const value = params.expires_in_seconds;
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isInteger(value) && value >= 30 && value <= 315360000) return value;
  return paramError(
    "form_param_format_invalid",
    "expires_in_seconds",
    "is invalid",
    "expires_in_seconds must be an integer between 30 and 315360000.",
  );
}

export async function startClerkStandIn(opts: ClerkStandInOptions = {}): Promise<ClerkStandIn> {
  const frontendApiHost = opts.frontendApiHost ?? "clerk.standin.localhost";
  // Clerk's format: base64 of "<frontend api host>$", padding stripped.
  const publishableKey = `pk_test_${btoa(`${frontendApiHost}$`).replace(/=+$/, "")}`;
  const issuer = `https://${frontendApiHost}`;
  const secretKey = opts.secretKey ?? `sk_test_${randomId(40)}`;
  const supabaseJwtSecret = opts.supabaseJwtSecret ?? randomId(48);
  const authorizedParty = opts.authorizedParty ?? "http://localhost:8888";
  const sessionTokenRole = opts.sessionTokenRole === undefined ? "authenticated" : opts.sessionTokenRole;

  const startedAt = Date.now();
  const users = new Map<string, BapiUser>();
  for (const seed of opts.users ?? DEFAULT_SEED_USERS) users.set(seed.id, newBapiUser(seed, startedAt));
  const sessions = new Map<string, BapiSession>();
  const keys: SigningKey[] = [await newSigningKey()];
  const currentKey = () => keys[keys.length - 1]!;
  const machineAuth = createMachineAuth({
    issuer,
    key: currentKey,
    secretKey,
    instanceId: `ins_${randomId()}`,
  });
  const apiMachine = machineAuth.createMachine("functions");
  const callerMachine = machineAuth.createMachine("smoke-and-cron", [apiMachine.id]);

  // Deliberately does not require a known user, so tests can mint tokens for users BAPI never heard of.
  const createSession = (userId: string): string => {
    const session = newBapiSession(userId, Date.now());
    sessions.set(session.id, session);
    return session.id;
  };

  const mintSessionToken = async (o: MintSessionTokenOptions): Promise<string> => {
    const now = o.now ?? Math.floor(Date.now() / 1000);
    // Clerk's v2 session token claims; nbf is 10 s before iat, as in Clerk's own tokens.
    const claims: Record<string, unknown> = {
      azp: authorizedParty,
      exp: now + (o.ttlSeconds ?? 60),
      fva: [0, -1],
      iat: now,
      iss: issuer,
      nbf: now - 10,
      sid: o.sessionId ?? createSession(o.userId),
      sub: o.userId,
      v: 2,
    };
    if (sessionTokenRole !== null) claims.role = sessionTokenRole;
    const key = currentKey();
    const header = { alg: "RS256", kid: key.kid, typ: "JWT", cat: SESSION_TOKEN_CATEGORY };
    return new SignJWT(applyOverrides(claims, o.claims))
      .setProtectedHeader(applyOverrides(header, o.header) as JWTHeaderParameters)
      .sign(key.privateKey);
  };

  // JWT templates by name. Clerk's templates get nbf = iat - 5 s (the default allowed clock skew).
  const templates: Record<string, (user: BapiUser, ttlSeconds: number) => Promise<string>> = {
    supabase: (user, ttlSeconds) => {
      const now = Math.floor(Date.now() / 1000);
      const email = user.email_addresses.find((e) => e.id === user.primary_email_address_id)?.email_address;
      return new SignJWT({
        aud: "authenticated",
        email: email ?? null,
        exp: now + ttlSeconds,
        iat: now,
        iss: issuer,
        jti: randomId(20),
        nbf: now - 5,
        role: "authenticated",
        sub: user.id,
      })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .sign(new TextEncoder().encode(supabaseJwtSecret));
    },
  };

  const activeSession = (id: string) => {
    const session = sessions.get(id);
    return session?.status === "active" ? session : undefined;
  };

  // GET /v1/sessions/{id}: any session, whatever its status (the status is how a caller tells an ended one).
  const getSessionRoute = (method: string, pathname: string): Response | undefined => {
    const match = method === "GET" ? pathname.match(/^\/v1\/sessions\/([^/]+)$/) : null;
    if (!match) return undefined;
    const id = decodeURIComponent(match[1]);
    const session = sessions.get(id);
    return session ? json(session) : notFound(`No session was found with id ${id}`);
  };

  const handle = async (req: Request, rawBody: string): Promise<Response> => {
    const auth = req.headers.get("authorization");
    if (!auth?.startsWith("Bearer ")) {
      return errors(401, {
        code: "authorization_header_format_invalid",
        message: "Invalid Authorization header format",
        long_message: "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'",
      });
    }
    const { pathname } = new URL(req.url);
    // Machine routes accept machine secret keys too, and check the bearer themselves.
    const machineAnswer = await machineAuth.handle(
      req.method,
      pathname,
      auth.slice("Bearer ".length),
      rawBody,
    );
    if (machineAnswer) return machineAnswer;
    if (auth.slice("Bearer ".length) !== secretKey) {
      // The code @clerk/backend looks for when JWKS loading fails.
      const message =
        "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.";
      return errors(401, { code: "clerk_key_invalid", message, long_message: message });
    }

    const method = req.method;
    const userRoute = pathname.match(/^\/v1\/users\/([^/]+)$/);
    const tokenRoute = pathname.match(/^\/v1\/sessions\/([^/]+)\/tokens(?:\/([^/]+))?$/);

    if (method === "GET" && pathname === "/v1/jwks") {
      return json({ keys: keys.map((k) => k.jwk) });
    }

    const sessionAnswer = getSessionRoute(method, pathname);
    if (sessionAnswer) return sessionAnswer;

    if (userRoute && (method === "GET" || method === "PATCH")) {
      const id = decodeURIComponent(userRoute[1]);
      const user = users.get(id);
      if (!user) return notFound(`No user was found with id ${id}`);
      if (method === "GET") return json(user);
      const params = parseBody(rawBody);
      if (!params) return malformedBody();
      const problems = validateUserUpdate(params);
      if (problems.length) return errors(422, ...problems);
      // Validated above, so the casts only restate what the checks established.
      for (const key of NULLABLE_STRING_PARAMS) {
        if (key in params)
          user[key] = (params[key] === "" && key === "username" ? null : params[key]) as string | null;
      }
      for (const key of BOOLEAN_PARAMS)
        if (typeof params[key] === "boolean") user[key] = params[key] as boolean;
      if ("create_organizations_limit" in params) {
        user.create_organizations_limit = params.create_organizations_limit as number | null;
      }
      user.updated_at = Math.max(Date.now(), user.updated_at + 1);
      return json(user);
    }

    if (method === "POST" && pathname === "/v1/sessions") {
      const params = parseBody(rawBody);
      if (!params) return malformedBody();
      const userId = params.user_id;
      if (typeof userId !== "string" || userId === "") {
        return errors(
          422,
          paramError("form_param_missing", "user_id", "missing data", "user_id must be included."),
        );
      }
      if (!users.has(userId)) return notFound(`No user was found with id ${userId}`);
      const session = sessions.get(createSession(userId))!;
      if (typeof params.active_organization_id === "string") {
        session.last_active_organization_id = params.active_organization_id;
      }
      return json(session);
    }

    if (tokenRoute && method === "POST") {
      const sessionId = decodeURIComponent(tokenRoute[1]);
      const templateName = tokenRoute[2] === undefined ? undefined : decodeURIComponent(tokenRoute[2]);
      const params = parseBody(rawBody);
      if (!params) return malformedBody();
      const expiresIn = parseExpiresIn(params);
      if (typeof expiresIn === "object") return errors(422, expiresIn);
      const session = activeSession(sessionId);
      if (!session) return notFound(`No active session was found with id ${sessionId}`);
      if (templateName === undefined) {
        const jwt = await mintSessionToken({ userId: session.user_id, sessionId, ttlSeconds: expiresIn });
        return json({ object: "token", jwt });
      }
      const template = templates[templateName];
      if (!template) return notFound(`No JWT template exists with name: ${templateName}`);
      const user = users.get(session.user_id);
      if (!user) return notFound(`No user was found with id ${session.user_id}`);
      return json({ object: "token", jwt: await template(user, expiresIn ?? standIn.templateTtlSeconds) });
    }

    return notFound(`No route matches ${method} ${pathname}`);
  };

  const server = await serve(handle, { port: opts.port ?? 0, host: opts.host ?? "127.0.0.1" });

  const standIn: ClerkStandIn = {
    url: server.url,
    secretKey,
    publishableKey,
    issuer,
    frontendApiHost,
    kid: currentKey().kid,
    jwtKeyPem: currentKey().pem,
    supabaseJwtSecret,
    server,
    users,
    sessions,
    createSession,
    mintSessionToken,
    machineAuth,
    seedMachines: { caller: callerMachine, api: apiMachine },
    async rotateKey() {
      keys.push(await newSigningKey());
      standIn.kid = currentKey().kid;
      standIn.jwtKeyPem = currentKey().pem;
    },
    templateTtlSeconds: 60,
    endSession(sessionId, status = "ended") {
      const session = sessions.get(sessionId);
      if (!session) throw new Error(`no session ${sessionId}`);
      session.status = status;
      session.updated_at = Date.now();
    },
    deleteUser(userId) {
      users.delete(userId);
      for (const session of sessions.values())
        if (session.user_id === userId) standIn.endSession(session.id, "removed");
    },
    close: () => server.close(),
  };
  return standIn;
}
