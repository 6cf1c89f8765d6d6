import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ACTION } from "../../src/slack/ids.js";
import { eventually, type Harness, startHarness } from "../support/app-harness.js";
import type { ResponsePost } from "../support/fake-slack.js";
import { appMention, BOT_USER_ID, blockActions, messageIm, nextTs } from "../support/slack-payloads.js";

// The bound on post-ack work, with the real Bolt app and signed requests: a fake Slack whose response_url
// stalls holds the running jobs, so the queue fills exactly as it would behind a slow Slack.

const CONCURRENCY = 2;
const WAITING = 3;
/** Slack gives an ack 3 s; the machine is shared, so this is the bound, not a measure. */
const ACK_WITHIN_MS = 2500;

const isBusy = (body: unknown) => JSON.stringify(body).includes("swamped");

/** A response_url stall the test lifts when it chooses: every POST to a path starting with `prefix` waits. */
function stallResponses(h: Harness, prefix: string) {
  let lift!: () => void;
  const lifted = new Promise<void>((resolve) => {
    lift = resolve;
  });
  h.slack.onResponse(async (_body, post) => {
    if (post.id.startsWith(prefix)) await lifted;
    return undefined;
  });
  return lift;
}

async function timedCommand(h: Harness, id: string, text: string, user: string) {
  const started = performance.now();
  const res = await h.command({ text, user_id: user, response_url: h.slack.responseUrl(id) });
  return { status: res.status, ms: performance.now() - started };
}

const postsTo = (h: Harness, prefix: string): ResponsePost[] =>
  h.slack.responses.filter((p) => p.id.startsWith(prefix));

describe("bounded work after the ack", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness("http", "info", {
      SLACK_WORK_CONCURRENCY: String(CONCURRENCY),
      SLACK_WORK_WAITING: String(WAITING),
    });
  });
  afterEach(async () => {
    await h?.close();
  });

  it("acks a burst at once, answers what the queue cannot take 'busy', and everything once the stall ends", async () => {
    const lift = stallResponses(h, "burst-");
    const n = 12;
    const acks = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        timedCommand(h, `burst-${i}`, `deal ${i}: they went quiet after the pricing call`, `U_BURST${i}`),
      ),
    );
    for (const ack of acks) {
      expect(ack.status).toBe(200);
      expect(ack.ms).toBeLessThan(ACK_WITHIN_MS);
    }
    const excess = n - CONCURRENCY - WAITING;
    // While stalled: the two running jobs have reached their response_url, and every request past the
    // bound has its busy reply there; the waiting ones have not started.
    await eventually(() => {
      expect(postsTo(h, "burst-").filter((p) => isBusy(p.body))).toHaveLength(excess);
      expect(postsTo(h, "burst-").filter((p) => !isBusy(p.body))).toHaveLength(CONCURRENCY);
    }, 10_000);
    expect(h.running.work.stats).toMatchObject({
      running: CONCURRENCY,
      waiting: WAITING,
      turnedAway: excess,
      busySkipped: 0,
    });
    lift();
    await eventually(() => {
      const answered = new Set(postsTo(h, "burst-").map((p) => p.id));
      expect(answered.size).toBe(n);
    }, 20_000);
    const posts = postsTo(h, "burst-");
    expect(posts).toHaveLength(n); // each request answered once: coached or told to ask again
    expect(posts.filter((p) => isBusy(p.body))).toHaveLength(excess);
    for (const p of posts.filter((p) => !isBusy(p.body))) expect(JSON.stringify(p.body)).toMatch(/\?/);
    const busy = posts.find((p) => isBusy(p.body))?.body as { response_type?: string; text?: string };
    expect(busy.response_type).toBe("ephemeral");
    expect(busy.text).toMatch(/ask again in a minute/);
    await eventually(() => expect(h.running.work.stats).toMatchObject({ running: 0, waiting: 0 }));
    // The bound held the whole time.
    expect(h.running.work.stats.peakRunning).toBe(CONCURRENCY);
    expect(h.running.work.stats.peakWaiting).toBe(WAITING);
    // ...and said so in the log, once when it filled and once when it had room again.
    expect(h.logs.filter((l) => String(l.msg).includes("work queue is full"))).toHaveLength(1);
    expect(h.logs.filter((l) => String(l.msg).includes("has room again"))).toHaveLength(1);
  });

  it("answers a mention and a DM 'busy' in their thread, and a button privately, when the queue is full", async () => {
    const lift = stallResponses(h, "fill-");
    await Promise.all(
      Array.from({ length: CONCURRENCY + WAITING }, (_, i) =>
        timedCommand(h, `fill-${i}`, "budget got frozen until next year", `U_FILL${i}`),
      ),
    );
    await eventually(() => expect(h.running.work.stats).toMatchObject({ running: 2, waiting: 3 }));

    const mentionTs = nextTs();
    const from = h.slack.calls.length;
    const mention = await h.event(
      appMention({ text: `<@${BOT_USER_ID}> we lost to the incumbent`, ts: mentionTs, user: "U_BUSY_M" }),
    );
    expect(mention.status).toBe(200);
    const inThread = await h.slack.waitFor(
      (c) => c.method === "chat.postMessage" && c.args.thread_ts === mentionTs,
      { from },
    );
    expect(isBusy(inThread.args)).toBe(true);

    const dmTs = nextTs();
    expect((await h.event(messageIm({ text: "champion left", ts: dmTs, user: "U_BUSY_D" }))).status).toBe(
      200,
    );
    const dm = await h.slack.waitFor((c) => c.method === "chat.postMessage" && c.args.thread_ts === dmTs, {
      from,
    });
    expect(isBusy(dm.args)).toBe(true);

    const click = await h.interact(
      blockActions({
        action_id: ACTION.anotherAngle,
        value: JSON.stringify({ s: "they went quiet", x: [] }),
        user: "U_BUSY_B",
        message: null,
        container: { type: "message", is_ephemeral: true },
        response_url: h.slack.responseUrl("click-busy"),
      }),
    );
    expect(click.status).toBe(200);
    const clicked = await h.slack.waitForResponse((p) => p.id === "click-busy");
    expect(isBusy(clicked.body)).toBe(true);
    expect(clicked.body).toMatchObject({ response_type: "ephemeral", replace_original: false });

    // Nothing of those three was queued: after the stall only the five /coach are answered.
    expect(h.running.work.stats).toMatchObject({ running: 2, waiting: 3, turnedAway: 3 });
    lift();
    await eventually(() => expect(new Set(postsTo(h, "fill-").map((p) => p.id)).size).toBe(5), 20_000);
    await eventually(() => expect(h.running.work.stats).toMatchObject({ running: 0, waiting: 0 }));
    const coached = h.slack.calls
      .slice(from)
      .filter((c) => c.method === "chat.postMessage" && !isBusy(c.args) && c.args.thread_ts !== undefined);
    expect(coached).toHaveLength(0);
  });

  it("shutdown waits for the running and the waiting jobs before it closes the store", async () => {
    const lift = stallResponses(h, "drain-");
    await Promise.all(
      Array.from({ length: CONCURRENCY + WAITING }, (_, i) =>
        timedCommand(h, `drain-${i}`, "they asked for a discount again", `U_DRAIN${i}`),
      ),
    );
    await eventually(() => expect(h.running.work.stats).toMatchObject({ running: 2, waiting: 3 }));
    const stopped = h.running.stop();
    await new Promise((r) => setTimeout(r, 300));
    lift();
    await stopped;
    const posts = postsTo(h, "drain-");
    expect(new Set(posts.map((p) => p.id)).size).toBe(5);
    expect(posts.filter((p) => isBusy(p.body))).toHaveLength(0);
    expect(h.logs.filter((l) => l.msg === "listener failed")).toHaveLength(0);
    expect(h.logs.filter((l) => String(l.msg).includes("shutdown timed out"))).toHaveLength(0);
    expect(h.logs.some((l) => l.msg === "Deal Coach stopped")).toBe(true);
  });
});
