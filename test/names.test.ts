// update-user's names: text a person could type, counted as Clerk counts it (UTF-16 code units, like
// the Clerk stand-in), each problem named in its issue, refused before any Backend API call.
import { beforeEach, describe, expect, it } from "vitest";
import { Name } from "../shared/name.ts";
import { useFunctions } from "./support/fixture.ts";
import { type Host, sourceHost } from "./support/hosts.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";

const ALICE = "user_alice";

/** [case, raw JSON string literal for firstName (escapes allowed), expected issue message]. */
const REFUSED: [string, string, RegExp][] = [
  ["NUL", String.raw`"Al\u0000ice"`, /control character/],
  ["a TAB", String.raw`"Al\tice"`, /control character/],
  ["CR/LF (log forging)", String.raw`"Alice\r\n{\"level\":\"error\"}"`, /control character/],
  ["an ANSI escape", String.raw`"\u001b[31mAlice"`, /control character/],
  ["DEL", String.raw`"Alice\u007f"`, /control character/],
  ["a C1 control (U+0085)", String.raw`"Ali\u0085ce"`, /control character/],
  ["U+202E right-to-left override", String.raw`"Alice\u202Egnp.exe"`, /bidirectional/],
  ["U+2066 left-to-right isolate", String.raw`"\u2066Alice"`, /bidirectional/],
  ["a lone high surrogate", String.raw`"Alice\ud800"`, /unpaired surrogate/],
  ["a lone low surrogate", String.raw`"\udc00Alice"`, /unpaired surrogate/],
  ["only zero-width spaces", String.raw`"\u200b\u200b\u200b"`, /invisible/],
  ["only joiners, word joiner and BOM", String.raw`"\u200c\u200d\u2060\ufeff\u200d"`, /invisible/],
  ["zero-width spaces around a space", String.raw`"\u200b \u200b"`, /invisible/],
  ["only spaces", `"   "`, /must not be empty/],
  ["257 ASCII characters", JSON.stringify("a".repeat(257)), /too long/],
  // 129 emoji are 129 code points but 258 UTF-16 code units, which is what Clerk counts.
  ["129 emoji (258 UTF-16 code units)", JSON.stringify("😀".repeat(129)), /too long/],
  ["a number", "42", /must be a string/],
];

/** [case, firstName sent, firstName Clerk must store]. */
const ACCEPTED: [string, string, string][] = [
  ["trimmed", "  Ada  ", "Ada"],
  ["NFC-normalised (e + U+0308 → ë)", "Zoe\u0308", "Zoë"],
  ["256 characters exactly", "a".repeat(256), "a".repeat(256)],
  ["128 emoji (256 UTF-16 code units)", "😀".repeat(128), "😀".repeat(128)],
  ["a decomposed 256-unit name that NFC makes shorter", "e\u0301".repeat(200), "é".repeat(200)],
  ["a joiner inside an emoji sequence", "👩\u200d👩\u200d👧 family", "👩\u200d👩\u200d👧 family"],
  ["a zero-width non-joiner inside Persian text", "می\u200cخواهم", "می\u200cخواهم"],
  ["Arabic script", "محمد", "محمد"],
  ["apostrophes and hyphens", "O'Brien-Smith", "O'Brien-Smith"],
];

function names(host: Host): void {
  const session = useFunctions({ host, mode: "networkless" });
  beforeEach(() => {
    session.stack.resetCalls();
    session.stack.clerk.users.get(ALICE)!.first_name = "Alice";
  });

  const post = (body: string) =>
    session.fns.call("update-user", {
      headers: { authorization: `Bearer ${session.token}`, "content-type": "application/json" },
      body,
    });

  it.each(REFUSED)("firstName with %s → 422 naming the problem, no Clerk call", async (_n, literal, msg) => {
    const res = await post(`{"firstName":${literal}}`);
    expect(res.status).toBe(422);
    const body = (await res.json()) as {
      error: { code: string; issues: { path: string[]; message: string }[] };
    };
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.issues.length).toBeGreaterThan(0);
    for (const issue of body.error.issues) {
      expect(issue.path).toEqual(["firstName"]);
      expect(issue.message).not.toMatch(/^Invalid input/);
    }
    expect(body.error.issues.map((i) => i.message).join("; ")).toMatch(msg);
    expect(session.stack.clerkCalls()).toEqual([]);
    expect(session.stack.clerk.users.get(ALICE)!.first_name).toBe("Alice");
  });

  it("a form body with a CR/LF in lastName → 422 contains a control character", async () => {
    const res = await session.fns.call("update-user", {
      headers: {
        authorization: `Bearer ${session.token}`,
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "lastName=Smith%0D%0AInjected",
    });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { issues: { path: string[]; message: string }[] } };
    expect(body.error.issues).toEqual([{ path: ["lastName"], message: "contains a control character" }]);
    expect(session.stack.clerkCalls()).toEqual([]);
  });

  it.each(ACCEPTED)("firstName %s → 200, Clerk stores it", async (_n, sent, stored) => {
    const res = await post(JSON.stringify({ firstName: sent }));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { user: { firstName: string } }).user.firstName).toBe(stored);
    expect(session.stack.clerk.users.get(ALICE)!.first_name).toBe(stored);
  });
}

describe("source", () => names(sourceHost));
describe("Netlify bundles on Node", () => names(nodeBundleHost));
describe("Supabase bundles under Deno", () => names(denoHost));

describe("names a person can type: blank-looking names", () => {
  // Default-ignorable code points render as nothing; a name made only of them looks blank.
  it.each([
    ["soft hyphen + combining grapheme joiner", "\u00AD\u034F"],
    ["Hangul filler", "\u3164"],
    ["Arabic letter mark + left-to-right mark", "\u061C\u200E"],
    ["variation selector", "\uFE0F"],
    ["tag characters", "\u{E0041}\u{E0042}"],
  ])("%s is refused", (_label, name) => {
    expect(Name.safeParse(name).success).toBe(false);
  });
});
