import type * as z from "zod/mini";
import { ErrorCode, HttpError } from "./errors.ts";

/**
 * One issue as the client sees it. An unknown field is named by its path, never by zod's message, which
 * (with zod's English messages loaded anywhere in the process) quotes the field's name: whatever a client
 * sent as a key (a token, a key) is not echoed back.
 */
function shown(issue: z.core.$ZodIssue): { path: string[]; message: string } {
  if (issue.code === "unrecognized_keys") return { path: issue.path.map(String), message: "Unknown field." };
  return { path: issue.path.map(String), message: issue.message };
}

/** zod `safeParse` at the edge: failures become 422 with each issue's path and message. */
export function validate<T extends z.ZodMiniType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new HttpError(422, ErrorCode.ValidationFailed, "The request body is invalid.", {
    details: { issues: result.error.issues.map(shown) },
  });
}
