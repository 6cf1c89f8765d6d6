import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { PACKAGE_ROOT } from "../src/paths.js";

// Child processes for benchmarks: each app under test runs in its own process, so the load generator
// and the fake Slack never share its event loop.

export const PG_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface Target {
  name: string;
  child: ChildProcess;
  port: number;
}

export function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+) kB/);
  return m?.[1] ? Number(m[1]) / 1024 : Number.NaN;
}

export async function launch(name: string, script: string, env: Record<string, string>): Promise<Target> {
  const child = spawn(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, script)], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const port = out.match(/"port":(\d+)/)?.[1];
    if (port) return { name, child, port: Number(port) };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function stopAll(targets: Target[]): Promise<void> {
  await Promise.all(
    targets.map(
      (t) =>
        new Promise<void>((resolve) => {
          if (t.child.exitCode !== null) return resolve();
          t.child.once("exit", () => resolve());
          t.child.kill("SIGTERM");
        }),
    ),
  );
}

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}
