import {
  type Accept,
  acceptance,
  authenticate,
  clientAddress,
  type SignedInAs,
  type SignedOut,
} from "./auth/index.ts";
import { type Config, getConfig } from "./config.ts";
import { corsHeaders, preflight } from "./cors.ts";
import { ErrorCode, HttpError } from "./errors.ts";
import { errorResponse, requestIdsFor, unauthorized } from "./http.ts";
import { type RequestLog, writeLog } from "./log.ts";
import { UpstreamBudget } from "./upstream.ts";

export type Method = "GET" | "POST";

export interface RequestContext<A extends Accept = Accept> {
  config: Config;
  requestId: string;
  /**
   * What is left of the request's upstream budget, so a function making two upstream calls still answers
   * within one timeout. Its clock runs during authentication's calls and from the first call to this (the
   * function's first upstream call) on: the budget covers upstream calls, not the client's upload, which
   * has its own limit (body.ts).
   */
  remainingMs(): number;
  /** Authenticate the request; the result is also noted in the log line. */
  auth(): Promise<SignedInAs<A> | SignedOut>;
  /** Authenticate, or throw 401 when signed out. */
  requireAuth(): Promise<SignedInAs<A>>;
}

export interface FunctionDefinition<A extends Accept = Accept> {
  name: string;
  method: Method;
  /** The callers it serves: a token of another type is refused before any verification. */
  accepts: readonly A[];
  handle(req: Request, ctx: RequestContext<A>): Promise<Response>;
}

export type WebHandler = (req: Request, context?: unknown) => Promise<Response>;

/** What a function declares about itself, readable from its handler (the OpenAPI document is built from it). */
export type Declaration<A extends Accept = Accept> = Pick<
  FunctionDefinition<A>,
  "name" | "method" | "accepts"
>;
export type DefinedFunction<A extends Accept = Accept> = WebHandler & { readonly definition: Declaration<A> };

/**
 * The single boundary: method and CORS handling, errors to JSON, request id, one log line.
 * Functions only throw HttpError or return a Response; anything else becomes a bare 500.
 */
export function defineFunction<const A extends Accept>(def: FunctionDefinition<A>): DefinedFunction<A> {
  const allow = def.method === "GET" ? ["GET", "HEAD", "OPTIONS"] : [def.method, "OPTIONS"];
  const accepts = acceptance(def.accepts);
  const definition: Declaration<A> = { name: def.name, method: def.method, accepts: def.accepts };

  const handler: WebHandler = async (req, context) => {
    const started = performance.now();
    const { requestId, platformRequestId } = requestIdsFor(req);
    const log: RequestLog = { function: def.name, method: req.method, requestId, platformRequestId };
    let config: Config | undefined;
    let res: Response;
    try {
      // Deno hands over a URL built from any Host header unchecked; the SDK would throw on it later.
      if (!URL.canParse(req.url)) {
        throw new HttpError(400, ErrorCode.BadRequest, "The request URL is not valid.");
      }
      config = getConfig();
      const cfg = config;
      if (req.method === "OPTIONS") {
        res = preflight(req, cfg, allow);
      } else if (!allow.includes(req.method)) {
        throw new HttpError(405, ErrorCode.MethodNotAllowed, `Use ${allow.join(", ")}.`, {
          headers: { allow: allow.join(", ") },
        });
      } else {
        let authResult: Promise<SignedInAs<A> | SignedOut> | undefined;
        // The budget is spent only in upstream calls: authentication's (a key fetch or a token verification)
        // and the function's own from its first remainingMs() on, never on the client's upload in between.
        const budget = new UpstreamBudget(cfg.upstreamTimeoutMs);
        const remainingMs = () => budget.spendFromNow().remainingMs();
        const client = clientAddress(req, context);
        const authOpts = { accepts, remainingMs: () => budget.remainingMs(), client };
        const authenticated = () => budget.during(() => authenticate(req, cfg, authOpts));
        const auth = () => {
          authResult ??= authenticated().then((a) => {
            log.tokenType = a.tokenType;
            if (a.signedIn) {
              log.userId = a.userId;
              log.machineId = a.machineId;
            } else log.reason = a.reason;
            // authenticate refused every token type the definition does not list.
            return a as SignedInAs<A> | SignedOut;
          });
          return authResult;
        };
        const ctx: RequestContext<A> = {
          config: cfg,
          requestId,
          remainingMs,
          auth,
          requireAuth: async () => {
            const a = await auth();
            if (!a.signedIn) throw unauthorized(a.reason, a.tokenPresented);
            return a;
          },
        };
        // HEAD is GET without a body (RFC 9110 §9.3.2).
        const asGet = req.method === "HEAD" ? new Request(req, { method: "GET" }) : req;
        res = await def.handle(asGet, ctx);
        if (req.method === "HEAD") res = new Response(null, { status: res.status, headers: res.headers });
      }
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
  return Object.assign(handler, { definition });
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
