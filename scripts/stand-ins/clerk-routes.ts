// The Clerk Backend API stand-in's routes: the Bearer check, then machine routes (which accept machine
// secret keys too), then JWKS, users, organizations, sessions and session tokens for the instance's secret
// key, and the stand-in's own session controls under /__stand-in/ (no such paths exist at Clerk).
import { errors, json, malformedBody, notFound, paramError, parseBody } from "./bapi.ts";
import type { MachineAuth } from "./clerk-machines.ts";
import { type OrganizationState, organizationRoute } from "./clerk-organizations.ts";
import { type BapiSession, parseExpiresIn } from "./clerk-sessions.ts";
import type { JwtTemplate, MintSessionTokenOptions, SigningKey } from "./clerk-tokens.ts";
import { applyUserUpdate, type BapiUser, validateUserUpdate } from "./clerk-users.ts";
import type { StandInHandler } from "./http.ts";

export interface ClerkState {
  secretKey: string;
  users: Map<string, BapiUser>;
  sessions: Map<string, BapiSession>;
  organizations: OrganizationState;
  keys: SigningKey[];
  machineAuth: MachineAuth;
  templates: Record<string, JwtTemplate>;
  /** Read per request: tests change it on a running stand-in. */
  templateTtlSeconds(): number;
  createSession(userId: string, activeOrganizationId?: string | null): string;
  mintSessionToken(opts: MintSessionTokenOptions): Promise<string>;
  setActiveOrganization(sessionId: string, orgId: string | null): void;
  ageFactors(sessionId: string, minutes?: number): void;
  reverify(sessionId: string, opts?: { second?: boolean }): void;
  /** The `fva` the session's next token carries. */
  factorAges(sessionId: string): [number, number];
}

type Route = (
  state: ClerkState,
  method: string,
  pathname: string,
  rawBody: string,
) => Response | undefined | Promise<Response | undefined>;

const jwksRoute: Route = (state, method, pathname) =>
  method === "GET" && pathname === "/v1/jwks" ? json({ keys: state.keys.map((k) => k.jwk) }) : undefined;

// GET /v1/sessions/{id}: any session, whatever its status (the status is how a caller tells an ended one).
const getSessionRoute: Route = (state, method, pathname) => {
  const match = method === "GET" ? pathname.match(/^\/v1\/sessions\/([^/]+)$/) : null;
  if (!match) return undefined;
  const id = decodeURIComponent(match[1]);
  const session = state.sessions.get(id);
  return session ? json(session) : notFound(`No session was found with id ${id}`);
};

const userRoute: Route = (state, method, pathname, rawBody) => {
  const match = pathname.match(/^\/v1\/users\/([^/]+)$/);
  if (!match || (method !== "GET" && method !== "PATCH")) return undefined;
  const id = decodeURIComponent(match[1]);
  const user = state.users.get(id);
  if (!user) return notFound(`No user was found with id ${id}`);
  if (method === "GET") return json(user);
  const params = parseBody(rawBody);
  if (!params) return malformedBody();
  const problems = validateUserUpdate(params);
  if (problems.length) return errors(422, ...problems);
  applyUserUpdate(user, params);
  return json(user);
};

const createSessionRoute: Route = (state, method, pathname, rawBody) => {
  if (method !== "POST" || pathname !== "/v1/sessions") return undefined;
  const params = parseBody(rawBody);
  if (!params) return malformedBody();
  const userId = params.user_id;
  if (typeof userId !== "string" || userId === "") {
    return errors(
      422,
      paramError("form_param_missing", "user_id", "missing data", "user_id must be included."),
    );
  }
  if (!state.users.has(userId)) return notFound(`No user was found with id ${userId}`);
  const orgId = typeof params.active_organization_id === "string" ? params.active_organization_id : null;
  return json(state.sessions.get(state.createSession(userId, orgId))!);
};

const tokenRoute: Route = async (state, method, pathname, rawBody) => {
  const match = pathname.match(/^\/v1\/sessions\/([^/]+)\/tokens(?:\/([^/]+))?$/);
  if (!match || method !== "POST") return undefined;
  const sessionId = decodeURIComponent(match[1]);
  const templateName = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
  const params = parseBody(rawBody);
  if (!params) return malformedBody();
  const expiresIn = parseExpiresIn(params);
  if (typeof expiresIn === "object") return errors(422, expiresIn);
  const session = state.sessions.get(sessionId);
  if (session?.status !== "active") return notFound(`No active session was found with id ${sessionId}`);
  if (templateName === undefined) {
    const jwt = await state.mintSessionToken({ userId: session.user_id, sessionId, ttlSeconds: expiresIn });
    return json({ object: "token", jwt });
  }
  const template = state.templates[templateName];
  if (!template) return notFound(`No JWT template exists with name: ${templateName}`);
  const user = state.users.get(session.user_id);
  if (!user) return notFound(`No user was found with id ${session.user_id}`);
  return json({ object: "token", jwt: await template(user, expiresIn ?? state.templateTtlSeconds()) });
};

/**
 * The stand-in's own controls, for tests and the try-it page (Clerk does these through its Frontend API
 * and UI): `POST /__stand-in/sessions/{id}/organization` `{"organization_id": "org_…" | null}` sets the
 * active organization; `…/age-factors` `{"minutes"?: n}` makes the verified factors that much older (default
 * a day and a minute: stale for every reverification preset); `…/reverify` `{"second_factor"?: true}`
 * verifies them again now. Each answers the session's `fva` as the next token will carry it.
 */
const standInSessionRoute: Route = (state, method, pathname, rawBody) => {
  const match = method === "POST" ? pathname.match(/^\/__stand-in\/sessions\/([^/]+)\/([a-z-]+)$/) : null;
  if (!match) return undefined;
  const sessionId = decodeURIComponent(match[1]!);
  const session = state.sessions.get(sessionId);
  if (session?.status !== "active") return notFound(`No active session was found with id ${sessionId}`);
  const params = parseBody(rawBody);
  if (!params) return malformedBody();
  try {
    if (match[2] === "organization") {
      const orgId = params.organization_id;
      if (orgId !== null && typeof orgId !== "string") {
        return errors(
          422,
          paramError(
            "form_param_format_invalid",
            "organization_id",
            "is invalid",
            "organization_id must be a string or null.",
          ),
        );
      }
      state.setActiveOrganization(sessionId, orgId);
    } else if (match[2] === "age-factors") {
      const minutes = params.minutes;
      if (minutes !== undefined && !(typeof minutes === "number" && minutes > 0)) {
        return errors(
          422,
          paramError(
            "form_param_format_invalid",
            "minutes",
            "is invalid",
            "minutes must be a positive number.",
          ),
        );
      }
      state.ageFactors(sessionId, minutes);
    } else if (match[2] === "reverify") {
      state.reverify(sessionId, { second: params.second_factor === true });
    } else return undefined;
  } catch (err) {
    return errors(422, {
      code: "form_param_value_invalid",
      message: "is invalid",
      long_message: String((err as Error).message),
    });
  }
  return json({
    session_id: sessionId,
    active_organization_id: session.last_active_organization_id,
    fva: state.factorAges(sessionId),
  });
};

const SECRET_KEY_ROUTES: Route[] = [
  jwksRoute,
  getSessionRoute,
  userRoute,
  createSessionRoute,
  tokenRoute,
  standInSessionRoute,
];

export function clerkRoutes(state: ClerkState): StandInHandler {
  return async (req, rawBody) => {
    const auth = req.headers.get("authorization");
    if (!auth?.startsWith("Bearer ")) {
      return errors(401, {
        code: "authorization_header_format_invalid",
        message: "Invalid Authorization header format",
        long_message: "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'",
      });
    }
    const { pathname } = new URL(req.url);
    const bearer = auth.slice("Bearer ".length);
    // Machine routes accept machine secret keys too, and check the bearer themselves.
    const machineAnswer = await state.machineAuth.handle(req.method, pathname, bearer, rawBody);
    if (machineAnswer) return machineAnswer;
    if (bearer !== state.secretKey) {
      // The code @clerk/backend looks for when JWKS loading fails.
      const message =
        "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.";
      return errors(401, { code: "clerk_key_invalid", message, long_message: message });
    }
    const orgAnswer = organizationRoute(state.organizations, req.method, new URL(req.url), rawBody);
    if (orgAnswer) return orgAnswer;
    for (const route of SECRET_KEY_ROUTES) {
      const answer = await route(state, req.method, pathname, rawBody);
      if (answer) return answer;
    }
    return notFound(`No route matches ${req.method} ${pathname}`);
  };
}
