// PostgREST's read query syntax (select, order, limit/offset, filters, Accept and Prefer: count) translated
// to one SQL statement. Identifiers are validated then quoted; values are bind parameters.
import { JSON_TYPE, RestError } from "./supabase-errors.ts";

export const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface Query {
  sql: string;
  params: string[];
  offset: number;
  singular: boolean;
  contentType: string;
  count: boolean;
}

const parseError = (message: string, details: string) => new RestError(400, "PGRST100", message, { details });

/** Splits PostgREST's `(a,"b,c")` list syntax. */
function parseList(raw: string): string[] | undefined {
  if (!raw.startsWith("(") || !raw.endsWith(")")) return undefined;
  const inner = raw.slice(1, -1);
  if (inner === "") return [];
  const items: string[] = [];
  let current = "";
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (quoted && ch === "\\") current += inner[++i] ?? "";
    else if (ch === '"') quoted = !quoted;
    else if (ch === "," && !quoted) {
      items.push(current);
      current = "";
    } else current += ch;
  }
  items.push(current);
  return items;
}

const COMPARE: Record<string, string> = { eq: "=", neq: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" };
const IS_VALUES: Record<string, string> = {
  null: "null",
  not_null: "not null",
  true: "true",
  false: "false",
  unknown: "unknown",
};

/** Builds the PostgREST read query. Identifiers are validated then quoted; values are bind params. */
export function buildQuery(table: string, search: URLSearchParams, accept: string, prefer: string): Query {
  const params: string[] = [];
  const param = (value: string) => {
    params.push(value);
    return `$${params.length}`;
  };
  const rel = `"public"."${table}"`;
  const column = (name: string, what: string) => {
    if (!IDENT.test(name))
      throw parseError(`failed to parse ${what}`, `"${name}" is not a plain column name`);
    return `${rel}."${name}"`;
  };

  let columns = `${rel}.*`;
  const where: string[] = [];
  let order = "";
  let limit = "";
  let offset = 0;
  for (const [key, value] of search) {
    if (key === "apikey") continue; // consumed by the gateway
    if (key === "select") {
      const list = value.replace(/\s/g, "");
      if (list !== "*") {
        const names = list.split(",");
        if (!names.every((n) => IDENT.test(n)))
          throw parseError(
            `failed to parse select parameter (${value})`,
            "The stand-in supports only * or a comma-separated list of plain column names",
          );
        columns = names.map((n) => column(n, "select parameter")).join(", ");
      }
    } else if (key === "order") {
      order = ` order by ${value
        .split(",")
        .map((term) => {
          const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\.(asc|desc))?(?:\.(nullsfirst|nullslast))?$/.exec(term);
          if (!m) throw parseError(`failed to parse order (${value})`, `unexpected term "${term}"`);
          const nulls = m[3] ? ` nulls ${m[3].slice(5)}` : "";
          return `${column(m[1], "order")} ${m[2] ?? "asc"}${nulls}`;
        })
        .join(", ")}`;
    } else if (key === "limit" || key === "offset") {
      if (!/^\d+$/.test(value))
        throw parseError(`failed to parse ${key} parameter (${value})`, "expecting digit");
      if (key === "limit") limit = ` limit ${Number(value)}`;
      else offset = Number(value);
    } else if (key === "or" || key === "and" || key === "columns" || key === "on_conflict") {
      throw parseError(
        `failed to parse ${key} parameter (${value})`,
        `"${key}" is not supported by the stand-in`,
      );
    } else {
      where.push(buildFilter(column(key, `filter (${key})`), value, param));
    }
  }

  // Media types PostgREST negotiates for reads; `nulls=stripped` is what supabase-js asks for with stripNulls().
  const wanted = accept.split(",").map((t) => t.replace(/\s/g, "").toLowerCase());
  const media = wanted.find((t) =>
    /^(\*\/\*|application\/\*|application\/json|application\/vnd\.pgrst\.(array|object)\+json(;nulls=stripped)?)$/.test(
      t,
    ),
  );
  if (!media) throw new RestError(406, "PGRST107", `None of these media types are available: ${accept}`);
  const singular = media.startsWith("application/vnd.pgrst.object");
  const stripped = media.endsWith("nulls=stripped");
  const row = stripped ? "json_strip_nulls(to_json(_postgrest_t))" : "_postgrest_t";
  const body = singular ? `(json_agg(${row})->0)::text` : `coalesce(json_agg(${row}), '[]')::text`;
  const contentType = media.startsWith("application/vnd") ? `${media}; charset=utf-8` : JSON_TYPE;

  const filter = where.length ? ` where ${where.join(" and ")}` : "";
  const count = /count=(exact|planned|estimated)/.test(prefer);
  const total = count ? `, (select count(*) from ${rel}${filter}) as total` : "";
  const sql =
    `select ${body} as body, count(_postgrest_t) as page_total${total} from ` +
    `(select ${columns} from ${rel}${filter}${order}${limit}${offset ? ` offset ${offset}` : ""}) _postgrest_t`;
  return { sql, params, offset, singular, contentType, count };
}

function buildFilter(col: string, raw: string, param: (v: string) => string): string {
  const m = /^(not\.)?(eq|neq|gt|gte|lt|lte|like|ilike|is|in)\.(.*)$/s.exec(raw);
  if (!m)
    throw parseError(
      `failed to parse filter (${raw})`,
      'expecting "not" or an operator (eq, neq, gt, gte, lt, lte, like, ilike, is, in)',
    );
  const [, not, op, value] = m;
  let cond: string;
  if (op === "is") {
    const is = IS_VALUES[value.toLowerCase()];
    if (!is)
      throw parseError(
        `failed to parse filter (${raw})`,
        "is. expects null, not_null, true, false or unknown",
      );
    cond = `${col} is ${is}`;
  } else if (op === "in") {
    const items = parseList(value);
    if (!items) throw parseError(`failed to parse filter (${raw})`, "in. expects a list like (a,b)");
    cond = items.length ? `${col} in (${items.map(param).join(", ")})` : "false";
  } else if (op === "like" || op === "ilike") {
    cond = `${col} ${op} ${param(value.replaceAll("*", "%"))}`;
  } else {
    cond = `${col} ${COMPARE[op]} ${param(value)}`;
  }
  return not ? `not (${cond})` : cond;
}
