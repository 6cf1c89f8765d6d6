// What `npm run build` was built from, so the test suite can tell whether dist/ is current without
// building it again (README "Development"). The first step of the build removes the stamp and the last
// writes it, so a build that failed or stopped halfway leaves none; a stamp therefore means that this
// exact digest of the build's inputs produced the whole of dist/.
//   node scripts/build-stamp.mjs clear   removes dist/.build-inputs
//   node scripts/build-stamp.mjs write   writes the digest of the inputs as they are now
//   node scripts/build-stamp.mjs check   exits 0 when dist/ was built from the inputs as they are now, 1 if not
// A second argument names another package root (test/unit/build-stamp.test.ts uses a copy of its own).
// The inputs: every file under src/ (the TypeScript and the worker), prompts/ (the built-in library, parsed
// into dist/library-cache.json), scripts/ (the bundler), the TypeScript settings, package.json and
// package-lock.json (the dependencies bundled into dist/cli.js), and the version of Node that built it.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = process.argv[3] ?? new URL("..", import.meta.url).pathname;
const stamp = join(root, "dist", ".build-inputs");
const DIRS = ["src", "prompts", "scripts"];
const FILES = ["tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"];

function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

function digest() {
  const hash = createHash("sha256").update(`node ${process.version}\n`);
  const files = [...DIRS.flatMap((dir) => filesUnder(join(root, dir))), ...FILES.map((f) => join(root, f))];
  for (const file of files.map((f) => relative(root, f)).sort()) {
    hash.update(`${file}\n`);
    hash.update(existsSync(join(root, file)) ? readFileSync(join(root, file)) : "(none)");
    hash.update("\n");
  }
  return hash.digest("hex");
}

const command = process.argv[2];
if (command === "clear") rmSync(stamp, { force: true });
else if (command === "write") writeFileSync(stamp, `${digest()}\n`);
else if (command === "check")
  process.exitCode = existsSync(stamp) && readFileSync(stamp, "utf8").trim() === digest() ? 0 : 1;
else {
  console.error("usage: node scripts/build-stamp.mjs clear|write|check");
  process.exitCode = 2;
}
