import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// src/paths.ts and dist/paths.js both sit one level below the package root.
export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BUILT_IN_LIBRARY_DIR = join(PACKAGE_ROOT, "prompts");
