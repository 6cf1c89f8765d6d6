import type { Stage } from "../../../coaching/taxonomy.js";
import { isStage } from "../../../coaching/taxonomy.js";
import type { UserKey } from "../../../store/types.js";
import { notice, type Rendered } from "../../blocks/messages.js";
import { situationMetadata } from "../../button-values.js";
import { coachAndRecord } from "../../coach-replies.js";
import { INPUT } from "../../ids.js";
import { isResponseUrl, OneReply, responseUrlWay, threadWay } from "../../one-reply.js";
import { busyEphemeral, busyInThread, errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { inputError, postToResponseUrl, submitter, type ViewArgs } from "./submission.js";
import { inputValue } from "./view-values.js";

// "/coach" alone opens a form (deal, stage, what happened); its submission is coached privately where the
// command was typed (its response_url), else by DM.

export interface Situation {
  key: UserKey;
  happened: string;
  deal?: string;
  stage?: Stage;
  /** The response_url of the /coach that opened the form; none on an old modal. */
  responseUrl?: string;
  requestId: string | undefined;
}

export type CoachSituation = (services: Services, client: ViewArgs["client"], s: Situation) => Promise<void>;

/** Coaches on the form's situation; one reply (one-reply.ts); a failure is told kindly. */
export const coachSituation: CoachSituation = async (services, client, s) => {
  const dm = threadWay(client, s.key.userId, undefined, services.logger);
  const post = async (m: Rendered) => {
    if (!(await postToResponseUrl(s.responseUrl, m))) await dm.post(m);
  };
  const reply = new OneReply(
    isResponseUrl(s.responseUrl) ? responseUrlWay(s.responseUrl, post, services.logger) : dm,
    services.coacher.usesModel,
    services.logger,
    s.requestId,
  );
  try {
    reply.thinking();
    const { rendered } = await coachAndRecord(services, {
      key: s.key,
      text: s.deal ? `${s.deal}: ${s.happened}` : s.happened,
      stage: s.stage,
      surface: "command",
      requestId: s.requestId,
    });
    await reply.send(rendered);
  } catch (err) {
    services.logger.error({ err: errorSummary(err), requestId: s.requestId }, "situation modal failed");
    const sorry = notice("Sorry, I couldn't coach on that just now. Please try `/coach` again.");
    // In the placeholder's place when there is one; otherwise by DM, as it always was.
    await (reply.holding ? reply.send(sorry) : dm.post(sorry)).catch(() => undefined);
  }
};

export function situationSubmitted(services: Services, coach: CoachSituation = coachSituation) {
  return async ({ ack, body, view, client, context }: ViewArgs): Promise<void> => {
    const values = view.state.values;
    const happened = inputValue(values, INPUT.happened)?.trim();
    if (!happened) {
      await ack(inputError(INPUT.happened[0], "Tell me a little about what happened."));
      return;
    }
    await ack();
    const key = submitter(body);
    const stage = inputValue(values, INPUT.stage);
    const situation: Situation = {
      key,
      happened,
      deal: inputValue(values, INPUT.deal)?.trim() || undefined,
      stage: stage && isStage(stage) ? stage : undefined,
      responseUrl: situationMetadata.decode(view.private_metadata)?.responseUrl,
      requestId: context.requestId,
    };
    await services.work.run(
      () => coach(services, client, situation),
      // No response_url (an old modal): the busy reply comes by DM.
      busyEphemeral(situation.responseUrl) ?? busyInThread(client, key.userId),
    );
  };
}
