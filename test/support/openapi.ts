// Every response a test sees, held to the generated OpenAPI document: the status must be documented for
// that path and method, required headers present, and a JSON body must match the documented schema.
// A method the document does not list must be answered 405 with the error envelope.
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import { loadOpenApiDocument } from "../../scripts/openapi.ts";
import type { FunctionName } from "./hosts.ts";

type Json = Record<string, unknown>;
const DOC_ID = "openapi.json";
const doc = (await loadOpenApiDocument()) as {
  paths: Record<string, Record<string, Json>>;
  components: Json;
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addSchema(doc, DOC_ID);
const validators = new Map<string, ValidateFunction>();

/** A validator for the schema at a JSON pointer inside the document (refs resolve against it). */
function validatorAt(pointer: string): ValidateFunction {
  let v = validators.get(pointer);
  if (!v) {
    v = ajv.compile({ $ref: `${DOC_ID}#${pointer}` });
    validators.set(pointer, v);
  }
  return v;
}

const pointerEscape = (s: string) => s.replaceAll("~", "~0").replaceAll("/", "~1");

function resolveRef<T>(value: T): T {
  const $ref = (value as { $ref?: string }).$ref;
  if (!$ref) return value;
  let node: unknown = doc;
  for (const part of $ref.slice(2).split("/"))
    node = (node as Json)[part.replaceAll("~1", "/").replaceAll("~0", "~")];
  return node as T;
}

async function checkBody(res: Response, pointer: string | undefined, where: string): Promise<void> {
  const text = await res.clone().text();
  const isJson = /^application\/json\b/.test(res.headers.get("content-type") ?? "");
  if (!pointer) {
    if (text !== "")
      throw new Error(`${where}: the document gives no body, got ${JSON.stringify(text.slice(0, 200))}`);
    return;
  }
  if (!isJson)
    throw new Error(`${where}: the document gives a JSON body, got ${res.headers.get("content-type")}`);
  const validate = validatorAt(pointer);
  if (!validate(JSON.parse(text))) {
    throw new Error(
      `${where}: body does not match the document: ${ajv.errorsText(validate.errors)}\n${text.slice(0, 500)}`,
    );
  }
}

/** Throws when `res` is not what the document says `method /api/<fn>` answers; returns it otherwise. */
export async function expectDocumented(fn: FunctionName, method: string, res: Response): Promise<Response> {
  const path = `/api/${fn}`;
  const where = `${method} ${path} → ${res.status}`;
  const item = doc.paths[path];
  if (!item) throw new Error(`${path} is not in the document`);
  const op = item[method.toLowerCase()] as { responses: Record<string, Json> } | undefined;
  if (!op) {
    if (res.status !== 405)
      throw new Error(`${where}: a method the document does not list must be answered 405`);
    await checkBody(res, "/components/schemas/ErrorEnvelope", where);
    return res;
  }
  const documented = op.responses[String(res.status)];
  if (!documented) {
    throw new Error(`${where}: status not documented (documented: ${Object.keys(op.responses).join(", ")})`);
  }
  for (const [name, h] of Object.entries((documented.headers ?? {}) as Record<string, Json>)) {
    if (resolveRef(h).required && !res.headers.has(name)) throw new Error(`${where}: missing header ${name}`);
  }
  // HEAD answers carry no body on the wire, whatever an in-process Response holds.
  if (method === "HEAD") return res;
  const hasJson = (documented.content as Json | undefined)?.["application/json"] !== undefined;
  const pointer = hasJson
    ? `/paths/${pointerEscape(path)}/${method.toLowerCase()}/responses/${res.status}/content/${pointerEscape("application/json")}/schema`
    : undefined;
  await checkBody(res, pointer, where);
  return res;
}
