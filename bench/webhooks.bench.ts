import { mkdtempSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signDeals } from "../src/deals/sources/index.js";
import { FakeSlack } from "../test/support/fake-slack.js";
import { launch, PG_URL, postgresReachable, stopAll } from "./proc.js";
import { fmt, summarize } from "./stats.js";

// Signed deal deliveries (POST /webhooks/deals, one update each, each a different deal moving stage) sent
// as fast as COUNT requests at CONCURRENCY allow, to Deal Coach in its own process. Reports deliveries
// accepted per second (202s), and the time from sending each delivery to its nudge being posted on the
// fake Slack, and checks that every delivery produced exactly one nudge.

const COUNT = Number(process.env.BENCH_WEBHOOKS ?? 2000);
const CONCURRENCY = Number(process.env.BENCH_WEBHOOK_CONCURRENCY ?? 32);
const SECRET = "bench-deals-secret";
const STEADY_RATE = Number(process.env.BENCH_WEBHOOK_RATE ?? 20);
const STEADY_SECONDS = Number(process.env.BENCH_WEBHOOK_SECONDS ?? 10);

const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(port: number, body: string): Promise<number> {
  const ts = Math.floor(Date.now() / 1000);
  const headers = {
    "content-type": "application/json",
    "content-length": String(Buffer.byteLength(body)),
    "x-deal-coach-timestamp": String(ts),
    "x-deal-coach-signature": signDeals(SECRET, ts, body),
  };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/webhooks/deals", method: "POST", headers, agent },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

export async function benchWebhooks(): Promise<string[]> {
  const rows: string[] = [];
  const stores: Array<[string, Record<string, string>]> = [["embedded (PGlite)", { DATABASE_URL: "" }]];
  if (await postgresReachable()) stores.push(["PostgreSQL 15", { DATABASE_URL: PG_URL }]);
  for (const [storeName, storeEnv] of stores) {
    const slack = await FakeSlack.start();
    slack.on("users.lookupByEmail", (args) => ({
      ok: true,
      user: { id: `U_${String(args.email).split("@")[0]}` },
    }));
    slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
    const posted = new Map<string, number>();
    slack.on("chat.postMessage", (args) => {
      const deal = JSON.stringify(args.blocks).match(/Bench deal (\w+)/)?.[1];
      if (deal && !posted.has(deal)) posted.set(deal, performance.now());
      return undefined;
    });
    const dataDir = mkdtempSync(join(tmpdir(), "deal-coach-bench-wh-"));
    const coach = await launch("Deal Coach", "dist/main.js", {
      ...storeEnv,
      SLACK_SIGNING_SECRET: "bench",
      SLACK_BOT_TOKEN: "xoxb-bench",
      SLACK_APP_TOKEN: "",
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
      DATA_DIR: dataDir,
      LOG_LEVEL: "info",
      DEAL_WEBHOOK_SECRET: SECRET,
      NUDGE_QUIET_HOURS: "off",
      NUDGE_WEEKENDS: "on",
      NUDGE_DAILY_CAP: "999",
      NUDGE_WEEKLY_CAP: "999",
    });
    const run = Date.now().toString(36);
    const sentAt = new Map<string, number>();
    const body = (deal: string, i: number) =>
      JSON.stringify({
        event_id: `bench-${deal}`,
        occurred_at: new Date().toISOString(),
        deal: {
          id: deal,
          name: `Bench deal ${deal}`,
          stage: "negotiation",
          owner_email: `rep${i % 200}@acme.test`,
        },
        previous: { stage: "proposal" },
      });
    const waitForNudges = async (n: number) => {
      const deadline = Date.now() + 300_000;
      while (posted.size < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    };
    const latencyOf = (prefix: string) =>
      summarize(
        [...posted.entries()]
          .filter(([d]) => d.startsWith(prefix))
          .map(([d, at]) => at - (sentAt.get(d) ?? at)),
      );
    try {
      // 1. Burst: COUNT deliveries as fast as CONCURRENCY connections allow.
      let accepted = 0;
      let rejected = 0;
      const started = performance.now();
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < COUNT) {
            const i = next++;
            const deal = `${run}b${i}`;
            sentAt.set(deal, performance.now());
            if ((await post(coach.port, body(deal, i))) === 202) accepted++;
            else rejected++;
          }
        }),
      );
      const acceptSeconds = (performance.now() - started) / 1000;
      await waitForNudges(accepted);
      const drainSeconds = (performance.now() - started) / 1000;
      const burst = latencyOf(`${run}b`);
      const burstPosted = posted.size;
      const duplicates = slack.callsTo("chat.postMessage").length - posted.size;

      // 2. Steady: STEADY_RATE deliveries/s for STEADY_SECONDS, open loop, as a CRM sends them day to day.
      const steadyCount = STEADY_RATE * STEADY_SECONDS;
      const steadyStart = performance.now();
      const sends: Promise<unknown>[] = [];
      for (let i = 0; i < steadyCount; i++) {
        const wait = steadyStart + (i * 1000) / STEADY_RATE - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const deal = `${run}s${i}`;
        sentAt.set(deal, performance.now());
        sends.push(post(coach.port, body(deal, i + 7)));
      }
      await Promise.all(sends);
      await waitForNudges(accepted + steadyCount);
      const steady = latencyOf(`${run}s`);
      const allDuplicates = slack.callsTo("chat.postMessage").length - posted.size;
      rows.push(
        `| ${storeName}: burst of ${COUNT} signed deliveries, ${CONCURRENCY} at a time | ${Math.round(accepted / acceptSeconds)} deliveries/s accepted (${accepted} accepted, ${rejected} rejected, in ${fmt(acceptSeconds, 1)} s) | ${burstPosted} nudges, ${duplicates} duplicates, backlog drained after ${fmt(drainSeconds, 1)} s; receipt to nudge p50 ${fmt(burst.p50 / 1000, 1)} s, p99 ${fmt(burst.p99 / 1000, 1)} s |`,
        `| ${storeName}: steady ${STEADY_RATE} deliveries/s for ${STEADY_SECONDS} s | ${steady.n} of ${steadyCount} nudged, ${allDuplicates} duplicates in all | receipt to nudge posted p50 ${fmt(steady.p50, 0)} ms, p99 ${fmt(steady.p99, 0)} ms |`,
      );
    } finally {
      await stopAll([coach]);
      rmSync(dataDir, { recursive: true, force: true });
      await slack.close();
    }
  }
  agent.destroy();
  return rows;
}
