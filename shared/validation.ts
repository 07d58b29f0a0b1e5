import type * as z from "zod/mini";
import { ErrorCode, HttpError } from "./errors.ts";

/** zod `safeParse` at the edge: failures become 422 with each issue's path and message. */
export function validate<T extends z.ZodMiniType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new HttpError(422, ErrorCode.ValidationFailed, "The request body is invalid.", {
    details: { issues: result.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) },
  });
}
