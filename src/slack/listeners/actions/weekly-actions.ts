import type { UserKey } from "../../../store/types.js";
import { notice, staleButton } from "../../blocks/messages.js";
import { type WEEKLY_ACTION, weeklyAnswerModal } from "../../blocks/weekly.js";
import { weeklyAnswerMetadata, weeklyValue } from "../../button-values.js";
import type { Services } from "../../services.js";
import { pauseWeekly, setWeekly } from "../../weekly-opt-in.js";
import { type ButtonArgs, buttonListener, clicker, type Tell } from "./button.js";

// Buttons on a weekly prompt (Answer, Skip this week, Pause 4 weeks, Stop), on the 3-week question
// (Keep, Pause, Stop) and on the invitation (opt in). Each answers privately with when the next one comes.
// One handler per button, in a table (src/slack/listeners/README.md): the listener acks and runs one.

type WeeklyKind = keyof typeof WEEKLY_ACTION;

interface Click {
  services: Services;
  args: ButtonArgs;
  tell: Tell;
  /** Who clicked. */
  key: UserKey;
  /** The button's value, read; undefined when it cannot be (a button from an older message). */
  value: ReturnType<typeof weeklyValue.decode>;
  now: Date;
}

/** Opens the answer modal; a value we can't read still opens it, on the message's own words. */
async function openAnswer({ services, args, value }: Click): Promise<void> {
  const prompt = value ? services.library.reflections.find((r) => r.id === value.prompt) : undefined;
  const text =
    prompt?.text ??
    (args.body.message as { text?: string } | undefined)?.text ??
    "What stood out in your week?";
  await args.client.views.open({
    trigger_id: args.body.trigger_id,
    view: weeklyAnswerModal(
      text,
      weeklyAnswerMetadata.encode({
        prompt: value?.prompt ?? null,
        week: value?.week ?? null,
        question: text.slice(0, 500),
      }) ?? "",
    ),
  });
}

/** Skipping is an answer of sorts: it doesn't count toward the unanswered weeks. */
async function skipWeek({ services, key, tell, value, now }: Click): Promise<void> {
  if (!value) {
    await tell(staleButton("The next question comes at the usual time; just leave this one."));
    return;
  }
  await services.store.weekly.markAnswered(key, value.week, now);
  await tell(notice("Skipped this week. The next question comes at the usual time."));
}

/** Turns the weekly prompts on or off, and says when the next one comes (or that none will). */
const turnTo =
  (on: boolean) =>
  async ({ services, args, key, tell, now }: Click) =>
    tell(notice(await setWeekly(services.store, args.client, key, { on }, now)));

const HANDLERS: Record<WeeklyKind, (click: Click) => Promise<unknown>> = {
  answer: openAnswer,
  skip: skipWeek,
  pause: async ({ services, key, tell, now }) => tell(notice(await pauseWeekly(services.store, key, 4, now))),
  stop: turnTo(false),
  keep: turnTo(true),
  optIn: turnTo(true),
};

export function weeklyAction(services: Services, kind: WeeklyKind) {
  return buttonListener(services, `weekly ${kind}`, async (args, tell) => {
    await HANDLERS[kind]({
      services,
      args,
      tell,
      key: clicker(args.body),
      value: weeklyValue.decode(args.action.value),
      now: new Date(),
    });
  });
}
