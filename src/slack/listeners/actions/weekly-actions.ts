import { notice, staleButton } from "../../blocks/messages.js";
import { type WEEKLY_ACTION, weeklyAnswerModal } from "../../blocks/weekly.js";
import { weeklyAnswerMetadata, weeklyValue } from "../../button-values.js";
import type { Services } from "../../services.js";
import { pauseWeekly, setWeekly } from "../../weekly-opt-in.js";
import { buttonListener, clicker } from "./button.js";

// Buttons on a weekly prompt (Answer, Skip this week, Pause 4 weeks, Stop), on the 3-week question
// (Keep, Pause, Stop) and on the invitation (opt in). Each answers privately with when the next one comes.

export function weeklyAction(services: Services, kind: keyof typeof WEEKLY_ACTION) {
  return buttonListener(services, `weekly ${kind}`, async ({ body, action, client }, tell) => {
    const key = clicker(body);
    const store = services.store;
    const now = new Date();
    const value = weeklyValue.decode(action.value);
    switch (kind) {
      case "answer": {
        // A value we can't read still opens the modal, on the message's own words: the answer is kept.
        const prompt = value ? services.library.reflections.find((r) => r.id === value.prompt) : undefined;
        const text =
          prompt?.text ??
          (body.message as { text?: string } | undefined)?.text ??
          "What stood out in your week?";
        await client.views.open({
          trigger_id: body.trigger_id,
          view: weeklyAnswerModal(
            text,
            weeklyAnswerMetadata.encode({
              prompt: value?.prompt ?? null,
              week: value?.week ?? null,
              question: text.slice(0, 500),
            }) ?? "",
          ),
        });
        return;
      }
      case "skip":
        // Skipping is an answer of sorts: it doesn't count toward the unanswered weeks.
        if (!value) {
          await tell(staleButton("The next question comes at the usual time; just leave this one."));
          return;
        }
        await store.weekly.markAnswered(key, value.week, now);
        await tell(notice("Skipped this week. The next question comes at the usual time."));
        return;
      case "pause":
        await tell(notice(await pauseWeekly(store, key, 4, now)));
        return;
      case "stop":
        await tell(notice(await setWeekly(store, client, key, { on: false }, now)));
        return;
      case "keep":
      case "optIn":
        await tell(notice(await setWeekly(store, client, key, { on: true }, now)));
        return;
    }
  });
}
