import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDeals } from "../../src/deals/sources/index.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { runCli } from "../support/cli.js";
import { FakeSlack, postToApp } from "../support/fake-slack.js";
import { storeKind, testDatabaseUrl } from "../support/store.js";

// Exactly once across a crash: a process commits deliveries to the inbox (202) and is killed with
// SIGKILL before it processes them; the next process on the same data directory processes each exactly
// once, and a CRM retry of the same events is a duplicate. Then the same under kill -9 at seeded random
// points while receiving, processing and posting, on the store the suite runs on.

const SECRET = "crash-secret";
let slack: FakeSlack;
const dataDir = mkdtempSync(join(tmpdir(), "deal-coach-crash-"));

function start(env: Record<string, string>): {
  child: ChildProcess;
  port: Promise<number>;
  output: () => string;
} {
  const child = spawn(process.execPath, ["--import", "tsx", join(PACKAGE_ROOT, "src", "main.ts")], {
    cwd: PACKAGE_ROOT,
    env: {
      ...process.env,
      SLACK_APP_TOKEN: "xapp-crash",
      SLACK_BOT_TOKEN: "xoxb-crash",
      SLACK_SIGNING_SECRET: "",
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
      DATA_DIR: dataDir,
      DATABASE_URL: "",
      DEAL_WEBHOOK_SECRET: SECRET,
      NUDGE_QUIET_HOURS: "off",
      NUDGE_WEEKENDS: "on",
      NUDGE_DAILY_CAP: "50",
      NUDGE_WEEKLY_CAP: "100",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    out += d;
  });
  const port = (async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const m = out.match(/"port":(\d+)/);
      if (m?.[1]) return Number(m[1]);
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`the app did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return { child, port, output: () => out };
}

function delivery(i: number | string): string {
  return JSON.stringify({
    event_id: `crash-${i}`,
    occurred_at: new Date(Date.now() - 60_000).toISOString(),
    deal: {
      id: `CR-${i}`,
      name: `Crash deal ${i}`,
      stage: "negotiation",
      owner_email: `owner${i}@acme.test`,
    },
    previous: { stage: "proposal" },
  });
}

async function send(port: number, body: string) {
  const ts = Math.floor(Date.now() / 1000);
  return postToApp(`http://127.0.0.1:${port}/webhooks/deals`, body, {
    contentType: "application/json",
    headers: { "x-deal-coach-timestamp": String(ts), "x-deal-coach-signature": signDeals(SECRET, ts, body) },
  });
}

beforeAll(async () => {
  slack = await FakeSlack.start();
  slack.on("users.lookupByEmail", (args) => ({
    ok: true,
    user: { id: `U_${String(args.email).split("@")[0]}` },
  }));
  slack.on("conversations.open", (args) => ({ ok: true, channel: { id: `D_${String(args.users)}` } }));
});
afterAll(async () => {
  await slack?.close();
});

describe("a crash between receipt and processing", () => {
  it("processes every committed delivery exactly once after a restart", async () => {
    const receiver = start({ DEAL_WORKER: "off" });
    const port = await receiver.port;
    for (let i = 0; i < 5; i++)
      expect((await send(port, delivery(i))).json).toEqual({ accepted: 1, duplicates: 0 });
    receiver.child.kill("SIGKILL");
    await new Promise((r) => receiver.child.once("exit", r));
    expect(slack.callsTo("chat.postMessage")).toHaveLength(0);

    // The inbox survived the crash; the CLI sees it (taking over the dead process's lock).
    const listed = await runCli(["inbox"], { env: { DATA_DIR: dataDir, DATABASE_URL: "" } });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split("\n")).toHaveLength(5);
    expect(listed.stdout).toContain('"status":"pending"');

    const worker = start({});
    try {
      const port2 = await worker.port;
      // The CRM retries what it thinks may have been lost: duplicates, not second nudges.
      expect((await send(port2, delivery(0))).json).toEqual({ accepted: 0, duplicates: 1 });
      const deadline = Date.now() + 30_000;
      while (slack.callsTo("chat.postMessage").length < 5 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 500));
      const posts = slack.callsTo("chat.postMessage");
      expect(posts).toHaveLength(5);
      expect(new Set(posts.map((p) => p.args.channel)).size).toBe(5);
    } finally {
      worker.child.kill("SIGTERM");
      await new Promise((r) => worker.child.once("exit", r));
    }
    expect(worker.output()).toContain("Deal Coach stopped");
  }, 180_000);
});

// --- kill -9 at random points ----------------------------------------------------------------------
// Each run sends a burst of signed deliveries (one deal each, every one raising a nudge for its own
// owner, so each deal has its own DM) into a process that is killed with SIGKILL at seeded random points:
// after the k-th delivery was accepted, a random time into the burst (while receiving and processing),
// or at the k-th chat.postMessage reaching Slack, before Slack posts it, after it posted but before it
// answered, or just after it answered. Deliveries that got no 202 are sent again (as a CRM retries),
// and a process is started again on the same data until one runs to the end. Slack's copy of the DMs
// then holds every deal's nudge exactly once. Runs share the store (a first start of the embedded store
// costs an initdb) and use their own deal ids. CRASH_BUDGET_MS sets how long to keep running (2.5 min),
// CRASH_SEED the first run's seed.

const BUDGET_MS = Number(process.env.CRASH_BUDGET_MS ?? 150_000);
const SEED = Number(process.env.CRASH_SEED ?? 20261212);
const DEALS_PER_RUN = 24;
const LEASE_MS = 1500;

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with its seed. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

type KillPoint =
  | { kind: "accepted"; k: number }
  | { kind: "delay"; ms: number }
  | { kind: "post"; k: number; when: "before" | "posted" | "answered" };

const POST_MODES = ["before", "posted", "answered"] as const;

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once("exit", r));
}

describe(`kill -9 at random points (${storeKind})`, () => {
  let schema: string | undefined;
  let storeEnv: Record<string, string>;

  async function admin(statement: string): Promise<void> {
    const client = new pg.Client({ connectionString: testDatabaseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    if (storeKind === "postgres") {
      schema = `crash_${randomUUID().replaceAll("-", "")}`;
      await admin(`CREATE SCHEMA ${schema}`);
      const url = new URL(testDatabaseUrl);
      url.searchParams.set("options", `-c search_path=${schema}`);
      storeEnv = { DATABASE_URL: url.toString() };
    } else {
      storeEnv = { DATA_DIR: mkdtempSync(join(tmpdir(), "deal-coach-kill-")) };
    }
  });
  afterAll(async () => {
    slack.off("chat.postMessage");
    if (schema) await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  });

  it(
    "posts every deal's nudge exactly once, however often the process is killed",
    async () => {
      const started = Date.now();
      const tally = {
        runs: 0,
        lives: 0,
        startMs: 0,
        kills: 0,
        accepted: 0,
        delay: 0,
        post: 0,
        lost: 0,
        doubled: 0,
        deals: 0,
      };
      const failures: string[] = [];
      const env = { ...storeEnv, DEAL_LEASE_MS: String(LEASE_MS) };
      /** Posts Slack holds in a DM (each deal's owner has their own). */
      const postsIn = (channel: string) => slack.messages.filter((m) => m.channel === channel).length;

      for (let run = 0; Date.now() - started < BUDGET_MS || run < 2; run++) {
        const seed = SEED + run;
        const rand = prng(seed);
        const ids = Array.from({ length: DEALS_PER_RUN }, (_, i) => `r${seed}-${i}`);
        const dmOfDeal = (id: string) => `D_U_owner${id}`;
        const unacked = new Set(ids);
        const allPosted = () => ids.every((id) => postsIn(dmOfDeal(id)) > 0);
        const kills: KillPoint[] = Array.from({ length: 1 + rand(3) }, (): KillPoint => {
          const kind = rand(3);
          if (kind === 0) return { kind: "accepted", k: 1 + rand(DEALS_PER_RUN) };
          if (kind === 1) return { kind: "delay", ms: rand(2500) };
          return { kind: "post", k: 1 + rand(DEALS_PER_RUN), when: POST_MODES[rand(3)] ?? "posted" };
        });

        for (let life = 0; life <= kills.length; life++) {
          const plan = kills[life];
          const startedAt = Date.now();
          const app = start(env);
          tally.lives++;
          let killed = false;
          const kill = () => {
            if (killed) return;
            killed = true;
            app.child.kill("SIGKILL");
            tally.kills++;
            if (plan) tally[plan.kind]++;
          };
          let posts = 0;
          slack.on("chat.postMessage", () => {
            if (plan?.kind !== "post" || killed || ++posts !== plan.k) return undefined;
            if (plan.when === "before") {
              kill();
              return { status: 500 }; // Never reached Slack's storage: nothing posted.
            }
            if (plan.when === "posted")
              kill(); // Posted (the default reply records it), never answered.
            else setImmediate(kill); // Posted and answered; killed before the app can record it.
            return undefined;
          });
          try {
            await app.port;
          } catch (err) {
            failures.push(`seed ${seed} life ${life}: ${(err as Error).message.slice(0, 2000)}`);
            kill();
            break;
          }
          const port = await app.port;
          tally.startMs += Date.now() - startedAt;
          const timer = plan?.kind === "delay" ? setTimeout(kill, plan.ms) : undefined;
          let accepted = 0;
          const queue = [...unacked];
          await Promise.all(
            Array.from({ length: 8 }, async () => {
              for (let id = queue.shift(); id !== undefined && !killed; id = queue.shift()) {
                const res = await send(port, delivery(id)).catch(() => undefined);
                if (res?.status !== 202) continue; // Refused or cut off: the CRM sends it again later.
                unacked.delete(id);
                if (plan?.kind === "accepted" && ++accepted === plan.k) kill();
              }
            }),
          );
          // Let the process work until it is killed or has posted everything.
          const deadline = Date.now() + 60_000;
          while (!killed && !(unacked.size === 0 && allPosted()) && Date.now() < deadline)
            await new Promise((r) => setTimeout(r, 50));
          clearTimeout(timer);
          if (plan) {
            kill(); // A point past the end of the work still kills: the next life starts cold.
            await exited(app.child);
            continue;
          }
          // The last life: give a doubled post time to show (a lease to lapse, a poll), then stop cleanly.
          await new Promise((r) => setTimeout(r, LEASE_MS + 2500));
          app.child.kill("SIGTERM");
          await exited(app.child);
          if (unacked.size > 0) failures.push(`seed ${seed}: ${unacked.size} deliveries never accepted`);
        }
        slack.off("chat.postMessage");
        tally.runs++;
        tally.deals += ids.length;
        for (const id of ids) {
          const n = postsIn(dmOfDeal(id));
          if (n === 0) tally.lost++;
          if (n > 1) tally.doubled += n - 1;
          if (n !== 1)
            failures.push(`seed ${seed}: deal ${id} posted ${n} times (kills ${JSON.stringify(kills)})`);
        }
      }
      console.log(
        `crash test (${storeKind}): runs ${tally.runs}, deals ${tally.deals}, kill points ${tally.kills} ` +
          `(after an accepted delivery ${tally.accepted}, at a random time ${tally.delay}, ` +
          `at a chat.postMessage ${tally.post}), lost ${tally.lost}, doubled ${tally.doubled}, ` +
          `first seed ${SEED}, ${tally.lives} starts (${Math.round(tally.startMs / tally.lives)} ms each to listen), ` +
          `${Math.round((Date.now() - started) / 1000)} s`,
      );
      expect(failures).toEqual([]);
      expect(tally.lost + tally.doubled).toBe(0);
    },
    BUDGET_MS + 240_000,
  );
});
