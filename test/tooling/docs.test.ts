// The docs as a reader meets them: a short README, every page reachable from it by links that resolve,
// and the generated parts (the variable table, the benchmark results) in place and up to date.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BENCH_MARKERS, BENCHMARK_DOC } from "../../scripts/bench/doc.ts";
import { configurationDoc, renderVariableTable } from "../../scripts/docs.ts";
import { ROOT } from "../../scripts/lib/paths.ts";
import { VARIABLES } from "../../shared/config.ts";

const DOCS = join(ROOT, "docs");
const pages = [
  join(ROOT, "README.md"),
  join(ROOT, "CONTRIBUTING.md"),
  ...readdirSync(DOCS)
    .filter((f) => f.endsWith(".md"))
    .map((f) => join(DOCS, f)),
];

/** Relative link targets of a Markdown file (no URLs, no in-page anchors), as absolute paths. */
function localLinks(file: string): { target: string; anchor: string | undefined }[] {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  const links = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
  return links
    .filter((href) => !/^[a-z]+:/i.test(href) && !href.startsWith("#"))
    .map((href) => {
      const [path, anchor] = href.split("#") as [string, string | undefined];
      return { target: resolve(dirname(file), path), anchor };
    });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set(
    [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]!
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, "")
        .replace(/ /g, "-"),
    ),
  );
}

describe("README and docs", () => {
  it("README.md is a front page: at most ~150 lines", () => {
    const lines = readFileSync(join(ROOT, "README.md"), "utf8").trimEnd().split("\n").length;
    expect(lines).toBeLessThanOrEqual(155);
  });

  it("every relative link resolves to a file, and every #anchor into a Markdown file to a heading", () => {
    const broken: string[] = [];
    for (const page of pages) {
      for (const { target, anchor } of localLinks(page)) {
        const where = `${relative(ROOT, page)} → ${relative(ROOT, target)}${anchor ? `#${anchor}` : ""}`;
        if (!existsSync(target)) broken.push(where);
        else if (anchor && target.endsWith(".md") && !anchorsOf(target).has(anchor)) broken.push(where);
      }
    }
    expect(broken).toEqual([]);
  });

  it("every page in docs/ and CONTRIBUTING.md is reachable by links from README.md", () => {
    const seen = new Set<string>([join(ROOT, "README.md")]);
    const queue = [join(ROOT, "README.md")];
    while (queue.length > 0) {
      for (const { target } of localLinks(queue.shift()!)) {
        if (target.endsWith(".md") && existsSync(target) && !seen.has(target)) {
          seen.add(target);
          queue.push(target);
        }
      }
    }
    const unreachable = pages.filter((p) => !seen.has(p)).map((p) => relative(ROOT, p));
    expect(unreachable).toEqual([]);
  });
});

describe("generated sections", () => {
  it("docs/configuration.md's variable table is what `npm run docs` writes", async () => {
    const { current, generated } = await configurationDoc();
    expect(current, "run `npm run docs`").toBe(generated);
  });

  it("the table has one row per variable, with its default", () => {
    const table = renderVariableTable();
    for (const [name, variable] of Object.entries(VARIABLES)) {
      const row = table.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      if ("default" in variable) expect(row).toContain(`\`${variable.default}\``);
    }
  });

  it("docs/benchmark.md holds one generated results section", () => {
    const doc = readFileSync(BENCHMARK_DOC, "utf8");
    expect(doc.split(BENCH_MARKERS.start)).toHaveLength(2);
    expect(doc.indexOf(BENCH_MARKERS.end)).toBeGreaterThan(doc.indexOf(BENCH_MARKERS.start));
    expect(doc).toContain(BENCH_MARKERS.note);
  });
});
