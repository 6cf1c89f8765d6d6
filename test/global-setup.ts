import { execFileSync } from "node:child_process";
import { PACKAGE_ROOT } from "../src/paths.js";

// Makes sure dist/ is `npm run build`'s own output (tsc, the parsed library, the CLI bundle) for the
// sources as they are, so the tests of the installed bin never run yesterday's build, nor a build that
// missed a step of the script. The build stamps dist/ with a digest of its inputs (scripts/build-stamp.mjs);
// when the stamp matches, as after `npm ci` (which builds) or the previous pass, the build is not run again:
// it cost each CI pass 5 s before any test could start. Both test projects (vitest.config.ts) name this
// setup, so that either alone builds; vitest runs each project's setup in its own main process, where this
// mark makes the second one a no-op.
const BUILT = Symbol.for("deal-coach.test.built");

export default function setup(): void {
  const marks = globalThis as { [BUILT]?: true };
  if (marks[BUILT]) return;
  marks[BUILT] = true;
  if (builtFromTheseSources()) return;
  execFileSync("npm", ["run", "--silent", "build"], { cwd: PACKAGE_ROOT, stdio: "inherit" });
}

function builtFromTheseSources(): boolean {
  try {
    execFileSync(process.execPath, ["scripts/build-stamp.mjs", "check"], {
      cwd: PACKAGE_ROOT,
      stdio: "ignore",
    });
    return true;
  } catch {
    return false;
  }
}
