import type { UserKey } from "../../../store/types.js";
import { reflectSavedView } from "../../blocks/modals.js";
import { WEEKLY_INPUT } from "../../blocks/weekly.js";
import { type WeeklyAnswerMetadata, weeklyAnswerMetadata } from "../../button-values.js";
import { errorSummary } from "../../reply.js";
import type { Services } from "../../services.js";
import { inputError, submitter, type ViewArgs } from "./submission.js";
import { inputValue } from "./view-values.js";

// A weekly answer: stored privately as the user's reflection, and the week marked answered. Saved before
// the ack, so a failure shows in the modal instead of losing the words.

export type SaveWeeklyAnswer = (
  services: Services,
  key: UserKey,
  answer: string,
  /** Undefined when unreadable: the answer is still saved, as a reflection on no particular prompt. */
  prompt: WeeklyAnswerMetadata | undefined,
) => Promise<void>;

export const saveWeeklyAnswer: SaveWeeklyAnswer = async (services, key, answer, prompt) => {
  await services.store.addReflection(key, {
    questionId: prompt?.prompt ?? null,
    questionText: prompt?.question || "Weekly reflection",
    answer,
  });
  if (prompt?.week) await services.store.weekly.markAnswered(key, prompt.week, new Date());
};

export function weeklyAnswerSubmitted(services: Services, save: SaveWeeklyAnswer = saveWeeklyAnswer) {
  return async ({ ack, body, view, context }: ViewArgs): Promise<void> => {
    const answer = inputValue(view.state.values, WEEKLY_INPUT.answer)?.trim();
    if (!answer) {
      await ack(inputError(WEEKLY_INPUT.answer[0], "Write a few words, or press Cancel."));
      return;
    }
    try {
      await save(services, submitter(body), answer, weeklyAnswerMetadata.decode(view.private_metadata));
    } catch (err) {
      services.logger.error(
        { err: errorSummary(err), requestId: context.requestId },
        "saving a weekly answer failed",
      );
      await ack(
        inputError(WEEKLY_INPUT.answer[0], "Sorry, I couldn't save that just now. Please try again."),
      );
      return;
    }
    await ack({ response_action: "update", view: reflectSavedView() });
  };
}
