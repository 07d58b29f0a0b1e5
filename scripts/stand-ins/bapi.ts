// Wire helpers shared by the Clerk Backend API stand-in's modules: ids, JSON answers, BAPI's error envelope.

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Clerk ids are a prefix plus 27 base62 characters. */
export function randomId(length = 27): string {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => BASE62[b % 62]).join("");
}

/** JSON with content-type exactly `application/json`: @clerk/backend parses nothing else as JSON. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

export interface ClerkError {
  code: string;
  message: string;
  long_message: string;
  meta?: Record<string, unknown>;
}

/** BAPI's error envelope (ClerkErrors schema). */
export function errors(status: number, ...errs: ClerkError[]): Response {
  return json({ errors: errs, clerk_trace_id: randomId(32).toLowerCase() }, status);
}

export const notFound = (longMessage: string) =>
  errors(404, { code: "resource_not_found", message: "not found", long_message: longMessage });

export const paramError = (
  code: string,
  param: string,
  message: string,
  longMessage: string,
): ClerkError => ({
  code,
  message,
  long_message: longMessage,
  meta: { param_name: param },
});

/** The 422 for a body parameter the endpoint does not take (Clerk names it in each error). */
export const unknownParam = (key: string) =>
  paramError("form_param_unknown", key, "is unknown", `${key} is not a valid parameter for this request.`);

/** Request body as an object: empty means {}, anything but a JSON object is null. */
export function parseBody(body: string): Record<string, unknown> | null {
  if (body.trim() === "") return {};
  try {
    const parsed: unknown = JSON.parse(body);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export const malformedBody = () =>
  errors(400, {
    code: "malformed_request",
    message: "malformed request",
    long_message: "The request body is not a valid JSON object.",
  });
