import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeSlack, signRequest, slashCommandBody } from "../test/support/fake-slack.js";
import { launch, PG_URL, postgresReachable, rssMb, stopAll, type Target } from "./proc.js";
import { fmt, summarize } from "./stats.js";

// /coach ack latency over HTTP under load: signed slash commands at RATE req/s for SECONDS, from this
// process, against Deal Coach and against a bare Bolt app that only acks, each in its own process, in the
// same run. Open loop: requests leave on schedule whether or not earlier ones have been answered.

const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 20);
const SECRET = "bench-secret";

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

function post(port: number, body: string): Promise<number> {
  const headers = { ...signRequest(SECRET, body), "content-length": String(Buffer.byteLength(body)) };
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/slack/events", method: "POST", headers, agent },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Sends RATE req/s to every target for SECONDS, interleaved, and returns each target's latencies. */
async function load(targets: Target[], seconds: number): Promise<Map<string, number[]>> {
  const samples = new Map(targets.map((t) => [t.name, [] as number[]]));
  const pending: Promise<void>[] = [];
  const total = RATE * seconds;
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const t of targets) {
      const body = slashCommandBody({
        text: `deal ${i}: they went quiet after the pricing call`,
        user_id: `U${i % 50}`,
      });
      pending.push(post(t.port, body).then((ms) => void samples.get(t.name)?.push(ms)));
    }
  }
  await Promise.all(pending);
  return samples;
}

export async function benchSlackAck(): Promise<string[]> {
  const slack = await FakeSlack.start();
  const rows: string[] = [];
  const stores: Array<[string, Record<string, string>]> = [["embedded (PGlite)", { DATABASE_URL: "" }]];
  if (await postgresReachable()) stores.push(["PostgreSQL 15", { DATABASE_URL: PG_URL }]);
  try {
    for (const [storeName, storeEnv] of stores) {
      const dataDir = mkdtempSync(join(tmpdir(), "deal-coach-bench-"));
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
        DATA_DIR: dataDir,
      });
      const targets = [bare, coach];
      try {
        await load(targets, 2); // warm-up: JIT, connections, first store writes
        await new Promise((r) => setTimeout(r, 1000));
        const idle = targets.map((t) => rssMb(t.child.pid as number));
        const samples = await load(targets, SECONDS);
        const after = targets.map((t) => rssMb(t.child.pid as number));
        const [b, c] = targets.map((t) => summarize(samples.get(t.name) ?? []));
        if (!b || !c) throw new Error("no samples");
        rows.push(
          `| /coach ack over HTTP, ${RATE} req/s × ${SECONDS} s, ${storeName}: bare Bolt | ${b.n} acks | p50 ${fmt(b.p50, 2)} ms, p99 ${fmt(b.p99, 2)} ms; RSS ${fmt(idle[0] ?? 0, 0)} → ${fmt(after[0] ?? 0, 0)} MB |`,
          `| same run: Deal Coach | ${c.n} acks | p50 ${fmt(c.p50, 2)} ms, p99 ${fmt(c.p99, 2)} ms; RSS ${fmt(idle[1] ?? 0, 0)} → ${fmt(after[1] ?? 0, 0)} MB |`,
          `| ratio Deal Coach / bare | p50 ×${fmt(c.p50 / b.p50, 2)} | p99 ×${fmt(c.p99 / b.p99, 2)} |`,
        );
      } finally {
        await stopAll(targets);
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    agent.destroy();
    await slack.close();
  }
  return rows;
}
