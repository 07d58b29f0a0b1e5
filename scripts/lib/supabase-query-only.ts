// supabase-js's createClient(url, key, { accessToken }) builds a Realtime client and a Storage client in
// its constructor and imports Auth, Realtime (with Phoenix), Storage and Functions at module load: in the
// supabase-data bundle about half the bytes and of the import time, though the function only runs a
// PostgREST query. This plugin gives the bundle stand-ins for those four packages that keep the client's
// constructor working (the Realtime client is built and given the token, as before) and throw with a
// clear message if a function ever reaches for `supabase.auth`, `.channel()`, `.storage` or `.functions`:
// such a function should drop this plugin from its bundle (scripts/build.ts) rather than work around it.
import type { Plugin } from "esbuild";

const unavailable = (what: string) =>
  `function unavailable() { throw new Error("@supabase/${what} is left out of this bundle (scripts/lib/supabase-query-only.ts)"); }`;

const STUBS: Record<string, string> = {
  "@supabase/auth-js": `${unavailable("auth-js")}
export class AuthClient { constructor() { unavailable(); } }`,
  "@supabase/realtime-js": `${unavailable("realtime-js")}
export class RealtimeClient {
  setAuth() { return Promise.resolve(); }
  channel() { unavailable(); }
  getChannels() { return []; }
  removeChannel() { unavailable(); }
  removeAllChannels() { return Promise.resolve([]); }
}`,
  "@supabase/storage-js": `${unavailable("storage-js")}
export class StorageApiError extends Error {}
export class StorageClient { from() { unavailable(); } }`,
  "@supabase/functions-js": `${unavailable("functions-js")}
export const FunctionRegion = {};
export class FunctionsError extends Error {}
export class FunctionsFetchError extends FunctionsError {}
export class FunctionsHttpError extends FunctionsError {}
export class FunctionsRelayError extends FunctionsError {}
export class FunctionsClient { invoke() { unavailable(); } }`,
};

export const supabaseQueryOnlyPlugin: Plugin = {
  name: "supabase-query-only",
  setup(build) {
    const filter = new RegExp(`^(${Object.keys(STUBS).join("|").replaceAll("/", "\\/")})$`);
    build.onResolve({ filter }, (args) => ({ path: args.path, namespace: "supabase-query-only" }));
    build.onLoad({ filter: /.*/, namespace: "supabase-query-only" }, (args) => ({
      contents: STUBS[args.path]!,
      loader: "js",
    }));
  },
};
