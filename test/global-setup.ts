import { execFileSync } from "node:child_process";
import { PACKAGE_ROOT } from "../src/paths.js";

// Build dist/ with `npm run build` itself (tsc, the parsed library, the CLI bundle) once per run, so the
// tests of the installed bin never run yesterday's build, nor a build that missed a step of the script.
// Both test projects (vitest.config.ts) name this setup, so that either alone builds; vitest runs each
// project's setup in its own main process, where this mark makes the second one a no-op.
const BUILT = Symbol.for("deal-coach.test.built");

export default function setup(): void {
  const marks = globalThis as { [BUILT]?: true };
  if (marks[BUILT]) return;
  marks[BUILT] = true;
  execFileSync("npm", ["run", "--silent", "build"], { cwd: PACKAGE_ROOT, stdio: "inherit" });
}
