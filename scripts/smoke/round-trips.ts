// The smoke rows a declaration cannot say: a write, made and then undone, so a run against a real
// deployment leaves its data as it found it. Only for the functions that are here; a row is skipped when
// either function is missing.
import { isFunctionName } from "../lib/functions.ts";
import type { Check, Result } from "./check.ts";

/** Reads a nested JSON value without trusting the deployment's response shape. */
function dig(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path)
    current = current && typeof current === "object" ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

const JSON_TYPE = { "content-type": "application/json" };
const READ = "current-user";
const WRITE = "update-user";

/** Sets a name the user has to a new value and back, through update-user, read through current-user. */
export async function nameRoundTrip(check: Check, auth: Record<string, string>, results: Result[]) {
  if (!isFunctionName(READ) || !isFunctionName(WRITE)) return;
  const me = await check(`${READ} before the name round trip`, READ, { headers: auth }, (res) =>
    res.status === 200 ? undefined : "expected 200",
  );
  const user = dig(me, "user") as { firstName?: string | null; lastName?: string | null } | undefined;
  const field = user?.firstName ? "firstName" : user?.lastName ? "lastName" : undefined;
  if (!field) {
    results.push({
      check: `${WRITE} round trip`,
      status: null,
      ms: 0,
      pass: true,
      detail: "skipped: user has no name to restore",
    });
    return;
  }
  const setName = (label: string, value: string, failure: string) =>
    check(
      label,
      WRITE,
      { method: "POST", headers: { ...auth, ...JSON_TYPE }, body: JSON.stringify({ [field]: value }) },
      (res, body) => (res.status === 200 && dig(body, "user", field) === value ? undefined : failure),
    );
  const original = user![field]!;
  await setName(`${WRITE} ${field} → 200`, `Smoke${Date.now() % 100000}`, "name not updated");
  await setName(`${WRITE} restore ${field} → 200`, original, "name not restored");
}
