import type { Library } from "../coaching/library.js";
import { keepGoingMessage, weeklyPromptMessage } from "../slack/blocks/weekly.js";
import type { WeeklyContext, WeeklySchedule, WeeklySend } from "../store/weekly-types.js";
import { chooseWeeklyPrompt, summarizeWeek } from "./prompt.js";

// What one weekly DM says: the 3-week question once a rep has left three prompts unanswered, otherwise a
// reflection fitted to their week. Reads nothing itself: the context comes with the leased batch.

const UNANSWERED_BEFORE_ASKING = 3;
const RECENT_PROMPT_WEEKS = 8;
/** How many of a rep's sends the context reads: the 8 weeks a prompt is not repeated in, and this one. */
export const RECENT_SENDS_READ = RECENT_PROMPT_WEEKS + 1;

/** The prompt for this rep and week, from the context read with its batch (no statements of its own). */
export function composeWeekly(
  library: Library,
  send: WeeklySend,
  context: WeeklyContext,
  schedule: WeeklySchedule,
  at: Date,
) {
  const previous = context.recentSends.filter((s) => s.week !== send.week && s.status === "sent");
  const lastPrompt = previous.find((s) => s.kind === "prompt");
  const before = schedule.unanswered;
  const unanswered = lastPrompt && !lastPrompt.answeredAt ? before + 1 : before;
  if (unanswered >= UNANSWERED_BEFORE_ASKING) {
    return { body: keepGoingMessage(), kind: "keep_going" as const, promptId: undefined, unanswered };
  }
  const prompt = chooseWeeklyPrompt({
    library,
    week: summarizeWeek(context.deals, at),
    lastAnswer: context.lastAnswer,
    recentPromptIds: previous.map((s) => s.promptId).filter((id): id is string => Boolean(id)),
    seed: `${send.userId}:${send.week}`,
  });
  const built = weeklyPromptMessage(prompt, send.week);
  return {
    body: { text: built.text, blocks: built.blocks },
    kind: "prompt" as const,
    promptId: prompt.id,
    unanswered,
  };
}
