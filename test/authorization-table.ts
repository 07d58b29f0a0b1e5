// The authorization decision table: a signed-in caller (a real token from the Clerk stand-in), what the
// function requires, and the verdict — `ok` or the logged reason of the 403. Ids are stable (o: role and
// organization, p: permissions, f: features and plans, r: reverification, m: machine tokens), so a failure
// names the same case everywhere. test/authorization.test.ts runs it through authenticate() and judge()
// in JWKS and networkless mode, holds every person verdict to @clerk/backend's toAuth().has(), and asks
// each token three times (the third answer comes from the token cache).
import type { ClerkStandIn, MintSessionTokenOptions } from "../scripts/stand-ins/clerk.ts";
import type { Requirements } from "../shared/auth/authorization.ts";
import type { Denial } from "../shared/auth/reasons.ts";

export interface AuthzCase {
  id: string;
  name: string;
  /** A fresh token for the case (each case its own, so the cache never answers a first sighting). */
  token: (clerk: ClerkStandIn) => Promise<string>;
  requires: Requirements;
  expect: "ok" | Denial;
}

type Mint = Omit<MintSessionTokenOptions, "userId">;
const person =
  (userId: string, o: Mint = {}) =>
  (clerk: ClerkStandIn) =>
    clerk.mintSessionToken({ userId, ttlSeconds: 600, ...o });
const alice = (o: Mint = {}) => person("user_alice", { org: "org_acme", ...o });
const bob = (o: Mint = {}) => person("user_bob", { org: "org_acme", ...o });
const nobody = (o: Mint = {}) => person("user_alice", { org: null, ...o });

/** 60 permission names p0…p59 of one org feature `big`, granted by the decimal mask `fpm` (bit i = pi). */
const big = (fpm: bigint) =>
  alice({
    org: null,
    claims: {
      o: {
        id: "org_acme",
        rol: "admin",
        slg: "acme",
        per: Array.from({ length: 60 }, (_, i) => `p${i}`).join(","),
        fpm: fpm.toString(),
      },
      fea: "o:big",
    },
  });

const apiKey =
  (subject: string, scopes: string[], claims: Record<string, unknown> | null = null) =>
  async (clerk: ClerkStandIn) =>
    clerk.machineAuth.createApiKey({ subject, scopes, claims });
const m2mJwt = async (clerk: ClerkStandIn) =>
  clerk.machineAuth.mintM2MToken({ machineId: clerk.seedMachines.caller.id, format: "jwt" });
/**
 * A machine whose id the requirement names. Fixed, not made up by the stand-in, so a function built
 * before the stand-in starts (test/support/authz-probes.ts) can require it.
 */
const REPORTS_MACHINE = "mch_reports_api";
const m2mJwtTo = (machineId: string) => async (clerk: ClerkStandIn) => {
  const { machines } = clerk.machineAuth;
  if (!machines.has(machineId)) clerk.machineAuth.createMachine("reports", [], machineId);
  const caller = clerk.machineAuth.createMachine("reports-client", [machineId]);
  return clerk.machineAuth.mintM2MToken({ machineId: caller.id, format: "jwt" });
};

const PERSON_ACCEPTS = ["session_token"] as const;
const MACHINE_ACCEPTS = ["session_token", "api_key", "m2m_token"] as const;

/** The declaration a case stands for: person cases on a session-only function, machine cases (m) beside. */
export const acceptsFor = (c: AuthzCase) => (c.id.startsWith("m") ? MACHINE_ACCEPTS : PERSON_ACCEPTS);

/**
 * Cases whose declaration checkRequirements refuses: no function with it can be defined (nor built), so
 * only judge() itself can be asked, in-process; it still fails them closed.
 */
export const REFUSED_AT_DEFINITION = new Set(["m6"]);

export const AUTHZ_CASES: AuthzCase[] = [
  // Organization and role.
  {
    id: "o1",
    name: "v2 admin, role org:admin",
    token: alice(),
    requires: { role: "org:admin" },
    expect: "ok",
  },
  {
    id: "o2",
    name: "v2 admin, role without prefix",
    token: alice(),
    requires: { role: "admin" },
    expect: "ok",
  },
  {
    id: "o3",
    name: "v2 member, role org:admin",
    token: bob(),
    requires: { role: "org:admin" },
    expect: "missing-role",
  },
  {
    id: "o4",
    name: "v1 admin, role without prefix",
    token: alice({ version: 1 }),
    requires: { role: "admin" },
    expect: "ok",
  },
  {
    id: "o5",
    name: "v1 member, role org:admin",
    token: bob({ version: 1 }),
    requires: { role: "org:admin" },
    expect: "missing-role",
  },
  {
    id: "o6",
    name: "no organization, role",
    token: nobody(),
    requires: { role: "org:admin" },
    expect: "no-active-organization",
  },
  {
    id: "o7",
    name: "no organization, permission",
    token: nobody(),
    requires: { permission: "org:settings:read" },
    expect: "no-active-organization",
  },
  {
    id: "o8",
    name: "v1 no organization, role",
    token: nobody({ version: 1 }),
    requires: { role: "org:member" },
    expect: "no-active-organization",
  },
  {
    id: "o9",
    name: "v2 member of Globex, role org:member",
    token: alice({ org: "org_globex" }),
    requires: { role: "org:member" },
    expect: "ok",
  },
  {
    id: "o10",
    name: "role and permission both held",
    token: alice(),
    requires: { role: "admin", permission: "org:settings:manage" },
    expect: "ok",
  },
  {
    id: "o11",
    name: "role held, permission not",
    token: bob(),
    requires: { role: "member", permission: "org:settings:manage" },
    expect: "missing-permission",
  },

  // Permissions: v2 bitmasks over several features, v1 lists, and a mask above 2^53.
  {
    id: "p1",
    name: "v2 admin, settings:manage (1st feature)",
    token: alice(),
    requires: { permission: "org:settings:manage" },
    expect: "ok",
  },
  {
    id: "p2",
    name: "v2 admin, without prefix",
    token: alice(),
    requires: { permission: "settings:manage" },
    expect: "ok",
  },
  {
    id: "p3",
    name: "v2 member, settings:manage",
    token: bob(),
    requires: { permission: "org:settings:manage" },
    expect: "missing-permission",
  },
  {
    id: "p4",
    name: "v2 member, members:read (2nd feature)",
    token: bob(),
    requires: { permission: "org:members:read" },
    expect: "ok",
  },
  {
    id: "p5",
    name: "v2 member, dashboard:read (3rd feature)",
    token: bob(),
    requires: { permission: "org:dashboard:read" },
    expect: "ok",
  },
  {
    id: "p6",
    name: "v2 member, members:manage (bit of another role)",
    token: bob(),
    requires: { permission: "org:members:manage" },
    expect: "missing-permission",
  },
  {
    id: "p7",
    name: "v1 admin, settings:manage",
    token: alice({ version: 1 }),
    requires: { permission: "org:settings:manage" },
    expect: "ok",
  },
  {
    id: "p8",
    name: "v1 member, settings:manage",
    token: bob({ version: 1 }),
    requires: { permission: "org:settings:manage" },
    expect: "missing-permission",
  },
  {
    id: "p9",
    name: "fpm 2^59: p59 granted",
    token: big(2n ** 59n),
    requires: { permission: "org:big:p59" },
    expect: "ok",
  },
  {
    id: "p10",
    name: "fpm 2^59: p58 not granted",
    token: big(2n ** 59n),
    requires: { permission: "org:big:p58" },
    expect: "missing-permission",
  },
  {
    id: "p11",
    name: "fpm 2^59+1 (not a double): p0 granted",
    token: big(2n ** 59n + 1n),
    requires: { permission: "org:big:p0" },
    expect: "ok",
  },
  {
    id: "p12",
    name: "fpm 2^59+1: p1 not granted",
    token: big(2n ** 59n + 1n),
    requires: { permission: "org:big:p1" },
    expect: "missing-permission",
  },
  {
    id: "p13",
    name: "a feature missing from fea grants nothing, whatever fpm says",
    token: alice({
      org: null,
      claims: {
        o: { id: "org_acme", rol: "admin", slg: "acme", per: "read", fpm: "1,1" },
        fea: "o:settings",
      },
    }),
    requires: { permission: "org:members:read" },
    expect: "missing-permission",
  },
  {
    id: "p14",
    name: "the same token grants its listed feature",
    token: alice({
      org: null,
      claims: {
        o: { id: "org_acme", rol: "admin", slg: "acme", per: "read", fpm: "1,1" },
        fea: "o:settings",
      },
    }),
    requires: { permission: "org:settings:read" },
    expect: "ok",
  },

  // Features and plans, scoped o:/org:/u:/user: or not.
  {
    id: "f1",
    name: "org feature, no scope",
    token: alice(),
    requires: { feature: "settings" },
    expect: "ok",
  },
  { id: "f2", name: "org feature, o:", token: alice(), requires: { feature: "o:settings" }, expect: "ok" },
  { id: "f3", name: "org feature, org:", token: alice(), requires: { feature: "org:members" }, expect: "ok" },
  {
    id: "f4",
    name: "org feature asked as the user's",
    token: alice(),
    requires: { feature: "u:settings" },
    expect: "missing-feature",
  },
  {
    id: "f5",
    name: "user feature, user:",
    token: alice({ userFeatures: ["chat"] }),
    requires: { feature: "user:chat" },
    expect: "ok",
  },
  {
    id: "f6",
    name: "user feature asked as the org's",
    token: alice({ userFeatures: ["chat"] }),
    requires: { feature: "o:chat" },
    expect: "missing-feature",
  },
  {
    id: "f7",
    name: "user feature, no scope",
    token: alice({ userFeatures: ["chat"] }),
    requires: { feature: "chat" },
    expect: "ok",
  },
  {
    id: "f8",
    name: "no features at all",
    token: nobody(),
    requires: { feature: "settings" },
    expect: "missing-feature",
  },
  { id: "f9", name: "org plan, no scope", token: alice(), requires: { plan: "pro" }, expect: "ok" },
  { id: "f10", name: "org plan, o:", token: alice(), requires: { plan: "o:pro" }, expect: "ok" },
  {
    id: "f11",
    name: "org plan asked as the user's",
    token: alice(),
    requires: { plan: "u:pro" },
    expect: "missing-plan",
  },
  {
    id: "f12",
    name: "user plan, user:",
    token: nobody({ userPlans: ["premium"] }),
    requires: { plan: "user:premium" },
    expect: "ok",
  },
  {
    id: "f13",
    name: "another plan",
    token: alice({ org: "org_globex" }),
    requires: { plan: "pro" },
    expect: "missing-plan",
  },
  {
    id: "f14",
    name: "feature and plan both",
    token: alice(),
    requires: { feature: "dashboard", plan: "org:pro" },
    expect: "ok",
  },

  // Reverification: each preset at its edge, -1 ages, fallback to the first factor.
  {
    id: "r1",
    name: "strict, first factor 0 min, no second",
    token: alice({ fva: [0, -1] }),
    requires: { reverification: "strict" },
    expect: "ok",
  },
  {
    id: "r2",
    name: "strict, first factor 10 min",
    token: alice({ fva: [10, -1] }),
    requires: { reverification: "strict" },
    expect: "reverification-required",
  },
  {
    id: "r3",
    name: "strict, first factor 9 min",
    token: alice({ fva: [9, -1] }),
    requires: { reverification: "strict" },
    expect: "ok",
  },
  {
    id: "r4",
    name: "strict, stale first, fresh second",
    token: alice({ fva: [30, 5] }),
    requires: { reverification: "strict" },
    expect: "ok",
  },
  {
    id: "r5",
    name: "strict, fresh first, stale second",
    token: alice({ fva: [5, 30] }),
    requires: { reverification: "strict" },
    expect: "reverification-required",
  },
  {
    id: "r6",
    name: "strict_mfa, both fresh",
    token: alice({ fva: [5, 5] }),
    requires: { reverification: "strict_mfa" },
    expect: "ok",
  },
  {
    id: "r7",
    name: "strict_mfa, no second factor enrolled",
    token: alice({ fva: [5, -1] }),
    requires: { reverification: "strict_mfa" },
    expect: "ok",
  },
  {
    id: "r8",
    name: "strict_mfa, no first factor",
    token: alice({ fva: [-1, 5] }),
    requires: { reverification: "strict_mfa" },
    expect: "reverification-required",
  },
  {
    id: "r9",
    name: "strict_mfa, second stale",
    token: alice({ fva: [5, 30] }),
    requires: { reverification: "strict_mfa" },
    expect: "reverification-required",
  },
  {
    id: "r10",
    name: "moderate, 59 min",
    token: alice({ fva: [59, -1] }),
    requires: { reverification: "moderate" },
    expect: "ok",
  },
  {
    id: "r11",
    name: "moderate, 60 min",
    token: alice({ fva: [60, -1] }),
    requires: { reverification: "moderate" },
    expect: "reverification-required",
  },
  {
    id: "r12",
    name: "lax, 1439 min",
    token: alice({ fva: [1439, -1] }),
    requires: { reverification: "lax" },
    expect: "ok",
  },
  {
    id: "r13",
    name: "lax, 1440 min",
    token: alice({ fva: [1440, -1] }),
    requires: { reverification: "lax" },
    expect: "reverification-required",
  },
  {
    id: "r14",
    name: "{first_factor, 5}, 4 min",
    token: alice({ fva: [4, 100] }),
    requires: { reverification: { level: "first_factor", afterMinutes: 5 } },
    expect: "ok",
  },
  {
    id: "r15",
    name: "{first_factor, 5}, 5 min (fresh second does not count)",
    token: alice({ fva: [5, 0] }),
    requires: { reverification: { level: "first_factor", afterMinutes: 5 } },
    expect: "reverification-required",
  },
  {
    id: "r16",
    name: "{second_factor, 30}, no first factor, second 29",
    token: alice({ fva: [-1, 29] }),
    requires: { reverification: { level: "second_factor", afterMinutes: 30 } },
    expect: "ok",
  },
  {
    id: "r17",
    name: "{multi_factor, 30}, both 29",
    token: alice({ fva: [29, 29] }),
    requires: { reverification: { level: "multi_factor", afterMinutes: 30 } },
    expect: "ok",
  },
  {
    id: "r18",
    name: "lax, nothing enrolled (-1, -1)",
    token: alice({ fva: [-1, -1] }),
    requires: { reverification: "lax" },
    expect: "reverification-required",
  },
  {
    id: "r19",
    name: "strict, no fva claim",
    token: alice({ claims: { fva: undefined } }),
    requires: { reverification: "strict" },
    expect: "reverification-required",
  },
  {
    id: "r20",
    name: "member, stale: the permission is refused first",
    token: bob({ fva: [600, -1] }),
    requires: { permission: "org:settings:manage", reverification: "strict" },
    expect: "missing-permission",
  },
  {
    id: "r21",
    name: "admin, stale: re-verify",
    token: alice({ fva: [600, -1] }),
    requires: { permission: "org:settings:manage", reverification: "strict" },
    expect: "reverification-required",
  },
  {
    id: "r22",
    name: "admin, fresh",
    token: alice({ fva: [1, -1] }),
    requires: { permission: "org:settings:manage", reverification: "strict" },
    expect: "ok",
  },
  {
    id: "r23",
    name: "no organization, stale: the organization is refused first",
    token: nobody({ fva: [600, -1] }),
    requires: { role: "admin", reverification: "strict" },
    expect: "no-active-organization",
  },

  // Machine tokens: judged by scopes only (Clerk's has() is false for them).
  {
    id: "m1",
    name: "API key with the scope",
    token: apiKey("user_alice", ["read", "write"]),
    requires: { scopes: ["read"] },
    expect: "ok",
  },
  {
    id: "m2",
    name: "API key without every scope",
    token: apiKey("user_alice", ["read"]),
    requires: { scopes: ["read", "write"] },
    expect: "missing-scope",
  },
  {
    id: "m3",
    name: "M2M JWT scoped to the machine required",
    token: m2mJwtTo(REPORTS_MACHINE),
    requires: { scopes: [REPORTS_MACHINE] },
    expect: "ok",
  },
  {
    id: "m4",
    name: "M2M JWT, another scope",
    token: m2mJwt,
    requires: { scopes: ["mch_other"] },
    expect: "missing-scope",
  },
  {
    id: "m5",
    name: "organization's API key, person requirement with scopes",
    token: apiKey("org_acme", ["org:read"], { env: "ci" }),
    requires: { permission: "org:settings:manage", scopes: ["org:read"] },
    expect: "ok",
  },
  {
    id: "m6",
    name: "API key, person requirement and no scopes (fail closed)",
    token: apiKey("user_alice", ["read"]),
    requires: { role: "admin" },
    expect: "missing-scope",
  },
  {
    id: "m7",
    name: "session token, scopes only: not a person requirement",
    token: nobody(),
    requires: { scopes: ["read"] },
    expect: "ok",
  },
  {
    id: "m8",
    name: "API key with no scopes, scope required",
    token: apiKey("mch_someone", []),
    requires: { scopes: ["read"] },
    expect: "missing-scope",
  },
];
