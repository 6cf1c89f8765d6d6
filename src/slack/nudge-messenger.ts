import type { WebClient } from "@slack/web-api";
import type { FindUserByEmail, NudgeMessenger, NudgeOutgoing, NudgePlace } from "../deals/messenger.js";
import { nudgeBlocks } from "./blocks/nudge.js";
import { nudgeInvitation } from "./blocks/nudge-choice.js";
import type { SlackClients } from "./clients.js";

// The Slack side of deal nudges (docs/architecture.md "Layers"): renders the nudge sender's message
// models into Block Kit and posts them through the one client factory (clients.ts), each carrying the
// nudge's id in its message metadata; after a crash, finds them again by that metadata. Also the owner
// lookup by e-mail. The decisions (whether, when, exactly once) stay in src/deals/nudge-sender.ts.

/** Slack message metadata event_type of every nudge and nudge invitation. */
export const NUDGE_EVENT_TYPE = "deal_coach_nudge";
/** Slack's clock and the store's may disagree a little: the search starts this much before the mark. */
const CLOCK_SLACK_S = 600;
/** Pages of history read looking for a nudge (a DM rarely has more than a page since the mark). */
const MAX_PAGES = 5;

interface NudgeMetadata {
  event_type?: string;
  /** kind is absent on posts from before nudges were chosen: those were nudges. */
  event_payload?: { nudge_id?: string; kind?: NudgeOutgoing["kind"] };
}

function render(message: NudgeOutgoing) {
  if (message.kind === "invitation") return nudgeInvitation(message);
  return nudgeBlocks(message);
}

async function dmOf(client: WebClient, userId: string): Promise<string> {
  const opened = await client.conversations.open({ users: userId });
  const channel = opened.channel?.id;
  if (!channel) throw new Error("conversations.open returned no channel");
  return channel;
}

export function nudgeMessenger(clients: Pick<SlackClients, "clientFor">): NudgeMessenger {
  return {
    async post(teamId: string, place: NudgePlace, nudgeId: string, message: NudgeOutgoing) {
      const client = await clients.clientFor(teamId);
      const channel = place.channel ?? (await dmOf(client, place.userId));
      await client.chat.postMessage({
        channel,
        ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
        ...render(message),
        metadata: { event_type: NUDGE_EVENT_TYPE, event_payload: { nudge_id: nudgeId, kind: message.kind } },
      });
    },

    async alreadyPosted(teamId, place, nudgeId, kind, since) {
      const client = await clients.clientFor(teamId);
      const channel = place.channel ?? (await dmOf(client, place.userId));
      const oldest = String(Math.floor(since.getTime() / 1000) - CLOCK_SLACK_S);
      let cursor: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        const common = {
          channel,
          oldest,
          include_all_metadata: true,
          limit: 200,
          ...(cursor ? { cursor } : {}),
        };
        const answer = place.threadTs
          ? await client.conversations.replies({ ...common, ts: place.threadTs })
          : await client.conversations.history(common);
        const found = (answer.messages ?? []).some((m) => {
          const meta = (m as { metadata?: NudgeMetadata }).metadata;
          return (
            meta?.event_type === NUDGE_EVENT_TYPE &&
            meta.event_payload?.nudge_id === nudgeId &&
            (meta.event_payload.kind ?? "nudge") === kind
          );
        });
        if (found) return true;
        cursor = answer.response_metadata?.next_cursor || undefined;
        if (!answer.has_more || !cursor) return false;
      }
      // Not in the pages read: a DM this busy since the mark is unheard of; posting again is the lesser harm.
      return false;
    },
  };
}

/** users.lookupByEmail: a live human's id, or null (none, a bot, deactivated). */
export function findUserByEmail(clients: Pick<SlackClients, "clientFor">): FindUserByEmail {
  return async (teamId, email) => {
    const client = await clients.clientFor(teamId);
    try {
      const found = await client.users.lookupByEmail({ email });
      const userId = found.user?.id;
      return !userId || found.user?.is_bot || found.user?.deleted ? null : userId;
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      if (code === "users_not_found") return null;
      throw err;
    }
  };
}
