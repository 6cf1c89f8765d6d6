import type { CoachResult } from "../coaching/coach.js";
import type { Library } from "../coaching/library.js";
import type { WeeklyPrompt } from "../reflection/prompt.js";
import { type CoachCall, type Coacher, libraryCoacher, type WeeklyCall } from "./coacher.js";

// What every surface calls instead of the coacher itself. A coacher promises to resolve within its bound
// and never to reject (docs/replies.md); this holds the surfaces to that promise even when a coacher breaks
// it: a rejection, or no answer within `patienceMs`, gives the library's result, and the caller learns
// which so it can say so kindly (a Slack reply) or log it (a worker). The library is the one fallback
// because it is what the bot answers with when no model is configured at all.

/** Longer than any coacher's own bound (LLM_TIMEOUT_MS, 4 s by default): only a broken coacher meets it. */
export const DEFAULT_PATIENCE_MS = 15_000;

/** Why the library answered in the coacher's place. */
export type Trouble = "rejected" | "slow";

export interface Steady<T> {
  value: T;
  /** Set when the coacher failed its promise and the library answered instead. */
  trouble?: Trouble;
  /** The coacher's error, when it rejected (for the log; never shown). */
  error?: unknown;
}

async function steadily<T>(
  ask: () => Promise<T>,
  fallback: () => Promise<T>,
  patienceMs: number,
): Promise<Steady<T>> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<"slow">((resolve) => {
    timer = setTimeout(() => resolve("slow"), patienceMs);
  });
  try {
    const outcome = await Promise.race([
      ask().then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      slow,
    ]);
    if (outcome === "slow") return { value: await fallback(), trouble: "slow" };
    if ("error" in outcome) return { value: await fallback(), trouble: "rejected", error: outcome.error };
    return { value: outcome.value };
  } finally {
    clearTimeout(timer);
  }
}

/** Questions for a situation from the coacher, or from the library if the coacher fails its promise. */
export function coachSteadily(
  coacher: Coacher,
  library: Library,
  call: CoachCall,
  patienceMs = DEFAULT_PATIENCE_MS,
): Promise<Steady<CoachResult>> {
  return steadily(
    // A coacher that throws synchronously is a rejection too.
    async () => coacher.coach(call),
    () => libraryCoacher(library).coach(call),
    patienceMs,
  );
}

/** The weekly prompt from the coacher, or from the library if the coacher fails its promise. */
export function weeklySteadily(
  coacher: Coacher,
  call: WeeklyCall,
  patienceMs = DEFAULT_PATIENCE_MS,
): Promise<Steady<WeeklyPrompt>> {
  return steadily(
    async () => coacher.weekly(call),
    () => libraryCoacher(call.input.library).weekly(call),
    patienceMs,
  );
}
