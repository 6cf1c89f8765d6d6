import { FALLBACK_QUESTION } from "../../../coaching/coach.js";
import type { UserKey } from "../../../store/types.js";
import { reflectSavedView } from "../../blocks/modals.js";
import { reflectMetadata } from "../../button-values.js";
import { INPUT } from "../../ids.js";
import { errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { inputError, submitter, type ViewArgs } from "./submission.js";
import { inputValue } from "./view-values.js";

// Reflect: stored privately, never posted. The store write happens before the ack so a failure can be
// shown in the modal instead of losing the user's words.

export type SaveReflection = (
  services: Services,
  key: UserKey,
  reflection: { questionIds: string[]; answer: string },
) => Promise<void>;

/** Stores the answer with the text of the questions it reflects on (the library's, by id). */
export const saveReflection: SaveReflection = async (services, key, { questionIds, answer }) => {
  const texts = questionIds.map(
    (id) =>
      services.library.questions.get(id)?.text ??
      (id === FALLBACK_QUESTION.id ? FALLBACK_QUESTION.text : undefined),
  );
  const questionText = texts.filter(Boolean).join(" / ") || FALLBACK_QUESTION.text;
  await services.store.addReflection(key, { questionId: questionIds[0] ?? null, questionText, answer });
};

export function reflectSubmitted(services: Services, save: SaveReflection = saveReflection) {
  return async ({ ack, body, view, context }: ViewArgs): Promise<void> => {
    const answer = inputValue(view.state.values, INPUT.answer)?.trim();
    if (!answer) {
      await ack(inputError(INPUT.answer[0], "Write a few words, or press Cancel."));
      return;
    }
    const key = submitter(body);
    const questionIds = reflectMetadata.decode(view.private_metadata)?.questions ?? [];
    try {
      await save(services, key, { questionIds, answer });
    } catch (err) {
      services.logger.error(
        { err: errorSummary(err), requestId: context.requestId },
        "saving a reflection failed",
      );
      await ack(inputError(INPUT.answer[0], "Sorry, I couldn't save that just now. Please try again."));
      return;
    }
    await ack({ response_action: "update", view: reflectSavedView() });
    services.logger.info(
      { requestId: context.requestId, team: key.teamId, user: key.userId },
      "reflection saved",
    );
  };
}
