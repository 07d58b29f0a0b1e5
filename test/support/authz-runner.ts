// Runs the authorization table (test/authorization-table.ts) on hosts, in JWKS and networkless mode, through
// functions that declare each case's requirement (test/support/authz-probes.ts): each case must get 200 as
// the caller it is, or 403 with the body a client acts on (Clerk's clerk_error for reverification), log
// its reason, and cost no Backend API call beyond verifying a machine token. Where an isolate lives on
// (every host but netlify dev's Node functions) each token is sent twice, the second answer coming from
// the token cache. The verdicts themselves are held to @clerk/backend's has() by test/authorization.test.ts.
import { expect, it } from "vitest";
import type { AuthzCase } from "../authorization-table.ts";
import type { Probes } from "./authz-probes.ts";
import type { Host } from "./hosts.ts";
import { forEachMode } from "./modes.ts";
import { logFor, requestId } from "./probe.ts";

/** The Backend API calls verifying a machine token; a person's token costs none (its JWT is verified). */
const MACHINE_VERIFICATION = /^POST \/(api_keys|m2m_tokens|oauth_applications\/access_tokens)\/verify$/;

const REFUSED = { code: "forbidden", message: "You are not allowed to use this endpoint." };

/** The body of a refusal as the client gets it (the request id aside). */
function refusalBody(c: AuthzCase): Record<string, unknown> {
  if (c.expect !== "reverification-required") return { error: REFUSED };
  return {
    clerk_error: {
      type: "forbidden",
      reason: "reverification-error",
      metadata: { reverification: c.requires.reverification },
    },
    error: { code: "reverification_required", message: "Verify your identity again to continue." },
  };
}

const withoutRequestId = (body: { error?: { requestId?: unknown } }) => {
  if (body.error) delete body.error.requestId;
  return body;
};

export function authorizationTableSuite(probes: Probes, hosts: Host[]): void {
  forEachMode((_mode, ctx, host) => {
    // A second request only tells something where the isolate (and its token cache) outlives the first.
    const attempts = host.isolatePerRequest ? ["first"] : ["first", "again"];
    it.each(probes.cases.map((c) => [`[${c.id}] ${c.name} → ${c.expect}`, c] as const))(
      "%s",
      async (_title, c) => {
        const stack = ctx.stack();
        const fns = ctx.fns();
        const token = await c.token(stack.clerk);
        const probe = probes.probeFor(c);
        stack.resetCalls();
        for (const attempt of attempts) {
          const id = requestId(`authz-${c.id}-${attempt}`);
          const res = await fns.call(probe, {
            headers: { authorization: `Bearer ${token}`, "x-request-id": id },
          });
          const body = await res.json();
          const line = await logFor(fns, id);
          if (c.expect === "ok") {
            expect(res.status, attempt).toBe(200);
            expect(line).toMatchObject({ status: 200, tokenType: body.tokenType });
            // The log line names the organization the caller acted for, as the function saw it.
            expect(line?.orgId ?? null).toBe(body.orgId);
          } else {
            expect(res.status, attempt).toBe(403);
            expect(body.error?.requestId).toBe(id);
            expect(withoutRequestId(body)).toEqual(refusalBody(c));
            expect(line).toMatchObject({ status: 403, reason: c.expect });
          }
        }
        const calls = stack.clerkCalls();
        expect(calls.filter((call) => !MACHINE_VERIFICATION.test(call))).toEqual([]);
        if (!c.id.startsWith("m")) expect(calls).toEqual([]);
      },
    );
  }, hosts);
}
