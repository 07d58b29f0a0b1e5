// Local stand-in for Clerk's Backend API (BAPI), version 2026-05-12 — the version @clerk/backend 3.x
// sends as `Clerk-API-Version`. It covers what this project touches: JWKS, get/update a user, create a
// session, session tokens and the "supabase" JWT template, and machine authentication (machines, M2M
// tokens, API keys, OAuth access tokens: clerk-machines.ts). Response bodies follow the published OpenAPI
// spec (test/fixtures/clerk/clerk-bapi-2026-05-12.yml); test/tooling/stand-ins/clerk.test.ts validates them against
// it and drives the stand-in with the real SDK. Runs under Node 24 (type stripping) and Deno.
// Users, sessions, signing and routes are in the clerk-*.ts modules beside this one.
import { randomId } from "./bapi.ts";
import {
  createMachineAuth,
  type MachineAuth,
  type MachineSigner,
  type StandInMachine,
} from "./clerk-machines.ts";
import {
  activeOrganization,
  type BapiOrganization,
  DEFAULT_SEED_ORGANIZATIONS,
  type SeedOrganization,
  seedOrganizations,
} from "./clerk-organizations.ts";
import { clerkRoutes } from "./clerk-routes.ts";
import {
  addSession,
  type BapiSession,
  endSession,
  type FactorTimes,
  factorAges,
  signedInFactors,
} from "./clerk-sessions.ts";
import {
  jwtTemplates,
  type MintSessionTokenOptions,
  newSigningKey,
  type SigningKey,
  sessionTokenMinter,
} from "./clerk-tokens.ts";
import { type BapiUser, DEFAULT_SEED_USERS, type SeedUser, seedUsers } from "./clerk-users.ts";
import { type StandInServer, serve } from "./http.ts";

export {
  type ActiveOrganization,
  type BapiOrganization,
  DEFAULT_SEED_ORGANIZATIONS,
  orgClaim,
  type SeedOrganization,
} from "./clerk-organizations.ts";
export type { BapiSession, FactorTimes } from "./clerk-sessions.ts";
export type { MintSessionTokenOptions } from "./clerk-tokens.ts";
export { type BapiUser, DEFAULT_SEED_USERS, type SeedUser } from "./clerk-users.ts";

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
  /** Organizations and their members (default: Acme with Alice as admin and Bob as member, and Globex). */
  organizations?: SeedOrganization[];
  /** `role` claim in session tokens (Supabase's Clerk integration wants "authenticated"); null omits it. */
  sessionTokenRole?: string | null;
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
  /** Organization state by id, each value the BAPI Organization JSON (mutable). */
  organizations: Map<string, BapiOrganization>;
  /** When each session's factors were last verified; its tokens' `fva` is derived from these. */
  factors: Map<string, FactorTimes>;
  /** A new active session (factors verified now), with an active organization if given. */
  createSession(userId: string, activeOrganizationId?: string | null): string;
  /** Makes the session's active organization `orgId` (null: none), as choosing one in Clerk's UI does. */
  setActiveOrganization(sessionId: string, orgId: string | null): void;
  /** Ages the session's verified factors by `minutes` (default: a day and a minute, past every preset). */
  ageFactors(sessionId: string, minutes?: number): void;
  /** Re-verifies the session now: the first factor, and the second when enrolled (`second: true` enrols it). */
  reverify(sessionId: string, opts?: { second?: boolean }): void;
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

function seededMachineAuth(signer: MachineSigner) {
  const machineAuth = createMachineAuth(signer);
  const api = machineAuth.createMachine("functions");
  const caller = machineAuth.createMachine("smoke-and-cron", [api.id]);
  return { machineAuth, seedMachines: { caller, api } };
}

export async function startClerkStandIn(opts: ClerkStandInOptions = {}): Promise<ClerkStandIn> {
  const frontendApiHost = opts.frontendApiHost ?? "clerk.standin.localhost";
  // Clerk's format: base64 of "<frontend api host>$", padding stripped.
  const publishableKey = `pk_test_${btoa(`${frontendApiHost}$`).replace(/=+$/, "")}`;
  const issuer = `https://${frontendApiHost}`;
  const secretKey = opts.secretKey ?? `sk_test_${randomId(40)}`;
  const supabaseJwtSecret = opts.supabaseJwtSecret ?? randomId(48);

  const users = seedUsers(opts.users ?? DEFAULT_SEED_USERS);
  const orgs = seedOrganizations(opts.organizations ?? DEFAULT_SEED_ORGANIZATIONS);
  const sessions = new Map<string, BapiSession>();
  const factors = new Map<string, FactorTimes>();
  const keys: SigningKey[] = [await newSigningKey()];
  const currentKey = () => keys[keys.length - 1]!;
  const { machineAuth, seedMachines } = seededMachineAuth({
    issuer,
    key: currentKey,
    secretKey,
    instanceId: `ins_${randomId()}`,
  });

  const createSession = (userId: string, activeOrganizationId: string | null = null) => {
    const id = addSession(sessions, userId);
    sessions.get(id)!.last_active_organization_id = activeOrganizationId;
    factors.set(id, signedInFactors());
    return id;
  };
  const sessionFactors = (sessionId: string) => {
    const times = factors.get(sessionId);
    if (!times) throw new Error(`no session ${sessionId}`);
    return times;
  };
  const mintSessionToken = sessionTokenMinter({
    issuer,
    authorizedParty: opts.authorizedParty ?? "http://localhost:8888",
    role: opts.sessionTokenRole === undefined ? "authenticated" : opts.sessionTokenRole,
    key: currentKey,
    createSession,
    activeOrganizationId: (sessionId) => sessions.get(sessionId)?.last_active_organization_id ?? null,
    membership: (orgId, userId) => activeOrganization(orgs, orgId, userId),
    // A session the stand-in never created (a test's own `sid`) signed in just now, with one factor.
    factorAges: (sessionId) => factorAges(factors.get(sessionId) ?? signedInFactors()),
  });

  const handle = clerkRoutes({
    secretKey,
    users,
    sessions,
    organizations: orgs,
    keys,
    machineAuth,
    templates: jwtTemplates(issuer, supabaseJwtSecret),
    templateTtlSeconds: () => standIn.templateTtlSeconds,
    createSession,
    mintSessionToken,
    setActiveOrganization: (sessionId, orgId) => standIn.setActiveOrganization(sessionId, orgId),
    ageFactors: (sessionId, minutes) => standIn.ageFactors(sessionId, minutes),
    reverify: (sessionId, o) => standIn.reverify(sessionId, o),
    factorAges: (sessionId) => factorAges(sessionFactors(sessionId)),
  });
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
    organizations: orgs.organizations,
    factors,
    createSession,
    setActiveOrganization(sessionId, orgId) {
      const session = sessions.get(sessionId);
      if (!session) throw new Error(`no session ${sessionId}`);
      if (orgId !== null && !activeOrganization(orgs, orgId, session.user_id)) {
        throw new Error(`${session.user_id} is not a member of ${orgId}`);
      }
      session.last_active_organization_id = orgId;
    },
    ageFactors(sessionId, minutes = 24 * 60 + 1) {
      const times = sessionFactors(sessionId);
      times.first -= minutes * 60_000;
      if (times.second !== null) times.second -= minutes * 60_000;
    },
    reverify(sessionId, o = {}) {
      const times = sessionFactors(sessionId);
      const now = Date.now();
      times.first = now;
      if (times.second !== null || o.second) times.second = now;
    },
    mintSessionToken,
    machineAuth,
    seedMachines,
    async rotateKey() {
      keys.push(await newSigningKey());
      standIn.kid = currentKey().kid;
      standIn.jwtKeyPem = currentKey().pem;
    },
    templateTtlSeconds: 60,
    endSession: (sessionId, status = "ended") => endSession(sessions, sessionId, status),
    deleteUser(userId) {
      users.delete(userId);
      for (const session of sessions.values())
        if (session.user_id === userId) standIn.endSession(session.id, "removed");
    },
    close: () => server.close(),
  };
  return standIn;
}
