// Generated requests (methods, headers, bodies, content types, query strings, tokens) against every
// function, in-process and on the Netlify bundles. Whatever arrives: no 5xx while Clerk and Supabase are
// healthy, every error body is the functions' JSON error with a known code, no token that is not Clerk's own gets
// past auth, and update-user reaches Clerk exactly for the valid requests.
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFunctions } from "./support/fixture.ts";
import { hs256WithPublicKey, signedWithOtherKey, tamper, unsigned } from "./support/forge.ts";
import { type CallInit, type FunctionName, type Host, type Running, sourceHost } from "./support/hosts.ts";
import { nodeBundleHost } from "./support/process-hosts.ts";
import { APP_ORIGIN, type Stack } from "./support/stack.ts";

const ERROR_CODES = new Set([
  "unauthorized",
  "method_not_allowed",
  "invalid_json",
  "validation_failed",
  "payload_too_large",
  "unsupported_media_type",
  "invalid_query",
  "upstream_error",
  "upstream_unavailable",
  "upstream_timeout",
  "server_misconfigured",
  "internal_error",
  "forbidden",
  "request_timeout",
  // A form escape that is not UTF-8, or a body the client stopped sending.
  "bad_request",
]);
/** Requests per function and host: BATCH requests in flight per property run. */
const BATCH = 25;
const RUNS = 80;
const MAX_BODY_BYTES = 16 * 1024;

interface Tokens {
  /** Genuine alice session tokens (signed in wherever they are read). */
  valid: string[];
  /** Tokens Clerk did not issue as they are, or issued for something else: never signed in. */
  forged: string[];
}

type Placement = "bearer" | "bare" | "lowercase" | "cookie" | "none";
interface Generated {
  method: string;
  /** A genuine or forged token by its index in the pool (short counterexamples), or a garbage string. */
  token: { kind: "valid" | "forged"; i: number } | { kind: "garbage"; value: string } | undefined;
  placement: Placement;
  headers: Record<string, string>;
  query: string;
  /** update-user only: content type and body text. */
  contentType: string | undefined;
  body: string | undefined;
}

// ---- generators -------------------------------------------------------------------------------------------

const latin1 = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const b64url = fc.string({
  unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
  maxLength: 60,
});
const garbageToken = fc.oneof(
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 80 }).filter((s) => s.trim() !== ""),
  fc.tuple(b64url, b64url, b64url).map((parts) => parts.join(".")),
  fc.tuple(b64url, b64url).map(([p, s]) => `eyJhbGciOiJSUzI1NiJ9.${p}.${s}`),
);
/** Whitespace-heavy names: trimming decides validity at the edges. */
const nameArb = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 20 }),
  fc
    .tuple(
      fc.constantFrom("", " ", "\t", "\n ", "\u00a0"),
      fc.string({ unit: "grapheme-ascii", maxLength: 8 }),
    )
    .map(([ws, s]) => `${ws}${s}${ws}`),
  fc.integer({ min: 250, max: 262 }).map((n) => "n".repeat(n)),
);
const fieldValue = fc.oneof(
  { arbitrary: nameArb, weight: 6 },
  {
    arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.array(nameArb, { maxLength: 2 })),
    weight: 1,
  },
);
const fieldKey = fc.oneof(
  { arbitrary: fc.constantFrom("firstName", "lastName"), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      "first_name",
      "FirstName",
      "firstName ",
      "__proto__",
      "constructor",
      "toString",
      "x",
    ),
    weight: 1,
  },
);
const fields = fc.oneof(
  { arbitrary: fc.array(fc.tuple(fieldKey, fieldValue), { maxLength: 3 }), weight: 1 },
  // Mostly well-formed updates, so the accepted path is exercised as much as the refusals.
  {
    arbitrary: fc
      .record({ firstName: nameArb, lastName: nameArb }, { requiredKeys: [] })
      .map((r) => Object.entries(r) as [string, unknown][]),
    weight: 2,
  },
);

const jsonBody = fc.oneof(
  {
    arbitrary: fields.map(
      (f) => `{${f.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(",")}}`,
    ),
    weight: 6,
  },
  { arbitrary: fc.json({ maxDepth: 2 }), weight: 1 },
  { arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 30 }), weight: 1 },
  {
    arbitrary: fc
      .integer({ min: MAX_BODY_BYTES - 40, max: MAX_BODY_BYTES + 200 })
      .map((n) => `{"firstName":"${"x".repeat(n)}"}`),
    weight: 1,
  },
);
const formBody = fc.oneof(
  {
    arbitrary: fields.map((f) =>
      // Forms carry strings only; other generated values are left out.
      f
        .flatMap(([k, v]) =>
          typeof v === "string" ? [`${encodeURIComponent(k)}=${encodeURIComponent(v)}`] : [],
        )
        .join("&"),
    ),
    weight: 6,
  },
  { arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 30 }), weight: 1 },
);
const contentTypeFor = (kind: "json" | "form" | "other") =>
  kind === "json"
    ? fc.constantFrom(
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
        " application/json ",
      )
    : kind === "form"
      ? fc.constantFrom(
          "application/x-www-form-urlencoded",
          "application/x-www-form-urlencoded;charset=UTF-8",
        )
      : fc.option(
          fc.constantFrom(
            "text/plain",
            "application/jsonx",
            "multipart/form-data; boundary=x",
            "*/*",
            "json",
          ),
          {
            nil: undefined,
          },
        );
const bodyArb = fc.oneof(
  { arbitrary: fc.tuple(contentTypeFor("json"), jsonBody), weight: 5 },
  { arbitrary: fc.tuple(contentTypeFor("form"), formBody), weight: 3 },
  { arbitrary: fc.tuple(contentTypeFor("other"), fc.oneof(jsonBody, formBody)), weight: 1 },
  { arbitrary: fc.tuple(contentTypeFor("json"), formBody), weight: 1 },
);

const limitQuery = fc.oneof(
  fc.integer({ min: 1, max: 100 }).map(String),
  fc.constantFrom("0", "101", "-1", "1.5", "abc", "", "01", "1e2", " 5", "100", "999", "5&limit=6"),
  fc.string({ unit: "grapheme-ascii", maxLength: 6 }).map(encodeURIComponent),
);
const queryArb = fc
  .tuple(
    fc.option(limitQuery, { nil: undefined }),
    fc.array(fc.tuple(fc.string({ unit: "grapheme-ascii", maxLength: 8 }), latin1), { maxLength: 2 }),
    fc.option(fc.constantFrom("__clerk_handshake=x.y.z", "__clerk_handshake_nonce=n", "__clerk_db_jwt=d"), {
      nil: undefined,
    }),
  )
  .map(([limit, extra, clerk]) =>
    [
      limit === undefined ? undefined : `limit=${limit}`,
      ...extra.map(([k, v]) => `${encodeURIComponent(`q${k}`)}=${encodeURIComponent(v)}`),
      clerk,
    ]
      .filter((p) => p !== undefined)
      .join("&"),
  );

const noiseHeaders = fc.record(
  {
    origin: fc.constantFrom(APP_ORIGIN, "https://evil.example", "null"),
    accept: fc.constantFrom(
      "application/json",
      "text/html",
      "*/*",
      "text/html, application/json",
      "image/png",
    ),
    "x-request-id": fc.oneof(fc.constant("req-fuzz-12345678"), latin1),
    "x-fuzz-a": latin1,
    cookie: fc
      .array(
        fc.tuple(
          b64url,
          latin1.map((v) => v.replace(/[;,\s]/g, "")),
        ),
        { maxLength: 3 },
      )
      .map((cs) => cs.map(([k, v]) => `fz_${k}=${v}`).join("; ")),
  },
  { requiredKeys: [] },
);

function requestArb(fn: FunctionName, tokens: Tokens): fc.Arbitrary<Generated> {
  const primary = fn === "update-user" ? "POST" : "GET";
  const method = fc.oneof(
    { arbitrary: fc.constant(primary), weight: 8 },
    { arbitrary: fc.constantFrom("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"), weight: 2 },
  );
  const token = fc.oneof(
    { arbitrary: fc.nat(tokens.valid.length - 1).map((i) => ({ kind: "valid" as const, i })), weight: 5 },
    { arbitrary: fc.nat(tokens.forged.length - 1).map((i) => ({ kind: "forged" as const, i })), weight: 3 },
    { arbitrary: garbageToken.map((value) => ({ kind: "garbage" as const, value })), weight: 2 },
    { arbitrary: fc.constant(undefined), weight: 1 },
  );
  const placement = fc.oneof(
    { arbitrary: fc.constant<Placement>("bearer"), weight: 8 },
    { arbitrary: fc.constantFrom<Placement>("bare", "lowercase", "cookie", "none"), weight: 2 },
  );
  return fc
    .record({
      method,
      token,
      placement,
      headers: noiseHeaders,
      query: queryArb,
      body: fn === "update-user" ? fc.option(bodyArb, { nil: undefined, freq: 10 }) : fc.constant(undefined),
    })
    .map(({ body, ...r }) => ({ ...r, contentType: body?.[0], body: body?.[1] }));
}

// ---- the oracle: the documented contract, computed independently of the functions ------------------------------

function toInit(g: Generated, fn: FunctionName, tokens: Tokens): CallInit {
  const headers: Record<string, string> = { ...g.headers };
  const token = g.token && (g.token.kind === "garbage" ? g.token.value : tokens[g.token.kind][g.token.i]);
  if (token && g.placement === "bearer") headers.authorization = `Bearer ${token}`;
  if (token && g.placement === "lowercase") headers.authorization = `bearer ${token}`;
  if (token && g.placement === "bare") headers.authorization = token;
  if (token && g.placement === "cookie") {
    // What a signed-in browser on a development instance sends next to __session.
    const jar = `__client_uat=${Math.floor(Date.now() / 1000) - 7200}; __clerk_db_jwt=dvb_fuzz; __session=${token}`;
    headers.cookie = headers.cookie ? `${headers.cookie}; ${jar}` : jar;
  }
  if (g.contentType !== undefined) headers["content-type"] = g.contentType;
  const bodyAllowed = !["GET", "HEAD"].includes(g.method);
  return {
    method: g.method,
    headers,
    query: g.query,
    body: fn === "update-user" && bodyAllowed ? g.body : undefined,
  };
}

/** Signed in for sure: a genuine token where the SDK reads one. Anything else must be signed out. */
const signedIn = (g: Generated) =>
  g.token?.kind === "valid" &&
  (g.placement === "bearer" || g.placement === "bare" || g.placement === "cookie");
/**
 * Cookie auth plus Clerk's dev-browser sync parameter (`?__clerk_db_jwt=`) is a handshake in a development
 * instance, so signed out (API functions never run the handshake); the oracle leaves such requests to the invariants.
 */
/** The session cookie on a write from a foreign (or `null`) Origin: refused before the token is read. */
const foreignCookieWrite = (g: Generated) =>
  g.token !== undefined &&
  !(g.token.kind === "garbage" && g.token.value === "") &&
  g.placement === "cookie" &&
  !["GET", "HEAD", "OPTIONS"].includes(g.method) &&
  g.headers.origin !== undefined &&
  g.headers.origin !== APP_ORIGIN;
const devBrowserSync = (g: Generated) => g.placement === "cookie" && g.query.includes("__clerk_db_jwt=");

/**
 * Whether each name and value of a form body percent-decodes to UTF-8. URLSearchParams would turn bytes
 * that are not (`%A0`) into U+FFFD; the function refuses them with 400 instead. decodeURIComponent throws
 * on exactly those once a `%` without two hex digits after it is kept literally, as the URL standard does.
 */
function formIsUtf8(text: string): boolean {
  return text.split(/[&=]/).every((part) => {
    try {
      decodeURIComponent(part.replace(/\+/g, " ").replace(/%(?![0-9A-Fa-f]{2})/g, "%25"));
      return true;
    } catch {
      return false;
    }
  });
}

type UpdateVerdict = { status: 200; patch: Record<string, string> } | { status: 400 | 413 | 415 | 422 };

/** update-user for a signed-in caller: content type, size, parsing, then the schema, in that order. */
function updateVerdict(g: Generated): UpdateVerdict {
  const type = g.contentType?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json" && type !== "application/x-www-form-urlencoded") return { status: 415 };
  const text = g.body ?? "";
  if (new TextEncoder().encode(text).byteLength > MAX_BODY_BYTES) return { status: 413 };
  let value: unknown;
  if (type === "application/json") {
    try {
      value = JSON.parse(text);
    } catch {
      return { status: 400 };
    }
  } else {
    if (!formIsUtf8(text)) return { status: 400 };
    const entries = [...new URLSearchParams(text)];
    const keys = entries.map(([k]) => k);
    if (new Set(keys).size !== keys.length) return { status: 422 };
    value = Object.fromEntries(entries);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { status: 422 };
  const keys = Object.keys(value);
  if (keys.length === 0 || keys.some((k) => k !== "firstName" && k !== "lastName")) return { status: 422 };
  const patch: Record<string, string> = {};
  for (const k of keys) {
    const raw = (value as Record<string, unknown>)[k];
    if (typeof raw !== "string") return { status: 422 };
    const name = raw.trim().normalize("NFC");
    // Length as Clerk counts it (UTF-16 code units); text a person could type.
    if (name.length < 1 || name.length > 256) return { status: 422 };
    if (/[\p{Cc}\p{Cs}\u202A-\u202E\u2066-\u2069]/u.test(name)) return { status: 422 };
    if (/^[\s\u200B-\u200D\u2060\uFEFF]*$/u.test(name)) return { status: 422 };
    patch[k === "firstName" ? "first_name" : "last_name"] = name;
  }
  return { status: 200, patch };
}

function limitValid(query: string): boolean {
  const values = new URLSearchParams(query).getAll("limit");
  return values.length === 0 || (values.length === 1 && /^(?:100|[1-9]\d?)$/.test(values[0]!));
}

/**
 * The functions whose rules the oracle below knows (Clerk's four route handlers). The organization functions'
 * authorization is held to Clerk's own has() by the authorization table instead.
 */
const ORACLE_KNOWS: FunctionName[] = ["protected", "supabase-data", "current-user", "update-user"];

const allowed = (fn: FunctionName) =>
  fn === "update-user" ? ["POST", "OPTIONS"] : ["GET", "HEAD", "OPTIONS"];

/** The exact status when the oracle knows it; undefined when only the invariants apply. */
function expectedStatus(fn: FunctionName, g: Generated): number | undefined {
  if (g.method === "OPTIONS") return 204;
  if (!allowed(fn).includes(g.method)) return 405;
  if (foreignCookieWrite(g)) return 403;
  if (devBrowserSync(g)) return undefined;
  if (!signedIn(g)) {
    if (fn !== "update-user") return 401;
    const accept = g.headers.accept ?? "";
    return accept.includes("application/json") && !accept.includes("text/html") ? 401 : 303;
  }
  if (fn === "update-user") return updateVerdict(g).status;
  if (fn === "supabase-data" && !limitValid(g.query)) return 400;
  return 200;
}

const canonical = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).sort());

// ---- the property ------------------------------------------------------------------------------------------

/** Statuses seen per function: the run must have exercised success and refusal alike. */
type Seen = Map<number, number>;

async function check(
  fns: Running,
  stack: Stack,
  tokens: Tokens,
  fn: FunctionName,
  batch: Generated[],
  seen: Seen,
) {
  const patchesBefore = stack.clerk.server.requests.filter((r) => r.method === "PATCH").length;
  const results = await Promise.all(
    batch.map(async (g) => {
      const res = await fns.call(fn, toInit(g, fn, tokens));
      return { g, res, text: await res.text() };
    }),
  );
  const expectedPatches: string[] = [];
  for (const { g, res, text } of results) {
    seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
    const where = `${fn} ${JSON.stringify(g).slice(0, 400)} → ${res.status} ${text.slice(0, 200)}`;
    expect(res.status, where).toBeLessThan(500);
    const expected = expectedStatus(fn, g);
    if (expected !== undefined) expect(res.status, where).toBe(expected);
    if (res.status === 200 && g.token?.kind !== "valid")
      throw new Error(`signed in without a genuine token: ${where}`);
    expect(res.headers.get("x-request-id"), where).toBeTruthy();
    expect(res.headers.get("cache-control"), where).toBe("no-store");
    if (res.status >= 400 && g.method !== "HEAD") {
      const body = JSON.parse(text) as { error: { code: string; requestId: string } };
      expect(ERROR_CODES.has(body.error.code), where).toBe(true);
      expect(body.error.requestId, where).toBe(res.headers.get("x-request-id"));
    }
    if (res.status === 401) expect(res.headers.get("www-authenticate"), where).toMatch(/^Bearer realm="api"/);
    if (fn === "update-user" && res.status === 200) {
      const verdict = updateVerdict(g);
      if (verdict.status !== 200) throw new Error(`accepted an invalid update: ${where}`);
      expectedPatches.push(canonical(verdict.patch));
    }
  }
  // Clerk saw exactly the valid updates: none from invalid input, none lost.
  const patches = stack.clerk.server.requests
    .filter((r) => r.method === "PATCH")
    .slice(patchesBefore)
    .map((r) => canonical(JSON.parse(r.body)));
  expect(patches.sort()).toEqual(expectedPatches.sort());
}

function fuzz(host: Host): void {
  let tokens: Tokens;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeAll(() => void process.on("unhandledRejection", onUnhandled));
  afterAll(() => void process.off("unhandledRejection", onUnhandled));
  const session = useFunctions({ host, users: [] });

  beforeAll(async () => {
    const stack = session.stack;
    const mint = (extra: Omit<Parameters<Stack["clerk"]["mintSessionToken"]>[0], "userId"> = {}) =>
      stack.clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 3600, ...extra });
    const valid = await Promise.all(Array.from({ length: 6 }, () => mint()));
    const now = Math.floor(Date.now() / 1000);
    const forged = [
      tamper(valid[0]!, { sub: "user_bob" }),
      unsigned(valid[0]!),
      hs256WithPublicKey(valid[0]!, stack.clerk.jwtKeyPem),
      await signedWithOtherKey(valid[0]!),
      tamper(valid[0]!, { kid: "ins_fuzz_unknown" }, 0),
      await mint({ now: now - 3600, ttlSeconds: 60 }),
      await mint({ claims: { azp: "https://evil.example" } }),
      await mint({ claims: { iss: "https://clerk.other.example" } }),
      await mint({ claims: { sts: "pending" } }),
      await mint({ header: { cat: "cl_B7d4PD333AAA" } }),
      await mint({ claims: { nbf: now + 600 } }),
      `${valid[1]!.slice(0, -6)}AAAAAA`,
    ];
    tokens = { valid, forged };
  });

  for (const fn of ORACLE_KNOWS) {
    it(`${fn}: ${BATCH * RUNS} generated requests → no 5xx, JSON error bodies with stable codes, no forged sign-in, Clerk writes only for valid updates`, async () => {
      const seen: Seen = new Map();
      await fc.assert(
        fc.asyncProperty(fc.array(requestArb(fn, tokens), { minLength: BATCH, maxLength: BATCH }), (batch) =>
          check(session.fns, session.stack, tokens, fn, batch, seen),
        ),
        { numRuns: RUNS },
      );
      expect(unhandled).toEqual([]);
      const total = [...seen.values()].reduce((a, b) => a + b, 0);
      expect(total).toBe(BATCH * RUNS);
      // Not a vacuous run: plenty signed in and plenty refused.
      expect(seen.get(200) ?? 0).toBeGreaterThan(total / 20);
      expect(seen.get(401) ?? 0).toBeGreaterThan(total / 20);
      if (fn === "update-user")
        for (const s of [303, 400, 413, 415, 422]) expect(seen.get(s) ?? 0).toBeGreaterThan(0);
      if (fn === "supabase-data") expect(seen.get(400) ?? 0).toBeGreaterThan(0);
    }, 60_000);
  }
}

describe("source (in-process)", () => fuzz(sourceHost));
describe("Netlify bundles on Node", () => fuzz(nodeBundleHost));
