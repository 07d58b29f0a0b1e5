// One smoke row: a request to a function, judged by what came back, timed, never thrown.
export interface Result {
  check: string;
  status: number | null;
  ms: number;
  pass: boolean;
  detail?: string;
}

/** undefined when the answer is right; otherwise what was wrong with it. */
export type Expectation = (res: Response, body: unknown) => string | undefined;
export type Check = (
  name: string,
  fn: string,
  init: RequestInit & { query?: string },
  expect: Expectation,
) => Promise<unknown>;

function parseBody(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return text;
  }
}

/** Runs checks against `url(fn, query)`, recording a row each; resolves to the parsed body. */
export function checker(url: (fn: string, query?: string) => string, results: Result[]): Check {
  return async (name, fn, init, expect) => {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    let res: Response | undefined;
    try {
      res = await fetch(url(fn, init.query), {
        ...init,
        redirect: "manual",
        signal: AbortSignal.timeout(15_000),
      });
      const body = parseBody(await res.text());
      const detail = expect(res, body);
      results.push({ check: name, status: res.status, ms: ms(), pass: !detail, detail });
      return body;
    } catch (err) {
      results.push({
        check: name,
        status: res?.status ?? null,
        ms: ms(),
        pass: false,
        detail: (err as Error).message,
      });
      return undefined;
    }
  };
}

export const status =
  (want: number): Expectation =>
  (res) =>
    res.status === want ? undefined : `expected ${want}`;
