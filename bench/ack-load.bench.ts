import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signDeals } from "../src/deals/sources/index.js";
import { DEAL_MESSAGES } from "../test/fixtures/deal-messages.js";
import { signRequest, slashCommandBody } from "../test/support/fake-slack.js";
import { TEAM_ID } from "../test/support/slack-payloads.js";
import {
  type FakeSlackProcess,
  freshDatabase,
  launch,
  seedWeekly,
  startFakeSlack,
  stopAll,
  type Target,
} from "./proc.js";
import { fmt, summarize } from "./stats.js";

// /coach ack latency as users meet it, against a bare Bolt app that only acks, both in the same run:
// RATE signed /coach a second to each, from first-time users (a new user id every request), with the
// fixture deal messages as text in turn and a fresh response_url each; meanwhile Deal Coach also takes
// WEBHOOK_RATE signed deal deliveries a second (each a deal moving stage, so each raises a nudge), and its
// weekly poller sends WEEKLY_REPS opted-in reps their prompts. Open loop: requests leave on schedule
// whether or not earlier ones were answered. Latencies under FLOOR_MS count as FLOOR_MS: below that the
// difference is the scheduler's, not the app's. WARMUP_SECONDS of the same load come first, unmeasured,
// from other first-time users. Reported per ROUND_SECONDS round as well, since stalls come in bursts. The
// fake Slack runs in a process of its own, so this one only sends and times.

const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 60);
const ROUND_SECONDS = 20;
const WEBHOOK_RATE = Number(process.env.BENCH_ACK_WEBHOOK_RATE ?? 20);
const WEEKLY_REPS = Number(process.env.BENCH_ACK_WEEKLY_REPS ?? 600);
const FLOOR_MS = 5;
/** Seconds of the same load before measuring, from other first-time users: the process is warm, the users new. */
const WARMUP_SECONDS = Number(process.env.BENCH_ACK_WARMUP ?? 5);
const SECRET = "bench-secret";
const DEALS_SECRET = "bench-deals-secret";

const agent = new Agent({ keepAlive: true, maxSockets: 512 });

function send(port: number, path: string, body: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
        agent,
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 || res.statusCode === 202
            ? resolve(performance.now() - started)
            : reject(new Error(`${path}: HTTP ${res.statusCode}`)),
        );
      },
    );
    // A kept-alive socket the server closed just as it was reused: Node's documented remedy is to retry
    // (timed from the retry, which is when the request really left).
    req.on("error", (err: NodeJS.ErrnoException) =>
      req.reusedSocket && err.code === "ECONNRESET"
        ? send(port, path, body, headers).then(resolve, reject)
        : reject(err),
    );
    req.end(body);
  });
}

function delivery(run: string, i: number): string {
  return JSON.stringify({
    event_id: `load-${run}-${i}`,
    occurred_at: new Date().toISOString(),
    deal: {
      id: `${run}-${i}`,
      name: `Load deal ${i}`,
      stage: "negotiation",
      owner_email: `rep${i % 300}@acme.test`,
    },
    previous: { stage: "proposal" },
    note: DEAL_MESSAGES[i % DEAL_MESSAGES.length]?.text,
  });
}

interface Sample {
  at: number;
  ms: number;
}

/** RATE /coach a second to every target and WEBHOOK_RATE deliveries a second to `webhooks`, interleaved. */
async function load(
  slack: FakeSlackProcess,
  targets: Target[],
  webhooks: Target,
  seconds: number,
  run: string,
) {
  const samples = new Map(targets.map((t) => [t.name, [] as Sample[]]));
  const pending: Promise<unknown>[] = [];
  let webhookErrors = 0;
  const start = performance.now();
  const total = RATE * seconds;
  const everyWebhook = Math.max(1, Math.round(RATE / WEBHOOK_RATE));
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const at = performance.now() - start;
    for (const t of targets) {
      const body = slashCommandBody({
        text: DEAL_MESSAGES[i % DEAL_MESSAGES.length]?.text ?? "they went quiet",
        user_id: `U${run}${t.name === webhooks.name ? "c" : "b"}${i}`,
        response_url: slack.responseUrl(),
      });
      const headers = signRequest(SECRET, body);
      pending.push(
        send(t.port, "/slack/events", body, headers).then((ms) => void samples.get(t.name)?.push({ at, ms })),
      );
    }
    if (WEBHOOK_RATE > 0 && i % everyWebhook === 0) {
      const body = delivery(run, i);
      const ts = Math.floor(Date.now() / 1000);
      pending.push(
        send(webhooks.port, "/webhooks/deals", body, {
          "content-type": "application/json",
          "x-deal-coach-timestamp": String(ts),
          "x-deal-coach-signature": signDeals(DEALS_SECRET, ts, body),
        }).catch(() => {
          webhookErrors++;
        }),
      );
    }
  }
  await Promise.all(pending);
  return { samples, webhookErrors };
}

const floored = (s: Sample[]) => s.map((x) => Math.max(FLOOR_MS, x.ms));

export async function benchAckLoad(): Promise<string[]> {
  const rows: string[] = [];
  for (const store of ["embedded (PGlite)", "PostgreSQL"] as const) {
    const slack = await startFakeSlack();
    const dataDir = mkdtempSync(join(tmpdir(), "deal-coach-bench-load-"));
    const db = store === "PostgreSQL" ? await freshDatabase() : undefined;
    if (store === "PostgreSQL" && !db) {
      rows.push("| /coach ack under load, PostgreSQL | skipped: PostgreSQL not reachable | |");
      await slack.close();
      continue;
    }
    const storeEnv = { DATABASE_URL: db?.url ?? "", DATA_DIR: dataDir };
    await seedWeekly(storeEnv, TEAM_ID, WEEKLY_REPS, new Date());
    const common = {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
      LOG_LEVEL: "warn",
    };
    const bare = await launch("bare Bolt", "bench/bare-bolt.mjs", common);
    const coach = await launch("Deal Coach", "dist/main.js", {
      ...common,
      ...storeEnv,
      LOG_LEVEL: "info",
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_APP_TOKEN: "",
      DEAL_WEBHOOK_SECRET: DEALS_SECRET,
      NUDGE_QUIET_HOURS: "off",
      NUDGE_WEEKENDS: "on",
      NUDGE_DAILY_CAP: "999",
      NUDGE_WEEKLY_CAP: "999",
      WEEKLY_RATE_PER_SEC: "10",
    });
    const targets = [bare, coach];
    const run = Date.now().toString(36);
    try {
      await load(slack, targets, coach, WARMUP_SECONDS, `${run}w`);
      const { samples, webhookErrors } = await load(slack, targets, coach, SECONDS, run);
      const b = samples.get(bare.name) ?? [];
      const c = samples.get(coach.name) ?? [];
      const sb = summarize(floored(b));
      const sc = summarize(floored(c));
      const rounds: string[] = [];
      for (let r = 0; r * ROUND_SECONDS < SECONDS; r++) {
        const inRound = (s: Sample) =>
          s.at >= r * ROUND_SECONDS * 1000 && s.at < (r + 1) * ROUND_SECONDS * 1000;
        const rb = summarize(floored(b.filter(inRound)));
        const rc = summarize(floored(c.filter(inRound)));
        rounds.push(`×${fmt(rc.p99 / rb.p99, 2)}`);
      }
      const nudges = (await slack.counts()).posts;
      rows.push(
        `| /coach ack, ${RATE} req/s × ${SECONDS} s, first-time users, ${DEAL_MESSAGES.length} texts, ${WEBHOOK_RATE} deliveries/s and ${WEEKLY_REPS} weekly prompts alongside, ${store}: bare Bolt | ${sb.n} acks | p50 ${fmt(sb.p50, 1)} ms, p99 ${fmt(sb.p99, 1)} ms, max ${fmt(sb.max, 0)} ms |`,
        `| same run: Deal Coach | ${sc.n} acks, ${webhookErrors} deliveries refused, ${nudges} DMs posted meanwhile | p50 ${fmt(sc.p50, 1)} ms, p99 ${fmt(sc.p99, 1)} ms, max ${fmt(sc.max, 0)} ms |`,
        `| ratio Deal Coach / bare (floor ${FLOOR_MS} ms; target p99 ≤ ×1.2) | p50 ×${fmt(sc.p50 / sb.p50, 2)} | p99 ×${fmt(sc.p99 / sb.p99, 2)}; by ${ROUND_SECONDS} s round ${rounds.join(", ")} |`,
      );
    } finally {
      await stopAll(targets);
      rmSync(dataDir, { recursive: true, force: true });
      await db?.drop();
      await slack.close();
    }
  }
  agent.destroy();
  return rows;
}
