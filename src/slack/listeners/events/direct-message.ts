import type { WebClient } from "@slack/web-api";
import type { CoachQuestion } from "../../../coaching/coach.js";
import { aboutThePerson } from "../../../coaching/person.js";
import { coachAndRecord, deeperAndRecord } from "../../coach-replies.js";
import { answerOnceInThread } from "../../reply.js";
import type { Services } from "../../services.js";

// A DM in the Messages tab gets coaching in a thread on that message; a reply in the thread goes deeper
// on the last question asked there, and never repeats a question already asked in it.

export interface DirectMessageInput {
  teamId: string;
  channel: string;
  user: string;
  text: string;
  ts: string;
  threadTs?: string;
  requestId?: string;
}

export async function handleDirectMessage(
  services: Services,
  client: WebClient,
  input: DirectMessageInput,
): Promise<void> {
  const key = { teamId: input.teamId, userId: input.user };
  await answerOnceInThread(
    services,
    client,
    { channel: input.channel, ts: input.ts, threadTs: input.threadTs },
    "direct message",
    input.requestId,
    async (reply, threadTs) => {
      reply.thinking();
      const threadKey = `${input.channel}:${threadTs}`;
      let lead: CoachQuestion | undefined;
      // A reply about the rep themselves is not a cue to go deeper on a deal question (docs/person.md).
      if (input.threadTs && !aboutThePerson(input.text)) {
        // Going deeper: a follow-up on the most recent question in this thread that still has one.
        for (const id of await services.store.recentQuestionIds(key, { threadKey })) {
          lead = await deeperAndRecord(services, key, id, "dm", threadKey);
          if (lead) break;
        }
      }
      const { rendered } = await coachAndRecord(services, {
        key,
        text: input.text,
        surface: "dm",
        requestId: input.requestId,
        threadKey,
        lead: lead ? [lead] : undefined,
        maxQuestions: lead ? 1 : undefined,
      });
      await reply.send(rendered);
      services.logger.info(
        { requestId: input.requestId, team: key.teamId, user: key.userId, surface: "dm" },
        "coached",
      );
    },
  );
}
