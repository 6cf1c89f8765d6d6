import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LIBRARY_CACHE_FILE } from "./coaching/library.js";
import { buildParsedCache } from "./coaching/yaml-cache.js";
import { BUILT_IN_LIBRARY_DIR } from "./paths.js";

// Run by `npm run build`: parses the built-in library's YAML once, so that starting a process does not
// (see src/coaching/yaml-cache.ts).

const themes = join(BUILT_IN_LIBRARY_DIR, "themes");
const files = [
  ...readdirSync(themes)
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => join(themes, name)),
  join(BUILT_IN_LIBRARY_DIR, "reflections.yml"),
  join(BUILT_IN_LIBRARY_DIR, "person.yml"),
];
const cache = buildParsedCache(files.map((file) => readFileSync(file, "utf8")));
writeFileSync(LIBRARY_CACHE_FILE, JSON.stringify(cache));
