import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signDeals } from "../../src/deals/sources/index.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { runCli } from "../support/cli.js";
import { FakeSlack, postToApp } from "../support/fake-slack.js";

// Exactly once across a crash: a process commits deliveries to the inbox (202) and is killed with
// SIGKILL before it processes them; the next process on the same data directory processes each exactly
// once, and a CRM retry of the same events is a duplicate.

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

function delivery(i: number): string {
  return JSON.stringify({
    event_id: `crash-${i}`,
    occurred_at: new Date(Date.now() - 60_000 + i).toISOString(),
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
