import type { Library } from "../coaching/library.js";
import type { Coacher } from "../llm/coacher.js";
import { weeklySteadily } from "../llm/steady.js";
import type { WeeklyContext, WeeklySchedule, WeeklySend } from "../store/weekly-types.js";
import type { WeeklyOutgoing } from "./messenger.js";
import { summarizeWeek } from "./prompt.js";

// What one weekly DM says: the 3-week question once a rep has left three prompts unanswered, otherwise a
// reflection fitted to their week, chosen by the coacher (docs/replies.md). Reads nothing itself: the
// context comes with the leased batch. Returns the message as a model (messenger.ts); src/slack/ renders it.

const UNANSWERED_BEFORE_ASKING = 3;
const RECENT_PROMPT_WEEKS = 8;
/** How many of a rep's sends the context reads: the 8 weeks a prompt is not repeated in, and this one. */
export const RECENT_SENDS_READ = RECENT_PROMPT_WEEKS + 1;

export interface Composer {
  library: Library;
  coacher: Coacher;
  /** How long to wait for the coacher before the library chooses (DEFAULT_PATIENCE_MS). */
  patienceMs?: number;
}

/** The prompt for this rep and week, from the context read with its batch (no statements of its own). */
export async function composeWeekly(
  { library, coacher, patienceMs }: Composer,
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
    return {
      message: { kind: "keep_going", week: send.week } satisfies WeeklyOutgoing,
      kind: "keep_going" as const,
      promptId: undefined,
      unanswered,
      trouble: undefined,
    };
  }
  const { value: prompt, trouble } = await weeklySteadily(
    coacher,
    {
      input: {
        library,
        week: summarizeWeek(context.deals, at),
        lastAnswer: context.lastAnswer,
        recentPromptIds: previous.map((s) => s.promptId).filter((id): id is string => Boolean(id)),
        seed: `${send.userId}:${send.week}`,
      },
      teamId: send.teamId,
    },
    patienceMs,
  );
  return {
    message: { kind: "prompt", prompt, week: send.week } satisfies WeeklyOutgoing,
    kind: "prompt" as const,
    promptId: prompt.id,
    unanswered,
    trouble,
  };
}
