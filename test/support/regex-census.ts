import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
// The TypeScript parser that ships with vitest's bundler (rolldown, an oxc parser): it sees regex
// literals and `new RegExp(...)` calls exactly as the compiler does, where a text search would not.
import { parseAst } from "rolldown/parseAst";

/** A regex literal, or a place where a RegExp is built at run time, in a source file. */
export interface RegexSite {
  file: string;
  line: number;
  /** The literal's pattern; undefined for a `new RegExp(...)` call, whose pattern exists only at run time. */
  source?: string;
  flags?: string;
}

interface AstNode {
  type?: string;
  start?: number;
  regex?: { pattern: string; flags: string };
  callee?: { type?: string; name?: string };
  [key: string]: unknown;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** Every regex literal and every `new RegExp(...)` / `RegExp(...)` call in the .ts files under `dir`. */
export function regexSites(root: string, dir: string): RegexSite[] {
  const sites: RegexSite[] = [];
  for (const path of sourceFiles(join(root, dir))) {
    const code = readFileSync(path, "utf8");
    const file = relative(root, path);
    const lineOf = (offset: number) => code.slice(0, offset).split("\n").length;
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const child of node) visit(child);
        return;
      }
      if (node === null || typeof node !== "object") return;
      const n = node as AstNode;
      if (n.type === "Literal" && n.regex) {
        sites.push({ file, line: lineOf(n.start ?? 0), source: n.regex.pattern, flags: n.regex.flags });
      }
      if (
        (n.type === "NewExpression" || n.type === "CallExpression") &&
        n.callee?.type === "Identifier" &&
        n.callee.name === "RegExp"
      ) {
        sites.push({ file, line: lineOf(n.start ?? 0) });
      }
      for (const [key, child] of Object.entries(n)) if (key !== "parent") visit(child);
    };
    visit(parseAst(code, { lang: "ts" }, path));
  }
  return sites;
}

/**
 * The top-level alternatives of a pattern ("a|b(c|d)" -> "a", "b(c|d)"). Searching for `a|b` costs
 * what searching for `a` and for `b` cost, so each is checked alone: a ReDoS checker is much faster on
 * the parts than on a 40-way alternation, and a super-linear part shows up all the same.
 */
export function topLevelAlternatives(source: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") {
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
    } else if (c === "[") inClass = true;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "|" && depth === 0) {
      parts.push(source.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(source.slice(start));
  return parts;
}
