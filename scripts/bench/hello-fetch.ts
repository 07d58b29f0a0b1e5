// hello-world that makes one upstream call on its first request, as most functions do (to Clerk's or
// Supabase's API): the cold-start report shows its Δ against hello-world as the share of a function's
// cold start that is the runtime's own first outbound fetch (Node loads and sets up undici's client,
// llhttp and a socket then; Deno its HTTP client), which no bundle can avoid. Not a baseline for the goal.

import { readEnv as env } from "../../shared/env.ts";
import hello from "./hello.ts";

let fetched = false;

export default async function helloFetch(req: Request): Promise<Response> {
  if (!fetched) {
    fetched = true;
    // The stand-in's JWKS: a small JSON answer, as a function's Backend API call gets.
    const res = await fetch(`${env("CLERK_API_URL")}/v1/jwks`, {
      headers: { authorization: `Bearer ${env("CLERK_SECRET_KEY")}` },
    });
    await res.arrayBuffer();
  }
  return hello(req);
}
