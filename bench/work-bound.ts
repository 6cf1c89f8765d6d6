import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { PACKAGE_ROOT } from "../src/paths.js";
import { FakeSlack, signRequest, slashCommandBody } from "../test/support/fake-slack.js";
import { BENCH_KEY_HEX, PG_URL, postgresReachable, rssMb } from "./proc.js";
import { fmt, summarize } from "./stats.js";

// Bounded work under a stalled Slack: COUNT quick signed /coach (a fresh response_url each, CONCURRENCY
// in flight from here) against one Deal Coach process whose response_url never answers until the burst
// is over. Prints acks, ack latency, RSS before / after the burst / after the stall ends, how many
// replies were held open by the stall, and the process's own work queue (from /healthz, when it has one).
//
//   npx tsx bench/work-bound.ts                    # this checkout, PostgreSQL if reachable
//   BENCH_APP_ROOT=/tmp/old BENCH_STORE=embedded npx tsx bench/work-bound.ts
//
// BENCH_APP_ROOT runs another checkout's src/main.ts (an older commit, for a before/after figure).

const COUNT = Number(process.env.BENCH_COUNT ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const APP_ROOT = resolve(process.env.BENCH_APP_ROOT ?? PACKAGE_ROOT);
const SECRET = "bench-secret";
const BENCH_DB = "deal_coach_bench_work";

/** BENCH_KEEP_ALIVE=0: a fresh connection per request, as Slack itself sends them. */
const KEEP_ALIVE = process.env.BENCH_KEEP_ALIVE !== "0";
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(port: number, body: string): Promise<number> {
  const headers = { ...signRequest(SECRET, body), "content-length": String(Buffer.byteLength(body)) };
  const started = performance.now();
  return new Promise((resolvePost, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path: "/slack/events",
        method: "POST",
        headers,
        agent: KEEP_ALIVE ? agent : false,
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200
            ? resolvePost(performance.now() - started)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function health(port: number): Promise<Record<string, unknown>> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  return (await res.json()) as Record<string, unknown>;
}

async function launchApp(env: Record<string, string>): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(APP_ROOT, "src", "main.ts")], {
    cwd: APP_ROOT,
    env: { ...process.env, TOKEN_ENCRYPTION_KEY: BENCH_KEY_HEX, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out = (out + d).slice(-20_000);
  });
  child.stderr?.on("data", (d) => {
    out = (out + d).slice(-20_000);
  });
  const deadline = Date.now() + 120_000;
  for (;;) {
    const port = out.match(/"port":(\d+)/)?.[1];
    if (port) return { child, port: Number(port) };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the app did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${BENCH_DB} with (force)`);
  await admin.query(`create database ${BENCH_DB}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${BENCH_DB}`;
  return url.toString();
}

async function main(): Promise<void> {
  const embedded = process.env.BENCH_STORE === "embedded" || !(await postgresReachable());
  const slack = await FakeSlack.start();
  let stalled = true;
  let release!: () => void;
  const stall = new Promise<void>((r) => {
    release = r;
  });
  let heldOpen = 0;
  slack.onResponse(async () => {
    if (!stalled) return undefined;
    heldOpen++;
    await stall;
    return undefined;
  });
  const dataDir = mkdtempSync(join(tmpdir(), "deal-coach-bench-work-"));
  const { child, port } = await launchApp({
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_BOT_TOKEN: "xoxb-bench",
    SLACK_APP_TOKEN: "",
    SLACK_API_URL: slack.apiUrl,
    PORT: "0",
    LOG_LEVEL: "info",
    DATA_DIR: dataDir,
    DATABASE_URL: embedded ? "" : await freshDatabase(),
  });
  const pid = child.pid as number;
  try {
    // Warm-up outside the stall: JIT, pool connections, the first users.
    stalled = false;
    for (let i = 0; i < 50; i++)
      await post(port, slashCommandBody({ text: "warm-up: they went quiet", user_id: `UWARM${i}` }));
    await new Promise((r) => setTimeout(r, 1000));
    stalled = true;
    const idle = rssMb(pid);

    let next = 0;
    let peakRss = idle;
    const latencies: number[] = [];
    let failed = 0;
    const slow: Array<{ i: number; ms: number; at: number }> = [];
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMb(pid));
    }, 100);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < COUNT) {
          const i = next++;
          const body = slashCommandBody({
            text: `deal ${i}: they went quiet after the pricing call, budget frozen`,
            user_id: `U${i % 500}`,
            response_url: slack.responseUrl(`w${i}`),
          });
          try {
            const ms = await post(port, body);
            latencies.push(ms);
            if (ms > 1000) slow.push({ i, ms, at: (performance.now() - started) / 1000 });
          } catch {
            failed++;
          }
        }
      }),
    );
    const burstSeconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 3000));
    const afterBurst = rssMb(pid);
    const h = await health(port);
    const held = heldOpen;
    const repliesDuringStall = slack.responses.length;

    stalled = false;
    release();
    const settleStart = performance.now();
    let settled = false;
    while (performance.now() - settleStart < 300_000) {
      const w = (await health(port)).work as { running: number; waiting: number } | undefined;
      if (w ? w.running + w.waiting === 0 : slack.responses.length - repliesDuringStall >= COUNT - held) {
        settled = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const settleSeconds = (performance.now() - settleStart) / 1000;
    await new Promise((r) => setTimeout(r, 2000));
    clearInterval(sampler);
    const afterStall = rssMb(pid);
    const s = summarize(latencies);
    const busy = slack.responses.filter((r) => JSON.stringify(r.body).includes("swamped")).length;
    console.log(
      [
        `app: ${APP_ROOT} · store: ${embedded ? "embedded (PGlite)" : "PostgreSQL"}`,
        `${COUNT} /coach, ${CONCURRENCY} in flight from the client, response_url stalled: ${latencies.length} acked 200, ${failed} failed, in ${fmt(burstSeconds, 1)} s`,
        `ack p50 ${fmt(s.p50, 1)} ms, p99 ${fmt(s.p99, 1)} ms, max ${fmt(s.max, 0)} ms`,
        `RSS idle ${fmt(idle, 0)} MB, peak ${fmt(peakRss, 0)} MB, 3 s after the burst ${fmt(afterBurst, 0)} MB, after the stall ended ${fmt(afterStall, 0)} MB`,
        `acks over 1 s: ${slow.length}${
          slow.length > 0
            ? `; slowest: ${[...slow]
                .sort((a, b) => b.ms - a.ms)
                .slice(0, 5)
                .map((x) => `#${x.i} ${fmt(x.ms, 0)} ms, done at ${fmt(x.at, 1)} s`)
                .join("; ")}`
            : ""
        }`,
        `response_url POSTs held open by the stall: ${held}; work queue then: ${JSON.stringify(h.work ?? "(not reported)")}`,
        `after the stall: ${settled ? `settled in ${fmt(settleSeconds, 1)} s` : "NOT settled in 300 s"}, ${slack.responses.length} response_url POSTs in all, ${busy} of them busy replies`,
      ].join("\n"),
    );
  } finally {
    release();
    await new Promise<void>((r) => {
      if (child.exitCode !== null) return r();
      child.once("exit", () => r());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 20_000).unref();
    });
    agent.destroy();
    await slack.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
