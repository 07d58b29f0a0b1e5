// One cookie, one verdict. @clerk/backend reads the Cookie header with the `cookie` package (1.x), which
// percent-decodes each value (and keeps a value whose escapes are malformed as sent). Everything that reads
// the session cookie before the SDK — the key lookup in JWKS mode, the ambiguity and machine-token checks —
// reads it by the same rule, so an encoded token gets the same answer in every mode and on every host.
import { createClerkRequest } from "@clerk/backend/internal";
import { beforeEach, describe, expect, it } from "vitest";
import { readCookies } from "../shared/auth/request.ts";
import { type Host, sourceHost } from "./support/hosts.ts";
import { forEachMode } from "./support/modes.ts";
import { denoHost, nodeBundleHost } from "./support/process-hosts.ts";

const uat = () => `__client_uat=${Math.floor(Date.now() / 1000) - 60}; __clerk_db_jwt=dvb_local`;
const encodeAll = (text: string) =>
  Array.from(text, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`).join("");

function encodedCookies(host: Host): void {
  forEachMode((_mode, { stack, fns }) => {
    let valid: string;
    beforeEach(async () => {
      valid = await stack().clerk.mintSessionToken({ userId: "user_alice", ttlSeconds: 3600 });
      stack().resetCalls();
    });

    const CASES: [string, number, () => string][] = [
      ["first character percent-encoded", 200, () => `__session=%65${valid.slice(1)}`],
      ["every character percent-encoded", 200, () => `__session=${encodeAll(valid)}`],
      ["between spaces and tabs", 200, () => `__session= \t${valid}\t `],
      [
        "encoded and plain copies of one token (not ambiguous)",
        200,
        () => `__session=%65${valid.slice(1)}; __session=${valid}`,
      ],
      ["a malformed escape (kept as sent, so no token)", 401, () => `__session=${valid}%E0%A4%A`],
      [
        "an encoded copy of another token → ambiguous",
        401,
        () => `__session=${valid}; __session=%65${valid.slice(1, -2)}xx`,
      ],
    ];
    it.each(CASES)("protected, __session %s → %i", async (_name, status, cookie) => {
      const res = await fns().call("protected", { headers: { cookie: `${cookie()}; ${uat()}` } });
      expect(res.status).toBe(status);
    });
  }, host);
}

describe("source", () => encodedCookies(sourceHost));
describe("Netlify bundles on Node", () => encodedCookies(nodeBundleHost));
describe("Supabase bundles under Deno", () => encodedCookies(denoHost));

describe("the cookie reader and @clerk/backend's agree", () => {
  const HEADERS = [
    "__session=abc",
    "__session=%61bc",
    "__session=%zz; a=1",
    "__session=%E0%A4%A; b=%41",
    " __session =  a%20b  ; c=d",
    "__session=\ta\t; x",
    "novalue; __session=v; =empty-name",
    "a=1;;b=2; ;c",
    "__session=first; __session=second",
    '__session="quoted"',
    "__session=a=b=c",
    "__session=\u000bv\u000b",
    "=",
    "a",
    "",
  ];
  it.each(HEADERS)("%j", (header) => {
    const req = new Request("https://app.example/api/protected", { headers: { cookie: header } });
    const sdk = Object.fromEntries(createClerkRequest(req).cookies);
    expect(Object.fromEntries(readCookies(req).values)).toEqual(sdk);
  });
});
