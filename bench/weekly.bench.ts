import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { PACKAGE_ROOT } from "../src/paths.js";
import { encrypt } from "../src/slack/installation-store.js";
import { openStore } from "../src/store/open.js";
import { FakeSlack } from "../test/support/fake-slack.js";
import { PG_URL, postgresReachable } from "./proc.js";
import { fmt } from "./stats.js";

// 10,000 opted-in reps in 10 workspaces, all due in the same minute, against a fake Slack that allows 50
// chat.postMessage a second per workspace (429 + Retry-After above that), sent by two
// `deal-coach weekly send` processes on PostgreSQL at WEEKLY_RATE_PER_SEC=50; one is killed (SIGKILL)
// mid-run. Measures the total time against the rate-limit floor, duplicates and missed prompts.
// Options: BENCH_WEEKLY_SENDERS=1 (one sender, none killed), BENCH_WEEKLY_KILL_MS (default 5000),
// BENCH_WEEKLY_USERS, BENCH_LOG_LEVEL (the senders' log level, printed), BENCH_NODE_ARGS (extra node
// flags for the senders, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_WEEKLY_TRACE=FILE (every
// post's arrival per workspace, as JSON, for a per-second breakdown), BENCH_CLI (the CLI file the senders
// run, default dist/cli.js: e.g. an unbundled build from `tsc -p tsconfig.build.json --outDir dist-tsc`).

const USERS = Number(process.env.BENCH_WEEKLY_USERS ?? 10_000);
const TEAMS = 10;
const RATE = 50;
const KILL_AFTER_MS = Number(process.env.BENCH_WEEKLY_KILL_MS ?? 5000);
const DUE = new Date("2026-11-27T15:00:00Z");

export async function benchWeekly(): Promise<string[]> {
  if (!(await postgresReachable())) return ["| weekly fan-out | skipped: PostgreSQL not reachable | |"];
  const dbName = `deal_coach_bench_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const databaseUrl = PG_URL.replace(/\/[^/]*$/, `/${dbName}`);
  const key = randomBytes(32);
  const slack = await FakeSlack.start();
  try {
    // Seed: reps, their schedules (all due at DUE), one installation per workspace.
    const store = await openStore({ databaseUrl, encryptionKey: key });
    await store.close();
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const settings = JSON.stringify({
      weekly: { enabled: true, day: 5, time: "15:00" },
      nudges: true,
      quietHours: null,
    });
    await db.query(
      `INSERT INTO users (team_id, user_id, tz, settings, created_at, updated_at)
       SELECT 'T' || (i % ${TEAMS}), 'U' || i, 'Europe/London', $1::jsonb, now(), now() FROM generate_series(1, ${USERS}) i`,
      [settings],
    );
    await db.query(
      `INSERT INTO weekly_schedules (team_id, user_id, enabled, next_run_at, updated_at)
       SELECT 'T' || (i % ${TEAMS}), 'U' || i, true, $1, now() FROM generate_series(1, ${USERS}) i`,
      [DUE],
    );
    for (let t = 0; t < TEAMS; t++) {
      const installation = {
        team: { id: `T${t}` },
        bot: { token: `xoxb-team-${t}`, scopes: [], id: "B", userId: "UB" },
        isEnterpriseInstall: false,
      };
      await db.query("INSERT INTO installations (install_key, data, updated_at) VALUES ($1, $2, now())", [
        `T${t}`,
        encrypt(key, JSON.stringify(installation)),
      ]);
    }

    // The fake: 50 messages a second per workspace (token), and a DM history that keeps metadata.
    const windowByToken = new Map<string, number[]>();
    const history = new Map<string, Array<{ ts: string; metadata: unknown }>>();
    const perChannel = new Map<string, number>();
    let limited = 0;
    let firstPost: number | undefined;
    let lastPost = 0;
    const trace: Array<[string, number, number]> | undefined = process.env.BENCH_WEEKLY_TRACE
      ? []
      : undefined;
    let seq = 0;
    slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
    slack.on("conversations.history", (args) => ({
      ok: true,
      messages: history.get(String(args.channel)) ?? [],
    }));
    slack.on("chat.postMessage", (args, call) => {
      const token = call.token ?? "";
      const now = Date.now();
      const window = (windowByToken.get(token) ?? []).filter((t) => now - t < 1000);
      if (trace) trace.push([token, now, window.length]);
      if (window.length >= RATE) {
        windowByToken.set(token, window);
        limited++;
        return { status: 429, retryAfter: 1 };
      }
      window.push(now);
      firstPost ??= now;
      lastPost = now;
      windowByToken.set(token, window);
      // The sender posts to the user id; Slack answers with the DM (the one conversations.open gives).
      const channel = /^U/.test(String(args.channel)) ? `D_${String(args.channel)}` : String(args.channel);
      const ts = `${Math.floor(now / 1000)}.${String(++seq).padStart(6, "0")}`;
      history.set(channel, [...(history.get(channel) ?? []), { ts, metadata: args.metadata }]);
      perChannel.set(channel, (perChannel.get(channel) ?? 0) + 1);
      return { ok: true, channel, ts };
    });

    const env = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      SLACK_SIGNING_SECRET: "bench",
      SLACK_CLIENT_ID: "1.2",
      SLACK_CLIENT_SECRET: "bench",
      SLACK_STATE_SECRET: "bench",
      TOKEN_ENCRYPTION_KEY: key.toString("hex"),
      SLACK_API_URL: slack.apiUrl,
      SLACK_APP_TOKEN: "",
      SLACK_BOT_TOKEN: "",
      WEEKLY_RATE_PER_SEC: String(RATE),
      WEEKLY_LEASE_MS: "3000",
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "error",
    };
    const at = new Date(DUE.getTime() + 30_000).toISOString();
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? "").split(" ").filter(Boolean);
    const run = (): ChildProcess =>
      spawn(
        process.execPath,
        // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") goes to the sender processes only.
        [
          ...nodeArgs,
          process.env.BENCH_CLI ?? join(PACKAGE_ROOT, "dist", "cli.js"),
          "weekly",
          "send",
          "--at",
          at,
        ],
        {
          env,
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
    const started = performance.now();
    const startedAt = Date.now();
    trace?.push(["start", Date.now(), 0]);
    const solo = process.env.BENCH_WEEKLY_SENDERS === "1";
    // The sender to be killed starts first. Which sender holds which workspace is still a race: when the
    // survivor's "sent" is all 10,000, the killed one held none and the run measured no take-over.
    const a = solo ? undefined : run();
    const b = run();
    let out = "";
    b.stdout?.on("data", (d) => {
      out += d;
    });
    b.stderr?.on("data", (d) => {
      if (process.env.BENCH_LOG_LEVEL) process.stderr.write(d);
    });
    const exited = (p: ChildProcess) =>
      new Promise<number | null>((resolve) => p.once("exit", (code) => resolve(code)));
    const bExit = exited(b);
    if (a) {
      setTimeout(() => a.kill("SIGKILL"), KILL_AFTER_MS);
      await exited(a);
    }
    const code = await bExit;
    const seconds = (performance.now() - started) / 1000;
    trace?.push(["end", Date.now(), 0]);
    const floor = USERS / TEAMS / RATE;
    const duplicates = [...perChannel.values()].filter((n) => n > 1).length;
    const delivered = perChannel.size;
    const statuses = await db.query(
      "SELECT status, count(*)::int AS n FROM weekly_sends GROUP BY status ORDER BY status",
    );
    await db.end();
    if (trace && process.env.BENCH_WEEKLY_TRACE)
      writeFileSync(process.env.BENCH_WEEKLY_TRACE, JSON.stringify(trace));
    return [
      `| ${USERS} reps × ${TEAMS} workspaces due in one minute, ${process.env.BENCH_WEEKLY_SENDERS === "1" ? "1 sender" : `2 senders, one SIGKILLed at ${KILL_AFTER_MS / 1000} s`} on PostgreSQL | ${fmt(seconds, 1)} s total vs ${fmt(floor, 0)} s floor: ratio ${fmt(seconds / floor, 2)}; first prompt ${fmt(((firstPost ?? startedAt) - startedAt) / 1000, 2)} s after start, first to last prompt ${fmt((lastPost - (firstPost ?? lastPost)) / 1000, 1)} s (${fmt((lastPost - (firstPost ?? lastPost)) / 1000 / floor, 2)}) | ${delivered} reps prompted, ${duplicates} duplicates, ${USERS - delivered} missed; ${limited} 429s; surviving sender exit ${code} ${out.trim()}; sends: ${statuses.rows.map((r) => `${r.status} ${r.n}`).join(", ")} |`,
    ];
  } finally {
    await slack.close();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}
