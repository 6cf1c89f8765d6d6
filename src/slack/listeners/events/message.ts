import type { WebClient } from "@slack/web-api";
import { mentions } from "../../mentions.js";
import { busyInThread } from "../../reply.js";
import type { Services } from "../../services.js";
import { type ChannelMessage, handleDealChannelMessage, isDealChannel } from "./deal-channel.js";
import { handleDirectMessage } from "./direct-message.js";
import { type EventArgs, eventTeam } from "./event-args.js";
import { handleMention } from "./mention.js";

// message.*: a deal channel's post, a DM, or a mention in a channel the bot reads, each to its handler.

export interface PlainMessage extends ChannelMessage {
  channel_type?: string;
}

export interface MessageWhere {
  teamId: string;
  botUserId?: string;
  botId?: string;
  requestId: string;
}

/** Sends a message to the one handler it is for, or to none. */
export async function routeMessage(
  services: Services,
  client: WebClient,
  m: PlainMessage,
  where: MessageWhere,
): Promise<void> {
  const { teamId, botUserId, requestId } = where;
  if (m.channel_type !== "im" && (await isDealChannel(services, teamId, m.channel))) {
    await handleDealChannelMessage(services, client, {
      teamId,
      message: m,
      botUserId,
      botId: where.botId,
      requestId,
    });
    return;
  }
  // Edits, deletions, joins and bots (ours included) are not someone asking to be coached.
  if (m.subtype !== undefined || m.bot_id || !m.user || typeof m.text !== "string") return;
  const input = {
    teamId,
    channel: m.channel,
    user: m.user,
    text: m.text,
    ts: m.ts,
    threadTs: m.thread_ts,
    requestId,
  };
  if (m.channel_type === "im") await handleDirectMessage(services, client, input);
  else if (mentions(m.text, botUserId)) await handleMention(services, client, { ...input, botUserId });
}

export function messageEvent(services: Services, route: typeof routeMessage = routeMessage) {
  return async ({ event, client, context, body }: EventArgs<"message">): Promise<void> => {
    // Bolt's message event is a union of every subtype's shape; the router reads the fields they share.
    const m = event as unknown as PlainMessage;
    // Only a person's DM is told we are busy. A mention in a channel also arrives as app_mention, which
    // answers for it; a deal channel's post (often a CRM bot's) is dropped, counted in the queue's log.
    const dm = m.channel_type === "im" && m.subtype === undefined && !m.bot_id && m.user !== undefined;
    const where: MessageWhere = {
      teamId: eventTeam(body, context),
      botUserId: context.botUserId,
      botId: context.botId,
      requestId: context.requestId,
    };
    await services.work.run(
      () => route(services, client, m, where),
      dm ? busyInThread(client, m.channel, m.thread_ts ?? m.ts) : undefined,
    );
  };
}
