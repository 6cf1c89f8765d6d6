import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import { DIST_CLI } from "../support/cli.js";
import { createdDataDir } from "../support/data-dir.js";
import { FakeSlack } from "../support/fake-slack.js";
import {
  appMention,
  BOT_USER_ID,
  eventCallbackPayload,
  nextTs,
  slashCommand,
  USER_ID,
} from "../support/slack-payloads.js";

describe("Socket Mode", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("socket");
  });
  afterAll(async () => {
    await h?.close();
  });

  it("connects with the app token through SLACK_API_URL", () => {
    const open = h.slack.callsTo("apps.connections.open");
    expect(open.length).toBeGreaterThanOrEqual(1);
    expect(open[0]?.token).toBe("xapp-test-token");
  });

  it("acks /coach and replies privately", async () => {
    const from = h.slack.responses.length;
    const ack = await h.slack.sendEnvelope("slash_commands", {
      ...slashCommand({ text: "budget got frozen until next fiscal year" }),
    });
    expect(ack).toBeDefined();
    const post = await h.slack.waitForResponse(() => true, { from });
    expect(JSON.stringify(post.body)).toContain("budget");
    // ...and, the first time, the weekly invitation by DM; wait for it so later counts are exact.
    await h.slack.waitFor((c) => c.method === "chat.postMessage" && c.args.channel === USER_ID);
  });

  it("answers a mention once even when the envelope is retried", async () => {
    const payload = eventCallbackPayload(
      appMention({ text: `<@${BOT_USER_ID}> we lost to the incumbent`, ts: nextTs() }),
      {
        eventId: "Ev_SOCKET_RETRY",
      },
    );
    const from = h.slack.calls.length;
    await h.slack.sendEnvelope("events_api", payload);
    await h.slack.sendEnvelope("events_api", payload, { retryAttempt: 1, retryReason: "timeout" });
    await h.slack.waitFor((c) => c.method === "chat.postMessage", { from });
    await new Promise((r) => setTimeout(r, 300));
    expect(h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage")).toHaveLength(1);
  });

  it("still serves /healthz on PORT", async () => {
    const res = await fetch(`${h.url}/healthz`);
    expect(await res.json()).toMatchObject({ status: "ok", mode: "socket" });
  });
});

describe("Socket Mode with the work queue full", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("socket", "info", { SLACK_WORK_CONCURRENCY: "1", SLACK_WORK_WAITING: "1" });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("acks every envelope at once and answers the ones past the bound 'busy' through their response_url", async () => {
    let lift!: () => void;
    const lifted = new Promise<void>((resolve) => {
      lift = resolve;
    });
    h.slack.onResponse(async () => {
      await lifted;
      return undefined;
    });
    const acks = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        h.slack.sendEnvelope(
          "slash_commands",
          slashCommand({
            text: "they went quiet after the pricing call",
            user_id: `U_SOCK${i}`,
            response_url: h.slack.responseUrl(`sock-${i}`),
          }),
          { timeoutMs: 3000 },
        ),
      ),
    );
    expect(acks).toHaveLength(4);
    const busy = () => h.slack.responses.filter((p) => JSON.stringify(p.body).includes("swamped"));
    await eventually(() => expect(busy()).toHaveLength(2));
    expect(h.running.work.stats).toMatchObject({ running: 1, waiting: 1, turnedAway: 2 });
    lift();
    await eventually(() => expect(new Set(h.slack.responses.map((p) => p.id)).size).toBe(4), 20_000);
    expect(busy()).toHaveLength(2);
  });
});

describe("the real process", () => {
  // From source, as `npm run dev` runs it, and as `deal-coach start` from the bundled bin (the bundle
  // leaves the app out and loads dist/main.js; a wrong path there would only show in this process).
  it.each([
    ["src/main.ts", ["--import", "tsx", join(PACKAGE_ROOT, "src", "main.ts")]],
    ["deal-coach start (dist/cli.js)", [DIST_CLI, "start"]],
  ])(
    "%s starts on the embedded store, and on SIGTERM finishes, closes the store and exits 0",
    async (_, argv) => {
      const slack = await FakeSlack.start();
      // Created already: what is tested is a start and stop of the real process, not the first creation.
      const dataDir = await createdDataDir("deal-coach-main-");
      const child = spawn(process.execPath, argv, {
        cwd: PACKAGE_ROOT,
        env: {
          ...process.env,
          SLACK_APP_TOKEN: "xapp-proc",
          SLACK_BOT_TOKEN: "xoxb-proc",
          SLACK_SIGNING_SECRET: "",
          SLACK_API_URL: slack.apiUrl,
          PORT: "0",
          DATA_DIR: dataDir,
          DATABASE_URL: "",
          LOG_LEVEL: "info",
        },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      child.stdout.on("data", (d) => {
        out += d;
      });
      child.stderr.on("data", (d) => {
        out += d;
      });
      const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      try {
        // A process that dies on start fails the test at once, with what it printed.
        await Promise.race([
          slack.socketConnected({ timeoutMs: 60_000 }),
          exit.then((code) => {
            throw new Error(`exited ${code} before connecting: ${out}`);
          }),
        ]);
        const port = await waitFor(() => out.match(/"port":(\d+)/)?.[1], 30_000);
        expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
        const from = slack.responses.length;
        await slack.sendEnvelope("slash_commands", {
          ...slashCommand({ text: "they went dark after the demo" }),
        });
        await slack.waitForResponse(() => true, { from, timeoutMs: 10_000 });
        child.kill("SIGTERM");
        expect(await exit).toBe(0);
        expect(out).toContain("Deal Coach stopped");
        expect(out).not.toContain("xoxb-proc");
      } finally {
        child.kill("SIGKILL");
        await slack.close();
      }
    },
    120_000,
  );
});

async function waitFor<T>(get: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
