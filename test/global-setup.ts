import { execFileSync } from "node:child_process";
import { PACKAGE_ROOT } from "../src/paths.js";

// Build dist/ with `npm run build` itself (tsc, the parsed library, the CLI bundle) once per run, so the
// tests of the installed bin never run yesterday's build, nor a build that missed a step of the script.
export default function setup(): void {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: PACKAGE_ROOT, stdio: "inherit" });
}
