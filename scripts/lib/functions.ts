// The four functions: the one list that build, local servers, the bench and the tests share.
export const FUNCTION_NAMES = ["protected", "supabase-data", "current-user", "update-user"] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

export const isFunctionName = (name: string): name is FunctionName =>
  (FUNCTION_NAMES as readonly string[]).includes(name);

/** Each function's URL, as `urlOf` places it on a host. */
export function functionUrls(
  urlOf: (fn: FunctionName, index: number) => string,
): Record<FunctionName, string> {
  return Object.fromEntries(FUNCTION_NAMES.map((fn, i) => [fn, urlOf(fn, i)])) as Record<
    FunctionName,
    string
  >;
}
