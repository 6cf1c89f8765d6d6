import { execFileSync } from "node:child_process";
import { PACKAGE_ROOT } from "../src/paths.js";

// Build dist/ (as `npm run build` does) once per run so the test of the installed bin never runs
// yesterday's build.
export default function setup(): void {
  execFileSync(
    process.execPath,
    [`${PACKAGE_ROOT}/node_modules/typescript/bin/tsc`, "-p", "tsconfig.build.json"],
    {
      cwd: PACKAGE_ROOT,
      stdio: "inherit",
    },
  );
  // The rest of `npm run build`: the built-in library's parsed YAML (src/coaching/yaml-cache.ts), then
  // the CLI bundle (scripts/bundle-cli.mjs).
  for (const script of ["dist/build-library-cache.js", "scripts/bundle-cli.mjs"])
    execFileSync(process.execPath, [`${PACKAGE_ROOT}/${script}`], { cwd: PACKAGE_ROOT, stdio: "inherit" });
}
