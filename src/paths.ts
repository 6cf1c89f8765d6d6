import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package root: the nearest directory above this module with a package.json. Found, not assumed at
 * a fixed depth, because this code runs from src/ (tsx), dist/ (tsc) and dist/chunks/ (the bundled CLI).
 */
function packageRoot(from: string): string {
  for (let dir = from; ; ) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${from}`);
    dir = up;
  }
}

export const PACKAGE_ROOT = packageRoot(dirname(fileURLToPath(import.meta.url)));
export const BUILT_IN_LIBRARY_DIR = join(PACKAGE_ROOT, "prompts");
