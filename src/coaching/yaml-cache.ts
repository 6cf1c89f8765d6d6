import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

// Parsing the library's YAML took about 200 ms of every process start (the CLI, the app, each weekly
// sender); JSON.parse of the same documents takes about 2 ms. `npm run build` writes the parsed built-in
// files to dist/library-cache.json, keyed by a hash of each file's text, so a file edited since the build
// (or a team's own COACH_LIBRARY_DIR) simply misses and is parsed as YAML. Values are JSON text, parsed
// per use, so no two loads share an object.

export type ParsedCache = ReadonlyMap<string, string>;

export function contentKey(text: string): string {
  return createHash("sha256").update(text).digest("base64url");
}

/** The cache written at build time; empty when there is none or it cannot be read. */
export function readParsedCache(path: string): ParsedCache {
  if (!existsSync(path)) return new Map();
  try {
    const entries = JSON.parse(readFileSync(path, "utf8")) as Record<string, string>;
    return new Map(Object.entries(entries));
  } catch {
    return new Map();
  }
}

/** The YAML document in `text`, from the cache when it holds this exact text. */
export function parseYamlCached(text: string, cache: ParsedCache): unknown {
  const hit = cache.get(contentKey(text));
  return hit === undefined ? parseYaml(text) : JSON.parse(hit);
}

/** Cache entries for the given files' texts (for the build). */
export function buildParsedCache(texts: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const text of texts) out[contentKey(text)] = JSON.stringify(parseYaml(text));
  return out;
}
