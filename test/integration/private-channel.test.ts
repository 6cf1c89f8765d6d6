import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { type Harness, startHarness } from "../support/app-harness.js";
import { appMention, BOT_USER_ID, messageChannels, nextTs } from "../support/slack-payloads.js";

// A mention in a private channel. Slack grants the app what manifest.yml asks for, so the fake Slack
// answers as an app installed from it would: conversations.replies in a private channel is refused with
// missing_scope unless the manifest asks for groups:history, and the channel's messages arrive as
// message.groups only when the manifest subscribes to it.

const manifest = parse(readFileSync(join(PACKAGE_ROOT, "manifest.yml"), "utf8")) as {
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] } };
};
const granted = new Set(manifest.oauth_config.scopes.bot);
const subscribed = new Set(manifest.settings.event_subscriptions.bot_events);

const PRIVATE_CHANNEL = "G0PRIVATE1";

describe("a mention in a private channel", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("http");
  });
  afterAll(async () => {
    await h?.close();
  });

  it("is answered once in its thread, with the thread's earlier mention as context", async () => {
    const root = nextTs();
    h.slack.on("conversations.replies", (args) => {
      if (args.channel === PRIVATE_CHANNEL && !granted.has("groups:history"))
        return { ok: false, error: "missing_scope", needed: "groups:history" };
      return {
        ok: true,
        messages: [
          { ts: root, user: "U_PRIV", text: `<@${BOT_USER_ID}> the incumbent is cheaper and IT likes them` },
          { ts: nextTs(), user: "U_OTHER", text: "our budget got frozen lol" },
        ],
      };
    });
    try {
      const ts = nextTs();
      const text = `<@${BOT_USER_ID}> what now?`;
      const from = h.slack.calls.length;
      // Slack sends the post as app_mention and, to an app subscribed to message.groups, as a message.
      await h.event(appMention({ text, ts, thread_ts: root, channel: PRIVATE_CHANNEL, user: "U_PRIV" }));
      expect(subscribed.has("message.groups")).toBe(true);
      await h.event(
        messageChannels({
          text,
          ts,
          thread_ts: root,
          channel: PRIVATE_CHANNEL,
          channel_type: "group",
          user: "U_PRIV",
        }),
      );
      const post = await h.slack.waitFor((c) => c.method === "chat.postMessage", { from, timeoutMs: 10_000 });
      expect(post.args.channel).toBe(PRIVATE_CHANNEL);
      expect(post.args.thread_ts).toBe(root);
      // The thread was read (the context chose the competition theme), not skipped for want of a scope.
      const replies = h.slack.calls.slice(from).filter((c) => c.method === "conversations.replies");
      expect(replies.length).toBeGreaterThanOrEqual(1);
      expect(JSON.stringify(post.args.blocks)).toContain("competition");
      await new Promise((r) => setTimeout(r, 300));
      expect(h.slack.calls.slice(from).filter((c) => c.method === "chat.postMessage")).toHaveLength(1);
    } finally {
      h.slack.off("conversations.replies");
    }
  });

  it("a mention that arrives only as message.groups is answered too", async () => {
    const ts = nextTs();
    const from = h.slack.calls.length;
    await h.event(
      messageChannels({
        text: `<@${BOT_USER_ID}> they went dark after the demo`,
        ts,
        channel: PRIVATE_CHANNEL,
        channel_type: "group",
        user: "U_PRIV2",
      }),
    );
    const post = await h.slack.waitFor((c) => c.method === "chat.postMessage", { from, timeoutMs: 10_000 });
    expect(post.args.channel).toBe(PRIVATE_CHANNEL);
    expect(post.args.thread_ts).toBe(ts);
  });
});
