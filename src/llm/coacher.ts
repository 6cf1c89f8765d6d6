import { type CoachOptions, type CoachResult, coach } from "../coaching/coach.js";
import type { Situation } from "../coaching/deal.js";
import type { Library } from "../coaching/library.js";
import { chooseWeeklyPrompt, type WeeklyPrompt, type WeeklyPromptInput } from "../reflection/prompt.js";

// The one path every surface (slash command, mention, DM, "Go deeper"/"Another angle", deal nudge, weekly
// prompt) takes from a situation to questions. Without a model it is the library alone, synchronous under
// the hood; with one (OPENAI_API_KEY, docs/llm.md) the model may choose and fit library questions, and
// whatever it does, the promise holds: the result is always guarded questions, and it resolves within
// LLM_TIMEOUT_MS of the library result. It never rejects.

export interface CoachCall {
  situation: Situation;
  options?: CoachOptions;
  /** Workspace whose daily token budget a model call spends (LLM_DAILY_TOKEN_CAP). */
  teamId: string;
}

export interface WeeklyCall {
  input: WeeklyPromptInput;
  teamId: string;
}

export interface Coacher {
  /** True when a model may be asked: surfaces then show that the bot is thinking before the reply. */
  readonly usesModel: boolean;
  coach(call: CoachCall): Promise<CoachResult>;
  weekly(call: WeeklyCall): Promise<WeeklyPrompt>;
}

/** The library alone: what runs when no model is configured, and what every model failure falls back to. */
export function libraryCoacher(library: Library): Coacher {
  return {
    usesModel: false,
    coach: async ({ situation, options }) => coach(library, situation, options),
    weekly: async ({ input }) => chooseWeeklyPrompt(input),
  };
}
