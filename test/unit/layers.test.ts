import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.js";

// The layers of src/ (docs/architecture.md "Layers"): deals/, reflection/ and store/ decide and keep;
// only slack/ renders and posts. store/ sits below deals/. Every import of every file (static, type-only,
// re-exports, side-effect and dynamic import()) is read with the small scanner below, resolved to a path
// under src/, and checked against the rules. (TypeScript 7 has no JS API to parse with.)

const SRC = path.join(PACKAGE_ROOT, "src");

/** [from folder, folder it must not import]. */
const FORBIDDEN: Array<[string, string]> = [
  ["deals", "slack"],
  ["reflection", "slack"],
  ["store", "slack"],
  ["store", "deals"],
  ["store", "reflection"],
];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(full);
    return entry.name.endsWith(".ts") ? [full] : [];
  });
}

/**
 * Module specifiers: `import … from "x"`, `export … from "x"`, `import "x"`, `import("x")`. What lies
 * between the keyword and `from` has no quotes or semicolons in an import clause, so the scan stops at
 * the first string; a comment that reads like an import counts too, which errs on the strict side.
 */
function specifiers(text: string): string[] {
  const found: Array<{ at: number; name: string }> = [];
  const patterns = [
    /\b(?:import|export)\b[^;'"`]*?\bfrom\s*(["'])([^"'\n]+)\1/g,
    /\bimport\s*\(\s*(["'])([^"'\n]+)\1/g,
    /\bimport\s+(["'])([^"'\n]+)\1/g,
  ];
  for (const pattern of patterns)
    for (const m of text.matchAll(pattern)) found.push({ at: m.index, name: m[2] as string });
  return found.sort((a, b) => a.at - b.at).map((f) => f.name);
}

/** The src/-relative paths a file imports (relative specifiers only; packages are not layers). */
function importsOf(file: string, text = readFileSync(file, "utf8")): string[] {
  return specifiers(text)
    .filter((name) => name.startsWith("."))
    .map((name) =>
      path
        .relative(SRC, path.resolve(path.dirname(file), name))
        .split(path.sep)
        .join("/"),
    );
}

/** Folders that must not reach Slack's own packages either: they talk to Slack only through ports. */
const NO_SLACK_PACKAGES = ["deals", "reflection", "store"];

function violations(): string[] {
  const found: string[] = [];
  for (const from of NO_SLACK_PACKAGES) {
    for (const file of filesUnder(path.join(SRC, from))) {
      for (const name of specifiers(readFileSync(file, "utf8")))
        if (name.startsWith("@slack/")) found.push(`${path.relative(SRC, file)} imports ${name}`);
    }
  }
  for (const [from, banned] of FORBIDDEN) {
    for (const file of filesUnder(path.join(SRC, from))) {
      for (const target of importsOf(file)) {
        if (target === banned || target.startsWith(`${banned}/`))
          found.push(`${path.relative(SRC, file)} imports ${target}`);
      }
    }
  }
  return found;
}

describe("layers", () => {
  it("reads every kind of import, so that the rule below cannot pass by missing one", () => {
    const file = path.join(SRC, "deals", "example.ts");
    const text = [
      'import type { A } from "../slack/a.js";',
      'import { b } from "../slack/b.js";',
      'export { c } from "../slack/c.js";',
      'export * from "../slack/d.js";',
      'const e = await import("../slack/e.js");',
      'import "../slack/f.js";',
      'import { g } from "@slack/web-api";',
      'import {\n  h,\n  i,\n} from "./sources/index.js";',
    ].join("\n");
    expect(importsOf(file, text)).toEqual([
      "slack/a.js",
      "slack/b.js",
      "slack/c.js",
      "slack/d.js",
      "slack/e.js",
      "slack/f.js",
      "deals/sources/index.js",
    ]);
  });

  it("finds the folders it checks (a rename would otherwise make it pass on nothing)", () => {
    for (const [from] of FORBIDDEN) expect(filesUnder(path.join(SRC, from)).length).toBeGreaterThan(3);
  });

  it("deals/, reflection/ and store/ import nothing from slack/ or @slack/*; store/ nothing from deals/ or reflection/", () => {
    expect(violations()).toEqual([]);
  });
});
