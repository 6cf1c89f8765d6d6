import type { WebClient } from "@slack/web-api";
import {
  RateLimited,
  type WeeklyMessenger,
  type WeeklyOutgoing,
  type WorkspaceDms,
} from "../reflection/messenger.js";
import { keepGoingMessage, WEEKLY_EVENT_TYPE, weeklyPromptMessage } from "./blocks/weekly.js";
import type { SlackClients } from "./clients.js";

// The Slack side of the weekly reflection (docs/architecture.md "Layers"): renders the weekly sender's
// message models into Block Kit and posts them through the one client factory (clients.ts), each with
// its ISO week in the message metadata; after a crash, finds a week's DM again by that metadata. Pacing,
// leases and exactly-once stay in src/reflection/sender.ts. Slack's rate-limit answers become RateLimited,
// which the sender's pacer understands without knowing Slack's error shapes.

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

/**
 * Retry-After of the WebClient's rate-limit error (the clients reject rate-limited calls: clients.ts), or 1 s
 * for an ok:false ratelimited answer; undefined for anything else.
 */
export function slackRetryAfter(err: unknown): number | undefined {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e?.code === "slack_webapi_rate_limited_error") return e.retryAfter ?? 1;
  if (e?.data?.error === "ratelimited") return 1;
  return undefined;
}

/** Runs a Web API call, turning Slack's rate-limit answer into RateLimited. */
async function limited<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const retryAfter = slackRetryAfter(err);
    throw retryAfter === undefined ? err : new RateLimited(retryAfter);
  }
}

function workspaceDms(client: WebClient): WorkspaceDms {
  return {
    post: (userId, message) => limited(() => post(client, userId, message)),
    findSent: (userId, week, since) => limited(() => findSent(client, userId, week, since)),
  };
}

async function post(client: WebClient, userId: string, message: WeeklyOutgoing) {
  // A user id as the channel posts in the app's DM with that user: no conversations.open.
  const posted = await client.chat.postMessage({
    channel: userId,
    ...render(message),
    metadata: { event_type: WEEKLY_EVENT_TYPE, event_payload: { week: message.week } },
  });
  return { channel: posted.channel, ts: posted.ts };
}

async function findSent(client: WebClient, userId: string, week: string, since: Date) {
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
    const meta = (m as { metadata?: { event_type?: string; event_payload?: { week?: string } } }).metadata;
    return meta?.event_type === WEEKLY_EVENT_TYPE && meta.event_payload?.week === week;
  });
  return hit?.ts ? { channel, ts: hit.ts } : undefined;
}
