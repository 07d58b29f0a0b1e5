// The declaration fields only the tooling reads (the OpenAPI document, the smoke CLI, the bench, the build's
// budget) are cut from a function's source before bundling, with every import only they used: a success
// schema, an example or a summary would otherwise ship in every bundle and be evaluated on every cold start.
import { readFile } from "node:fs/promises";
import type { Plugin } from "esbuild";
import ts from "typescript";

/** Read by the tooling only; the boundary (shared/handler.ts) never looks at these. */
export const TOOLING_FIELDS = new Set([
  "summary",
  "description",
  "response",
  "example",
  "invalidExample",
  "upstream",
  "budgetKiB",
  "query",
]);

interface Cut {
  start: number;
  end: number;
}

function declarationObject(file: ts.SourceFile): ts.ObjectLiteralExpression | undefined {
  let found: ts.ObjectLiteralExpression | undefined;
  const visit = (node: ts.Node) => {
    if (
      ts.isCallExpression(node) &&
      ts.isIdentifier(node.expression) &&
      node.expression.text === "defineFunction" &&
      node.arguments[0] &&
      ts.isObjectLiteralExpression(node.arguments[0])
    ) {
      found ??= node.arguments[0];
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

const apply = (text: string, cuts: Cut[]) =>
  [...cuts].sort((a, b) => b.start - a.start).reduce((t, c) => t.slice(0, c.start) + t.slice(c.end), text);

/** The source without the tooling-only properties of its defineFunction({...}) and the imports they alone used. */
export function stripTooling(source: string, fileName = "function.ts"): string {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const object = declarationObject(file);
  if (!object) return source;
  const cuts: Cut[] = [];
  for (const property of object.properties) {
    const name = property.name && ts.isIdentifier(property.name) ? property.name.text : undefined;
    if (!name || !TOOLING_FIELDS.has(name) || !ts.isPropertyAssignment(property)) continue;
    // The property with its leading comments, and its comma.
    const end = source[property.end] === "," ? property.end + 1 : property.end;
    cuts.push({ start: property.getFullStart(), end });
  }
  if (cuts.length === 0) return source;
  const stripped = apply(source, cuts);
  return withoutUnusedImports(stripped, fileName);
}

/** Drops import specifiers no longer referenced, and import declarations left with none. */
function withoutUnusedImports(source: string, fileName: string): string {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const used = new Set<string>();
  const collect = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) return;
    if (ts.isIdentifier(node)) used.add(node.text);
    ts.forEachChild(node, collect);
  };
  collect(file);
  const cuts: Cut[] = [];
  for (const statement of file.statements) {
    if (!ts.isImportDeclaration(statement) || !statement.importClause) continue;
    const clause = statement.importClause;
    const names: string[] = [];
    if (clause.name) names.push(clause.name.text);
    const bindings = clause.namedBindings;
    if (bindings && ts.isNamespaceImport(bindings)) names.push(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) for (const e of bindings.elements) names.push(e.name.text);
    if (names.length > 0 && names.every((n) => !used.has(n))) {
      cuts.push({ start: statement.getFullStart(), end: statement.end });
    } else if (bindings && ts.isNamedImports(bindings)) {
      for (const e of bindings.elements) {
        if (used.has(e.name.text)) continue;
        const end = source[e.end] === "," ? e.end + 1 : e.end;
        cuts.push({ start: e.getFullStart(), end });
      }
    }
  }
  return apply(source, cuts);
}

/** esbuild plugin: functions/*.ts are bundled without their tooling-only fields. */
export function stripToolingPlugin(functionsDir: string): Plugin {
  return {
    name: "strip-tooling",
    setup(build) {
      const filter = new RegExp(`^${functionsDir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/[^/]+\\.ts$`);
      build.onLoad({ filter }, async (args) => ({
        contents: stripTooling(await readFile(args.path, "utf8"), args.path),
        loader: "ts",
      }));
    },
  };
}
