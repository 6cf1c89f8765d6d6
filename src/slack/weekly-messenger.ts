import type { WebClient } from "@slack/web-api";
import type { WeeklyMessenger, WeeklyOutgoing, WorkspaceDms } from "../reflection/messenger.js";
import { keepGoingMessage, WEEKLY_EVENT_TYPE, weeklyPromptMessage } from "./blocks/weekly.js";
import type { SlackClients } from "./clients.js";

// The Slack side of the weekly reflection (docs/architecture.md "Layers"): renders the weekly sender's
// message models into Block Kit and posts them through the one client factory (clients.ts), each with
// its ISO week in the message metadata; after a crash, finds a week's DM again by that metadata. Pacing,
// leases and exactly-once stay in src/reflection/sender.ts.

/** How far before the send's due time the history is read: clocks disagree, a pass starts late. */
const LOOK_BACK_S = 3600;

function render(message: WeeklyOutgoing) {
  if (message.kind === "keep_going") {
    const { text, blocks } = keepGoingMessage();
    return { text, blocks };
  }
  const { text, blocks } = weeklyPromptMessage(message.prompt, message.week);
  return { text, blocks };
}

export function weeklyMessenger(clients: Pick<SlackClients, "clientFor">): WeeklyMessenger {
  return {
    async workspace(teamId) {
      // The one client factory keeps the workspace's client and token in memory and refreshes a rotating
      // token before it expires, so this costs no statement per prompt.
      const client = await clients.clientFor(teamId);
      return workspaceDms(client);
    },
  };
}

function workspaceDms(client: WebClient): WorkspaceDms {
  return {
    async post(userId, message) {
      // A user id as the channel posts in the app's DM with that user: no conversations.open.
      const posted = await client.chat.postMessage({
        channel: userId,
        ...render(message),
        metadata: { event_type: WEEKLY_EVENT_TYPE, event_payload: { week: message.week } },
      } as never);
      return { channel: posted.channel, ts: posted.ts };
    },

    async findSent(userId, week, since) {
      const opened = await client.conversations.open({ users: userId });
      const channel = opened.channel?.id;
      if (!channel) throw new Error("conversations.open returned no channel");
      const oldest = String(Math.floor(since.getTime() / 1000) - LOOK_BACK_S);
      const history = await client.conversations.history({
        channel,
        oldest,
        include_all_metadata: true,
        limit: 50,
      });
      const hit = (history.messages ?? []).find((m) => {
        const meta = (m as { metadata?: { event_type?: string; event_payload?: { week?: string } } })
          .metadata;
        return meta?.event_type === WEEKLY_EVENT_TYPE && meta.event_payload?.week === week;
      });
      return hit?.ts ? { channel, ts: hit.ts } : undefined;
    },
  };
}
