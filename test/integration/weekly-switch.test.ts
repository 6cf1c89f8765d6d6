import { describe, expect, it } from "vitest";
import { WEEKLY_EVENT_TYPE } from "../../src/slack/blocks/weekly.js";
import type { Store } from "../../src/store/types.js";
import { eventually, startHarness } from "../support/app-harness.js";
import { TEAM_ID } from "../support/slack-payloads.js";
import { testStore } from "../support/store.js";

// The weekly poller has its own switch, WEEKLY_WORKER (README "Configuration"): a webhook-only process
// (DEAL_WORKER=off) still sends the weekly prompts, and WEEKLY_WORKER=off sends none whatever
// DEAL_WORKER says. The poller's first pass comes a second after start-up.

const key = { teamId: TEAM_ID, userId: "U_WEEKLY" };

/** A store with one rep whose weekly prompt fell due a minute ago. */
async function storeWithDuePrompt(): Promise<Store> {
  const store = await testStore();
  await store.upsertUser(key, {
    tz: "Europe/London",
    settings: { weekly: { enabled: true, day: 5, time: "15:00" } },
  });
  await store.weekly.saveSchedule(key, { enabled: true, nextRunAt: new Date(Date.now() - 60_000) });
  return store;
}

const weeklyPosts = (calls: Array<{ args: Record<string, unknown> }>) =>
  calls.filter((c) => (c.args.metadata as { event_type?: string })?.event_type === WEEKLY_EVENT_TYPE);

describe("WEEKLY_WORKER", () => {
  it("sends the due prompt with DEAL_WORKER=off (the switches are independent)", async () => {
    const h = await startHarness("http", "silent", { DEAL_WORKER: "off" }, await storeWithDuePrompt());
    try {
      await eventually(
        () => expect(weeklyPosts(h.slack.callsTo("chat.postMessage"))).toHaveLength(1),
        15_000,
      );
      expect(weeklyPosts(h.slack.callsTo("chat.postMessage"))[0]?.args.channel).toBe(key.userId);
    } finally {
      await h.close();
    }
  }, 30_000);

  it("sends nothing with WEEKLY_WORKER=off, even with DEAL_WORKER=on", async () => {
    const h = await startHarness(
      "http",
      "silent",
      { WEEKLY_WORKER: "off", DEAL_WORKER: "on" },
      await storeWithDuePrompt(),
    );
    try {
      // Three times the poller's first delay: a running poller would have posted by now.
      await new Promise((r) => setTimeout(r, 3000));
      expect(weeklyPosts(h.slack.callsTo("chat.postMessage"))).toHaveLength(0);
      expect(await h.store.weekly.getSchedule(key)).toMatchObject({ enabled: true });
    } finally {
      await h.close();
    }
  }, 30_000);
});
