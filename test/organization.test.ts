// shared/organization.ts against the Clerk stand-in through the real SDK client: the public projection
// only, and Clerk's 404 and 422 turned into the caller's 403 and 422.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ClerkStandIn, startClerkStandIn } from "../scripts/stand-ins/clerk.ts";
import { clerkClient } from "../shared/auth/index.ts";
import type { Config } from "../shared/config.ts";
import { HttpError } from "../shared/errors.ts";
import { errorResponse, json } from "../shared/http.ts";
import { fetchOrganization, updateOrganization } from "../shared/organization.ts";

let clerk: ClerkStandIn;
let config: Config;
beforeAll(async () => {
  clerk = await startClerkStandIn();
  config = {
    secretKey: clerk.secretKey,
    publishableKey: clerk.publishableKey,
    issuer: clerk.issuer,
    jwtKey: clerk.jwtKeyPem,
    apiUrl: clerk.url,
    authorizedParties: [],
    corsOrigins: [],
    upstreamTimeoutMs: 1500,
  } as unknown as Config;
});
afterAll(() => clerk.close());

const fail = (p: Promise<unknown>) =>
  p.then(
    () => expect.unreachable("resolved"),
    (e: unknown) => e as HttpError,
  );

describe("organization", () => {
  it("fetches the public projection with the members count, never private metadata", async () => {
    const org = await fetchOrganization(clerkClient(config), 1500, "org_acme");
    expect(org).toEqual({
      id: "org_acme",
      name: "Acme Inc",
      slug: "acme",
      imageUrl: expect.any(String),
      hasImage: false,
      membersCount: 2,
      maxAllowedMemberships: 5,
      publicMetadata: { tier: "gold" },
      createdAt: expect.any(Number),
      updatedAt: expect.any(Number),
    });
    const text = await json({ organization: org }).text();
    expect(text).not.toMatch(/private|_raw|acme-private-note/);
    expect(clerk.server.requests.at(-1)).toMatchObject({ method: "GET", path: "/v1/organizations/org_acme" });
  });

  it("an organization Clerk no longer has is 403 organization-not-found, logged with Clerk's 404", async () => {
    clerk.organizations.delete("org_globex");
    const err = await fail(fetchOrganization(clerkClient(config), 1500, "org_globex"));
    expect(err).toBeInstanceOf(HttpError);
    expect(err).toMatchObject({
      status: 403,
      code: "forbidden",
      reason: "organization-not-found",
      upstream: { service: "clerk", status: 404 },
    });
    const body = (await errorResponse(err, "req_12345678").json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(["code", "message", "requestId"]);
  });

  it("renames through PATCH and answers the new name", async () => {
    const org = await updateOrganization(clerkClient(config), 1500, "org_acme", { name: "Acme Holdings" });
    expect(org).toMatchObject({ id: "org_acme", name: "Acme Holdings" });
    expect(org).not.toHaveProperty("privateMetadata");
    expect(clerk.organizations.get("org_acme")?.name).toBe("Acme Holdings");
    expect(clerk.server.requests.at(-1)).toMatchObject({
      method: "PATCH",
      path: "/v1/organizations/org_acme",
    });
  });

  it("a name Clerk refuses (a URL) is 422 validation_failed with Clerk's code", async () => {
    const err = await fail(
      updateOrganization(clerkClient(config), 1500, "org_acme", { name: "go to evil.example" }),
    );
    expect(err).toMatchObject({
      status: 422,
      code: "validation_failed",
      details: { upstreamCode: "form_param_value_invalid" },
    });
    expect(clerk.organizations.get("org_acme")?.name).toBe("Acme Holdings");
  });

  it("a slow Clerk is a 504 within the deadline", async () => {
    clerk.server.fault({ path: "/v1/organizations/org_acme", delayMs: 1000, times: 1 });
    const err = await fail(fetchOrganization(clerkClient(config), 200, "org_acme"));
    clerk.server.clearFaults();
    expect(err).toMatchObject({ status: 504, code: "upstream_timeout" });
  });
});
