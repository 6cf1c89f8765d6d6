import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { PACKAGE_ROOT } from "../../src/paths.js";

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const DIST_CLI = join(PACKAGE_ROOT, "dist", "cli.js");
export const distBuilt = () => existsSync(DIST_CLI);

/** Runs the real CLI in a child process: from source through tsx, or the built bin with `dist: true`. */
export function runCli(
  args: string[],
  options: { stdin?: string; env?: Record<string, string | undefined>; dist?: boolean } = {},
): Promise<CliRun> {
  const argv = options.dist
    ? [DIST_CLI, ...args]
    : ["--import", "tsx", join(PACKAGE_ROOT, "src", "cli.ts"), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

export const jsonLines = (out: string) =>
  out
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
