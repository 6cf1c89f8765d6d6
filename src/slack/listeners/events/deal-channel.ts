import type { WebClient } from "@slack/web-api";
import { linkedDealFields } from "../../../deals/deal-links.js";
import { coachAndRecord } from "../../coach-replies.js";
import { stripMention } from "../../mentions.js";
import { answerOnceInThread, postPrivatelyInThread } from "../../reply.js";
import type { Services } from "../../services.js";

// A deal channel: every top-level message, including a CRM integration's bot posts, is read as a deal
// update and answered once, in its thread, with questions. Never the bot's own posts. A message that links
// a deal we hold (the CRM's record link, in the text or an attachment's title link) is coached with that
// deal's fields too (README "Deal channels").

export interface ChannelMessage {
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  channel: string;
  attachments?: Array<{
    fallback?: string;
    pretext?: string;
    title?: string;
    title_link?: string;
    text?: string;
    fields?: Array<{ title?: string; value?: string }>;
  }>;
}

/** The readable text of a message, including what CRM bots put in attachments. */
export function messageText(m: ChannelMessage): string {
  const parts = [m.text ?? ""];
  for (const a of m.attachments ?? []) {
    parts.push(a.pretext ?? "", a.title ?? "", a.text ?? a.fallback ?? "");
    for (const f of a.fields ?? []) parts.push(`${f.title ?? ""}: ${f.value ?? ""}`);
  }
  return parts.filter((p) => p.trim() !== "").join("\n");
}

export async function isDealChannel(services: Services, teamId: string, channel: string): Promise<boolean> {
  if (services.config.deals.channels.includes(channel)) return true;
  return (await services.store.deals.dealChannels(teamId)).includes(channel);
}

export async function handleDealChannelMessage(
  services: Services,
  client: WebClient,
  input: { teamId: string; message: ChannelMessage; botUserId?: string; botId?: string; requestId?: string },
): Promise<void> {
  const m = input.message;
  const ours = (m.bot_id && m.bot_id === input.botId) || (m.user && m.user === input.botUserId);
  if (ours || m.thread_ts || (m.subtype !== undefined && m.subtype !== "bot_message")) return;
  const text = stripMention(messageText(m), input.botUserId);
  if (text === "") return;
  await answerOnceInThread(
    services,
    client,
    { channel: m.channel, ts: m.ts },
    "deal channel",
    input.requestId,
    async (reply) => {
      reply.thinking();
      // A bot's post has no person behind it: its history is kept per channel.
      const userId = m.user ?? `channel:${m.channel}`;
      const links = [messageText(m), ...(m.attachments ?? []).map((a) => a.title_link ?? "")].join("\n");
      // The deal only adds to the reading: when it can't be read, the message is still answered.
      const deal = await linkedDealFields(services.store.deals, input.teamId, links, new Date()).catch(
        (err: Error) => {
          services.logger.warn(
            { requestId: input.requestId, err: { message: err.message } },
            "linked deal unread",
          );
          return undefined;
        },
      );
      const { result, rendered } = await coachAndRecord(services, {
        key: { teamId: input.teamId, userId },
        text,
        deal,
        surface: "nudge",
        requestId: input.requestId,
        threadKey: `${m.channel}:${m.ts}`,
      });
      if (result.person) {
        // A rep writing about themselves in a shared deal channel: caring questions for their eyes only,
        // nothing recorded (coachAndRecord), nothing logged, no deal reply (docs/person.md). A bot's
        // post has no one to ask; a "thinking" placeholder shown in the thread is taken away.
        const user = m.user;
        if (user)
          await reply.elsewhere(() =>
            postPrivatelyInThread(client, { channel: m.channel, user, threadTs: m.ts }, rendered),
          );
        else await reply.elsewhere(async () => undefined);
        return;
      }
      await reply.send(rendered);
      services.logger.info(
        {
          requestId: input.requestId,
          team: input.teamId,
          channel: m.channel,
          surface: "deal_channel",
          linkedDeal: deal !== undefined,
        },
        "coached",
      );
    },
  );
}
