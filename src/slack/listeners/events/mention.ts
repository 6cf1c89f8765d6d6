import type { WebClient } from "@slack/web-api";
import { notice } from "../../blocks/messages.js";
import { coachAndRecord } from "../../coach-replies.js";
import { stripMention } from "../../mentions.js";
import { answerOnceInThread, postPrivatelyInThread } from "../../reply.js";
import type { Services } from "../../services.js";

// "@Deal Coach ..." in a channel or thread: reply in the thread, once per message. Slack delivers the same
// post as app_mention and as message.channels; both arrive here and channel+ts decides which one answers.

export interface MentionInput {
  teamId: string;
  channel: string;
  user: string;
  text: string;
  ts: string;
  threadTs?: string;
  botUserId?: string;
  requestId?: string;
}

/** Earlier messages in the thread that were addressed to the bot: the only thread context it uses. */
async function threadContext(client: WebClient, input: MentionInput): Promise<string[]> {
  if (!input.threadTs || !input.botUserId) return [];
  const replies = await client.conversations.replies({
    channel: input.channel,
    ts: input.threadTs,
    limit: 50,
  });
  const tag = `<@${input.botUserId}`;
  return (replies.messages ?? [])
    .filter((m) => m.ts !== input.ts && !m.bot_id && typeof m.text === "string" && m.text.includes(tag))
    .map((m) => stripMention(m.text as string, input.botUserId));
}

export async function handleMention(
  services: Services,
  client: WebClient,
  input: MentionInput,
): Promise<void> {
  await answerOnceInThread(
    services,
    client,
    { channel: input.channel, ts: input.ts, threadTs: input.threadTs },
    "mention",
    input.requestId,
    async (reply, threadTs) => {
      const own = stripMention(input.text, input.botUserId);
      const earlier = await threadContext(client, input);
      const text = [...earlier, own].filter(Boolean).join("\n");
      if (text === "") {
        await reply.send(
          notice(
            "Tell me what's going on in the deal (\"@Deal Coach they went quiet after pricing\") and I'll ask a question or two.",
          ),
        );
        return;
      }
      reply.thinking();
      const key = { teamId: input.teamId, userId: input.user };
      const { result, rendered } = await coachAndRecord(services, {
        key,
        text,
        surface: "mention",
        requestId: input.requestId,
        threadKey: `${input.channel}:${threadTs}`,
      });
      // About the rep themselves: in a channel, only they see the caring questions (docs/person.md).
      if (result.person)
        await reply.elsewhere(() =>
          postPrivatelyInThread(client, { channel: input.channel, user: input.user, threadTs }, rendered),
        );
      else await reply.send(rendered);
      services.logger.info(
        { requestId: input.requestId, team: key.teamId, user: key.userId, surface: "mention" },
        "coached",
      );
    },
  );
}
