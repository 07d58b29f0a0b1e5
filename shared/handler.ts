import type * as z from "zod/mini";
import {
  type Accept,
  acceptance,
  authenticate,
  checkRequirements,
  clientAddress,
  judge,
  type RequirementsFor,
  refusal,
  type SignedInAs,
  type SignedOut,
} from "./auth/index.ts";
import { readBody } from "./body.ts";
import { type Config, getConfig } from "./config.ts";
import { corsHeaders, preflight } from "./cors.ts";
import { ErrorCode, HttpError } from "./errors.ts";
import { errorResponse, requestIdsFor, unauthorized } from "./http.ts";
import { type RequestLog, writeLog } from "./log.ts";
import { UpstreamBudget } from "./upstream.ts";
import { validate } from "./validation.ts";

export type Method = "GET" | "POST";

/** A body a function declares: JSON or a form, at most `maxBytes`, validated with `schema` before use. */
export interface BodyDeclaration<B extends z.ZodMiniType = z.ZodMiniType> {
  schema: B;
  /** Refused with 413 while streaming past this (default 16 KiB). */
  maxBytes?: number;
}

/** One query parameter, as the OpenAPI document and the try-it page describe it. */
export interface QueryParameter {
  schema: z.ZodMiniType;
  description?: string;
}

/** A request the smoke CLI and the bench can send (the query string without `?`, a JSON body). */
export interface Example {
  query?: string;
  body?: Record<string, unknown>;
}

export interface RequestContext<A extends Accept = Accept, B extends z.ZodMiniType = z.ZodMiniType> {
  config: Config;
  requestId: string;
  /** The caller, already authenticated (a signed-out request never reaches `handle`). */
  auth: SignedInAs<A>;
  /**
   * What is left of the request's upstream budget, so a function making two upstream calls still answers
   * within one timeout. Its clock runs during authentication's calls and from the first call to this (the
   * function's first upstream call) on: the budget covers upstream calls, not the client's upload, which
   * has its own limit (body.ts).
   */
  remainingMs(): number;
  /** The declared body, read (size and time limits) and validated: 400/408/413/415/422 otherwise. */
  body(): Promise<z.infer<B>>;
}

/**
 * Everything a function says about itself. The tooling reads all but `handle`: the OpenAPI document, the
 * try-it page, the smoke CLI, the bench and the size budget come from here, so a new file in functions/
 * needs no other edit.
 */
export interface FunctionDefinition<A extends Accept = Accept, B extends z.ZodMiniType = z.ZodMiniType> {
  /** One line: what it answers. */
  summary: string;
  description?: string;
  method: Method;
  /** The callers it serves: a token of another type is refused before any verification. */
  accepts: readonly A[];
  /**
   * What a signed-in caller must also have, with the meaning of Clerk's has(): role, permission, feature,
   * plan, reverification for people; scopes for machine tokens; an active organization. Refused with 403.
   */
  requires?: RequirementsFor<A>;
  query?: Readonly<Record<string, QueryParameter>>;
  body?: BodyDeclaration<B>;
  /** The success (200) body; `name` shares one schema between functions in the OpenAPI document. */
  response: { schema: z.ZodMiniType; name?: string };
  /** "redirect": a signed-out browser is sent to SIGN_IN_URL (303); a client asking only for JSON gets 401. */
  signedOut?: "redirect";
  /** A valid request (the smoke CLI sends it signed in to safe methods and expects 200; the bench too). */
  example?: Example;
  /** A request that fails validation (the smoke CLI expects 400 for a query, 422 for a body). */
  invalidExample?: Example;
  /** The least upstream calls a warm request makes; the bench fails a function that makes more. */
  upstream?: { clerk?: number; supabase?: number };
  /** Minified bundle budget in KiB (default 210); the build fails over it. */
  budgetKiB?: number;
  handle(req: Request, ctx: RequestContext<A, B>): Promise<Response>;
}

export type WebHandler = (req: Request, context?: unknown) => Promise<Response>;

/** What a function declares about itself: the definition without its code. */
export type Declaration<A extends Accept = Accept> = Omit<FunctionDefinition<A>, "handle">;

export type DefinedFunction<A extends Accept = Accept> = WebHandler & {
  readonly definition: Declaration<A>;
  /** The same handler, logging `function: name`: a function is named by its file. */
  named(name: string): WebHandler;
};

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;

/** Browsers navigating or posting forms get the redirect; API clients asking only for JSON get 401. */
function wantsJsonOnly(req: Request): boolean {
  const accept = req.headers.get("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/html");
}

/**
 * The single boundary: method and CORS handling, authentication, errors to JSON, request id, one log line.
 * Functions only throw HttpError or return a Response; anything else becomes a bare 500.
 */
export function defineFunction<const A extends Accept, B extends z.ZodMiniType = z.ZodMiniType<never>>(
  def: FunctionDefinition<A, B>,
): DefinedFunction<A> {
  const allow = def.method === "GET" ? ["GET", "HEAD", "OPTIONS"] : [def.method, "OPTIONS"];
  const accepts = acceptance(def.accepts);
  // A requirement that could never pass, or would let machines through unchecked, fails here, at import.
  checkRequirements(def.requires, def.accepts);
  const { handle, ...declaration } = def;
  const maxBodyBytes = def.body?.maxBytes ?? DEFAULT_MAX_BODY_BYTES;

  /** Signed out: 401, or the sign-in redirect a browser can follow (303 turns a POST into a GET). */
  const signedOut = (req: Request, auth: SignedOut): Response => {
    if (def.signedOut !== "redirect" || wantsJsonOnly(req))
      throw unauthorized(auth.reason, auth.tokenPresented);
    const signInUrl = getConfig("signIn").url;
    return new Response(null, { status: 303, headers: { location: new URL(signInUrl, req.url).href } });
  };

  const respond = async (
    req: Request,
    context: unknown,
    cfg: Config,
    log: RequestLog,
    requestId: string,
  ): Promise<Response> => {
    if (req.method === "OPTIONS") return preflight(req, cfg, allow);
    if (!allow.includes(req.method)) {
      throw new HttpError(405, ErrorCode.MethodNotAllowed, `Use ${allow.join(", ")}.`, {
        headers: { allow: allow.join(", ") },
      });
    }
    // The budget is spent only in upstream calls: authentication's (a key fetch or a token verification)
    // and the function's own from its first remainingMs() on, never on the client's upload in between.
    const budget = new UpstreamBudget(cfg.upstreamTimeoutMs);
    const remainingMs = () => budget.spendFromNow().remainingMs();
    const authOpts = {
      accepts,
      remainingMs: () => budget.remainingMs(),
      client: clientAddress(req, context),
    };
    const auth = await budget.during(() => authenticate(req, cfg, authOpts));
    log.tokenType = auth.tokenType;
    if (!auth.signedIn) {
      log.reason = auth.reason;
      return signedOut(req, auth);
    }
    log.userId = auth.userId;
    log.machineId = auth.machineId;
    log.orgId = auth.orgId;
    // Before the body is read and before any upstream call of the function's own.
    const verdict = judge(def.requires, auth);
    if (!verdict.ok) throw refusal(verdict);
    // HEAD is GET without a body (RFC 9110 §9.3.2).
    const asGet = req.method === "HEAD" ? new Request(req, { method: "GET" }) : req;
    let body: Promise<z.infer<B>> | undefined;
    const ctx: RequestContext<A, B> = {
      config: cfg,
      requestId,
      // authenticate refused every token type the definition does not list.
      auth: auth as SignedInAs<A>,
      remainingMs,
      body: () => {
        if (!def.body) throw new Error("This function declares no body.");
        const schema = def.body.schema;
        body ??= readBody(asGet, maxBodyBytes).then((value) => validate(schema, value));
        return body;
      },
    };
    const res = await handle(asGet, ctx);
    return req.method === "HEAD" ? new Response(null, { status: res.status, headers: res.headers }) : res;
  };

  const named = (name: string): WebHandler => {
    return async (req, context) => {
      const started = performance.now();
      const { requestId, platformRequestId } = requestIdsFor(req);
      const log: RequestLog = { function: name, method: req.method, requestId, platformRequestId };
      let config: Config | undefined;
      let res: Response;
      try {
        // Deno hands over a URL built from any Host header unchecked; the SDK would throw on it later.
        if (!URL.canParse(req.url)) {
          throw new HttpError(400, ErrorCode.BadRequest, "The request URL is not valid.");
        }
        config = getConfig();
        res = await respond(req, context, config, log, requestId);
      } catch (err) {
        res = toErrorResponse(err, requestId, log);
      }

      // Every Response here was built by this code, so its headers are mutable: no second copy per request.
      const { headers } = res;
      headers.set("x-request-id", requestId);
      headers.set("cache-control", "no-store");
      if (config && req.method !== "OPTIONS") {
        for (const [k, v] of Object.entries(corsHeaders(req, config))) headers.set(k, v);
      }
      log.status = res.status;
      log.durationMs = Math.round((performance.now() - started) * 10) / 10;
      writeLog(log);
      return res;
    };
  };
  return Object.assign(named("function"), { definition: declaration as Declaration<A>, named });
}

function toErrorResponse(err: unknown, requestId: string, log: RequestLog): Response {
  if (err instanceof HttpError) {
    // A misconfiguration is the cause whatever auth noted before reaching it (e.g. a signed-out reason).
    if (err.reason)
      log.reason = err.code === ErrorCode.ServerMisconfigured ? err.reason : (log.reason ?? err.reason);
    if (err.upstream) log.upstream = err.upstream;
    return errorResponse(err, requestId);
  }
  const e = err instanceof Error ? err : new Error(String(err));
  log.error = { name: e.name, message: e.message, stack: e.stack };
  return errorResponse(new HttpError(500, ErrorCode.InternalError, "Something went wrong."), requestId);
}
