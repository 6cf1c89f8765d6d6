import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDeals } from "../../src/deals/sources/index.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { runCli } from "../support/cli.js";
import { createdDataDir } from "../support/data-dir.js";
import { FakeSlack, postToApp } from "../support/fake-slack.js";
import { schemaOfItsOwn, storeKind } from "../support/store.js";

// Exactly once across a crash: a process commits deliveries to the inbox (202) and is killed with
// SIGKILL before it processes them; the next process on the same store processes each exactly once, and
// a CRM retry of the same events is a duplicate. Then the same under kill -9 at seeded random points
// while receiving, processing and posting. Both on the store the suite runs on.

const SECRET = "crash-secret";
let slack: FakeSlack;

/** Drops the PostgreSQL schemas the tests made, at the end. */
const drops: Array<() => Promise<void>> = [];

/**
 * The store settings of a store of the test's own, on the store the suite runs on: a schema of its own
 * on PostgreSQL, or a data directory created already (test/support/data-dir.ts), since the subject is
 * what survives a crash, not the database's first creation, whose initdb costs about 3.6 s of CPU.
 */
async function storeOfItsOwn(prefix: string): Promise<Record<string, string>> {
  if (storeKind === "pglite") return { DATA_DIR: await createdDataDir(prefix), DATABASE_URL: "" };
  const { databaseUrl, drop } = await schemaOfItsOwn("crash");
  drops.push(drop);
  return { DATABASE_URL: databaseUrl, DATA_DIR: "", TOKEN_ENCRYPTION_KEY: "07".repeat(32) };
}

function start(env: Record<string, string>): {
  child: ChildProcess;
  port: Promise<number>;
  output: () => string;
} {
  // The built app (the suite's global setup runs `npm run build`): a start costs node's, not tsx's,
  // compile time, and the crash rounds start it many times.
  const child = spawn(process.execPath, [join(PACKAGE_ROOT, "dist", "main.js")], {
    cwd: PACKAGE_ROOT,
    env: {
      ...process.env,
      SLACK_APP_TOKEN: "xapp-crash",
      SLACK_BOT_TOKEN: "xoxb-crash",
      SLACK_SIGNING_SECRET: "",
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
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
  for (const drop of drops) await drop();
});

describe(`a crash between receipt and processing (${storeKind})`, () => {
  it("processes every committed delivery exactly once after a restart", async () => {
    const store = await storeOfItsOwn("deal-coach-crash-");
    const receiver = start({ ...store, DEAL_WORKER: "off" });
    const port = await receiver.port;
    for (let i = 0; i < 5; i++)
      expect((await send(port, delivery(i))).json).toEqual({ accepted: 1, duplicates: 0 });
    receiver.child.kill("SIGKILL");
    await new Promise((r) => receiver.child.once("exit", r));
    expect(slack.callsTo("chat.postMessage")).toHaveLength(0);

    // The inbox survived the crash; the CLI sees it (taking over the dead process's lock).
    const listed = await runCli(["inbox"], { env: store, dist: true });
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout.trim().split("\n")).toHaveLength(5);
    expect(listed.stdout).toContain('"status":"pending"');

    const worker = start(store);
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
      // These owners have not chosen nudges yet: each one's first is the one-time invitation.
      for (const p of posts) expect(JSON.stringify(p.args.blocks)).toContain("nudge_invitation");
    } finally {
      worker.child.kill("SIGTERM");
      await new Promise((r) => worker.child.once("exit", r));
    }
    expect(worker.output()).toContain("Deal Coach stopped");
  }, 180_000);
});

// --- kill -9 at random points ----------------------------------------------------------------------
// Each life of the process gets a burst of signed deliveries (one new deal each, every one raising a
// nudge for its own owner, so each deal has its own DM), plus the deliveries no earlier life answered
// with a 202 (as a CRM retries), and is killed with SIGKILL at a seeded random point: after the k-th
// delivery was accepted, a random time into the burst (while receiving and processing), or at the k-th
// chat.postMessage reaching Slack, before Slack stores it, after it stored it but before it answered,
// or just after it answered. The next life starts on the same data, with the work of the dead ones
// (leases lapse after DEAL_LEASE_MS) and a burst of its own. When the time is up a last life runs to
// the end; Slack's copy of the DMs must then hold every deal's nudge exactly once. The owners have not
// chosen nudges, so that post is the one-time invitation sent in the nudge's place (README "Deal nudges:
// your choice"); it goes out by the same exactly-once path as a nudge.
//
// The kill points fall in four stages: receipt (after the k-th accepted delivery), processing (a random
// time into the burst), posting (a chat.postMessage that never reaches Slack's storage) and marking (a
// post Slack stored, answered or not, that the app has not recorded yet). Each run of four lives visits
// the four stages in a seeded random order, with a seeded random point inside each, and the test fails
// unless every stage was hit by a kill at least once. CRASH_ROUNDS sets how many lives are killed (8; a
// longer soak: CRASH_ROUNDS=100), CRASH_SEED the first life's seed (life n uses seed + n).

const ROUNDS = Math.max(4, Number(process.env.CRASH_ROUNDS ?? 8));
const SEED = Number(process.env.CRASH_SEED ?? 20261212);
const DEALS_PER_LIFE = 24;
const LEASE_MS = 1500;
/** A processing-stage kill comes this many ms at most after the app listens, while the burst is worked. */
const PROCESSING_MS = 1000;

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

const STAGES = ["receipt", "processing", "posting", "marking"] as const;
type Stage = (typeof STAGES)[number];

function stageOf(plan: KillPoint): Stage {
  if (plan.kind === "accepted") return "receipt";
  if (plan.kind === "delay") return "processing";
  return plan.when === "before" ? "posting" : "marking";
}

/** The stage of each life's kill: every four lives visit the four stages, in an order drawn from the seed. */
function stageOrder(rounds: number, seed: number): Stage[] {
  const rand = prng(seed ^ 0x5eed);
  const order: Stage[] = [];
  while (order.length < rounds) {
    const cycle = [...STAGES];
    for (let i = cycle.length - 1; i > 0; i--) {
      const j = rand(i + 1);
      [cycle[i], cycle[j]] = [cycle[j] as Stage, cycle[i] as Stage];
    }
    order.push(...cycle);
  }
  return order.slice(0, rounds);
}

async function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise((r) => child.once("exit", r));
}

describe(`kill -9 at random points (${storeKind})`, () => {
  let storeEnv: Record<string, string>;

  beforeAll(async () => {
    storeEnv = await storeOfItsOwn("deal-coach-kill-");
  });
  afterAll(() => {
    slack.off("chat.postMessage");
  });

  it(
    "posts every deal's nudge exactly once, however often the process is killed",
    async () => {
      const started = Date.now();
      const stages = stageOrder(ROUNDS, SEED);
      const killsAt: Record<Stage, number> = { receipt: 0, processing: 0, posting: 0, marking: 0 };
      const tally = {
        lives: 0,
        startMs: 0,
        kills: 0,
        idle: 0,
        accepted: 0,
        delay: 0,
        post: 0,
        lost: 0,
        doubled: 0,
      };
      const failures: string[] = [];
      const env = { ...storeEnv, DEAL_LEASE_MS: String(LEASE_MS) };
      const deals: string[] = [];
      const unacked = new Set<string>();
      const plans: string[] = [];
      /** Posts Slack holds in a deal owner's DM; each must be the invitation. */
      const postsFor = (id: string) => slack.messages.filter((m) => m.channel === `D_U_owner${id}`).length;
      const notInvitations = () =>
        slack.messages.filter(
          (m) => m.channel.startsWith("D_U_owner") && !JSON.stringify(m.blocks).includes("nudge_invitation"),
        ).length;
      const allPosted = () => unacked.size === 0 && deals.every((id) => postsFor(id) > 0);

      for (let life = 0; ; life++) {
        const last = life >= ROUNDS;
        const rand = prng(SEED + life);
        let plan: KillPoint | undefined;
        if (!last) {
          for (let i = 0; i < DEALS_PER_LIFE; i++) {
            deals.push(`s${SEED}-${life}-${i}`);
            unacked.add(`s${SEED}-${life}-${i}`);
          }
          const stage = stages[life] ?? "receipt";
          plan =
            stage === "receipt"
              ? { kind: "accepted", k: 1 + rand(DEALS_PER_LIFE) }
              : stage === "processing"
                ? { kind: "delay", ms: rand(PROCESSING_MS) }
                : {
                    kind: "post",
                    k: 1 + rand(DEALS_PER_LIFE),
                    when: stage === "posting" ? "before" : rand(2) === 0 ? "posted" : "answered",
                  };
          plans.push(`${life}: ${JSON.stringify(plan)}`);
        }
        const startedAt = Date.now();
        const app = start(env);
        tally.lives++;
        let killed = false;
        const kill = (idle = false) => {
          if (killed) return;
          killed = true;
          app.child.kill("SIGKILL");
          if (idle) tally.idle++;
          else if (plan) {
            tally.kills++;
            tally[plan.kind]++;
            killsAt[stageOf(plan)]++;
          }
        };
        let posts = 0;
        slack.on("chat.postMessage", () => {
          if (plan?.kind !== "post" || killed || ++posts !== plan.k) return undefined;
          if (plan.when === "before") {
            kill();
            return { status: 500 }; // Never reached Slack's storage: nothing posted.
          }
          if (plan.when === "posted")
            kill(); // Stored (the default reply records it), never answered.
          else setImmediate(kill); // Stored and answered; killed before the app can record it.
          return undefined;
        });
        let port: number;
        try {
          port = await app.port;
        } catch (err) {
          failures.push(`life ${life}: ${(err as Error).message.slice(0, 2000)}`);
          kill(true);
          break;
        }
        tally.startMs += Date.now() - startedAt;
        const timer = plan?.kind === "delay" ? setTimeout(kill, plan.ms) : undefined;
        let accepted = 0;
        const queue = [...unacked];
        await Promise.all(
          Array.from({ length: 8 }, async () => {
            for (let id = queue.shift(); id !== undefined && !killed; id = queue.shift()) {
              const res = await send(port, delivery(id)).catch(() => undefined);
              if (res?.status !== 202) continue; // Refused or cut off: sent again to the next life.
              unacked.delete(id);
              if (plan?.kind === "accepted" && ++accepted === plan.k) kill();
            }
          }),
        );
        // The process works until it is killed or has posted everything.
        const deadline = Date.now() + (last ? 120_000 : 60_000);
        while (!killed && !allPosted() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
        clearTimeout(timer);
        if (!last) {
          kill(true); // The point came after the work was done: counted apart, not as a kill point.
          await exited(app.child);
          continue;
        }
        // The last life: give a doubled post time to show (a lease to lapse, a poll), then stop cleanly.
        await new Promise((r) => setTimeout(r, LEASE_MS + 2500));
        app.child.kill("SIGTERM");
        await exited(app.child);
        break;
      }
      slack.off("chat.postMessage");
      if (unacked.size > 0) failures.push(`${unacked.size} deliveries never accepted`);
      for (const id of deals) {
        const n = postsFor(id);
        if (n === 0) tally.lost++;
        if (n > 1) tally.doubled += n - 1;
        if (n !== 1) failures.push(`deal ${id} posted ${n} times`);
      }
      for (const stage of STAGES)
        if (killsAt[stage] === 0) failures.push(`no kill landed in the ${stage} stage`);
      if (failures.length > 0) failures.push(`kill points: ${plans.join("; ")}`);
      console.log(
        `crash test (${storeKind}): ${tally.lives} process starts, ${deals.length} deals, ` +
          `kill points ${tally.kills} (receipt ${killsAt.receipt}, processing ${killsAt.processing}, ` +
          `posting ${killsAt.posting}, marking ${killsAt.marking}; ${tally.idle} more after the work was done), ` +
          `lost ${tally.lost}, doubled ${tally.doubled}, first seed ${SEED}, ` +
          `${Math.round(tally.startMs / tally.lives)} ms per start to listen, ${Math.round((Date.now() - started) / 1000)} s`,
      );
      expect(failures).toEqual([]);
      expect(tally.lost + tally.doubled).toBe(0);
      expect(notInvitations()).toBe(0);
    },
    60_000 + ROUNDS * 15_000,
  );
});
