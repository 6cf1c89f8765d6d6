import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEAL_MESSAGES } from "../test/fixtures/deal-messages.js";
import { signRequest, slashCommandBody } from "../test/support/fake-slack.js";
import {
  type FakeSlackProcess,
  freshDatabase,
  launch,
  rssMb,
  startFakeSlack,
  stopAll,
  type Target,
} from "./proc.js";
import { fmt } from "./stats.js";

// Memory a user's operator pays for: resident set size of Deal Coach and of a bare Bolt app, idle after
// start, right after COMMANDS quick /coach (first-time users, the fixture texts, a fresh response_url each,
// sent at RATE a second), once the replies have gone out, and after a second COMMANDS, to show whether it
// stays flat. Targets: embedded at most 400 MB, PostgreSQL at most 200 MB.

const COMMANDS = Number(process.env.BENCH_RSS_COMMANDS ?? 10_000);
const RATE = Number(process.env.BENCH_RSS_RATE ?? 250);
const SECRET = "bench-secret";

function post(agent: Agent, port: number, body: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers = { ...signRequest(SECRET, body), "content-length": String(Buffer.byteLength(body)) };
    const req = request(
      { host: "127.0.0.1", port, path: "/slack/events", method: "POST", headers, agent },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    // A kept-alive socket the server closed just as it was reused: Node's documented remedy is to retry.
    req.on("error", (err: NodeJS.ErrnoException) =>
      req.reusedSocket && err.code === "ECONNRESET"
        ? post(agent, port, body).then(resolve, reject)
        : reject(err),
    );
    req.end(body);
  });
}

async function commands(slack: FakeSlackProcess, targets: Target[], run: string): Promise<void> {
  // An agent per burst: a socket kept alive across the idle pauses would be closed by the server's
  // keep-alive timeout just as the next burst reused it.
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let i = 0; i < COMMANDS; i++) {
    const wait = start + (i * 1000) / RATE - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    for (const t of targets) {
      const body = slashCommandBody({
        text: DEAL_MESSAGES[i % DEAL_MESSAGES.length]?.text ?? "they went quiet",
        user_id: `U${run}${t.name[0]}${i}`,
        response_url: slack.responseUrl(),
      });
      pending.push(post(agent, t.port, body));
    }
  }
  await Promise.all(pending).finally(() => agent.destroy());
}

async function settle(slack: FakeSlackProcess, expected: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while ((await slack.counts()).responses < expected && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
  await new Promise((r) => setTimeout(r, 5000));
  return (await slack.counts()).responses;
}

export async function benchRss(): Promise<string[]> {
  const rows: string[] = [];
  for (const store of ["embedded (PGlite)", "PostgreSQL"] as const) {
    const db = store === "PostgreSQL" ? await freshDatabase() : undefined;
    if (store === "PostgreSQL" && !db) {
      rows.push("| RSS, PostgreSQL | skipped: PostgreSQL not reachable | |");
      continue;
    }
    const slack = await startFakeSlack();
    const dataDir = mkdtempSync(join(tmpdir(), "deal-coach-bench-rss-"));
    const common = {
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
      LOG_LEVEL: "warn",
    };
    const bare = await launch("bare Bolt", "bench/bare-bolt.mjs", common);
    const coach = await launch("Deal Coach", "dist/main.js", {
      ...common,
      DATABASE_URL: db?.url ?? "",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_APP_TOKEN: "",
    });
    const targets = [bare, coach];
    const rss = () => targets.map((t) => rssMb(t.child.pid as number));
    const run = Date.now().toString(36);
    try {
      await new Promise((r) => setTimeout(r, 5000));
      const idle = rss();
      const t0 = performance.now();
      await commands(slack, targets, `${run}a`);
      const burst = rss();
      const answered = await settle(slack, COMMANDS, 300_000);
      const settled = rss();
      await commands(slack, targets, `${run}b`);
      const answered2 = await settle(slack, 2 * COMMANDS, 300_000);
      const second = rss();
      const seconds = (performance.now() - t0) / 1000;
      const line = (i: number) =>
        `idle ${fmt(idle[i] ?? 0, 0)} MB → ${fmt(burst[i] ?? 0, 0)} MB right after ${COMMANDS} → ${fmt(settled[i] ?? 0, 0)} MB settled → ${fmt(second[i] ?? 0, 0)} MB after ${2 * COMMANDS}`;
      rows.push(
        `| RSS, ${COMMANDS} + ${COMMANDS} /coach at ${RATE}/s, first-time users, ${store}: bare Bolt | ${line(0)} | |`,
        `| same run: Deal Coach (target ${store === "PostgreSQL" ? 200 : 400} MB) | ${line(1)} | ${answered} then ${answered2} response_url replies received in ${fmt(seconds, 0)} s |`,
      );
    } finally {
      await stopAll(targets);
      rmSync(dataDir, { recursive: true, force: true });
      await db?.drop();
      await slack.close();
    }
  }
  return rows;
}
