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

/** The benchmarks' key for reflections and CRM notes at rest: PostgreSQL needs one (docs/encryption.md). */
export const BENCH_KEY_HEX = "5e".repeat(32);

export async function launch(name: string, script: string, env: Record<string, string>): Promise<Target> {
  // Built JavaScript runs under plain node, as users run it (`npm start` is `node dist/main.js`); only a
  // TypeScript script goes through tsx.
  const loader = script.endsWith(".ts") ? ["--import", "tsx"] : [];
  const child = spawn(process.execPath, [...loader, join(PACKAGE_ROOT, script)], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, TOKEN_ENCRYPTION_KEY: BENCH_KEY_HEX, ...env },
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

/** A database of its own on the local PostgreSQL for one benchmark run, or undefined when none answers. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  if (!(await postgresReachable())) return undefined;
  const name = `deal_coach_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: PG_URL.replace(/\/[^/]*$/, `/${name}`),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/**
 * Migrates the store a benchmark's app will open (DATABASE_URL, else DATA_DIR) and opts `reps` reps of
 * `teamId` in to the weekly reflection, all due at `due`, so the app's weekly poller has work.
 */
export async function seedWeekly(
  env: { DATABASE_URL: string; DATA_DIR?: string },
  teamId: string,
  reps: number,
  due: Date,
): Promise<void> {
  const { openStore } = await import("../src/store/open.js");
  const store = await openStore({
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.DATA_DIR,
    encryptionKey: Buffer.from(BENCH_KEY_HEX, "hex"),
  });
  await store.close();
  const settings = JSON.stringify({
    weekly: { enabled: true, day: 5, time: "15:00" },
    nudges: true,
    quietHours: null,
  });
  const statements: Array<[string, unknown[]]> = [
    [
      `INSERT INTO users (team_id, user_id, tz, settings, created_at, updated_at)
       SELECT $1, 'UW' || i, 'Europe/London', $2::jsonb, now(), now() FROM generate_series(1, ${reps}) i`,
      [teamId, settings],
    ],
    [
      `INSERT INTO weekly_schedules (team_id, user_id, enabled, next_run_at, updated_at)
       SELECT $1, 'UW' || i, true, $2, now() FROM generate_series(1, ${reps}) i`,
      [teamId, due],
    ],
  ];
  if (env.DATABASE_URL) {
    const db = new pg.Client({ connectionString: env.DATABASE_URL });
    await db.connect();
    for (const [sql, params] of statements) await db.query(sql, params);
    await db.end();
  } else {
    const { PGlite } = await import("@electric-sql/pglite");
    const db = await PGlite.create(env.DATA_DIR ?? "./data");
    for (const [sql, params] of statements) await db.query(sql, params);
    await db.close();
  }
}

export interface FakeSlackProcess {
  apiUrl: string;
  /** A fresh response_url on the fake. */
  responseUrl: () => string;
  counts: () => Promise<{ posts: number; responses: number }>;
  close: () => Promise<void>;
}

/** The fake Slack in its own process (bench/fake-slack-proc.ts). */
export async function startFakeSlack(): Promise<FakeSlackProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "bench/fake-slack-proc.ts")], {
    cwd: PACKAGE_ROOT,
    stdio: ["ignore", "pipe", "inherit", "ipc"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  const deadline = Date.now() + 60_000;
  let started: { apiUrl: string; responseUrl: string } | undefined;
  while (!started) {
    const line = out.split("\n").find((l) => l.startsWith("{"));
    if (line) started = JSON.parse(line);
    else if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`fake Slack did not start:\n${out}`);
    else await new Promise((r) => setTimeout(r, 50));
  }
  const base = started.responseUrl;
  let seq = 0;
  return {
    apiUrl: started.apiUrl,
    responseUrl: () => `${base}b${++seq}`,
    counts: () =>
      new Promise((resolve) => {
        child.once("message", (m) => resolve(m as { posts: number; responses: number }));
        child.send("counts");
      }),
    close: () => stopAll([{ name: "fake Slack", child, port: 0 }]),
  };
}
