import { type CoachQuestion, guarded } from "../coaching/coach.js";
import type { DealFields } from "../coaching/deal.js";
import { checkFitted } from "../coaching/fitted.js";
import { checkReply } from "../coaching/guard.js";
import type { Candidate } from "./candidates.js";
import type { ModelPick } from "./picks.js";

// Every pick is checked (docs/llm.md "Checks"): a known candidate id, a fitted text that differs from
// the library text only by the deal's own words (src/coaching/fitted.ts), then the guard. A pick that
// fails falls back to its library text; an id the model made up fails the whole call, since a model
// that ignores the list is not trusted with the rest of its answer either.

export type PickCheck =
  | { ok: true; questions: CoachQuestion[]; used: number; failed: number }
  | { ok: false; kind: "unknown_id" | "all_picks_failed" };

export interface FitSource {
  text: string;
  deal?: DealFields;
}

/** Whether the model's text for a candidate may be sent as it is. */
export function fittedPasses(candidate: { text: string }, fitted: string, source: FitSource): boolean {
  return checkFitted(candidate.text, fitted, source).ok && checkReply(fitted).ok;
}

export function checkPicks(
  picks: readonly ModelPick[],
  candidates: readonly Candidate[],
  source: FitSource,
  max: number,
): PickCheck {
  const byId = new Map(candidates.map((c) => [c.id, c]));
  if (picks.some((p) => !byId.has(p.id))) return { ok: false, kind: "unknown_id" };
  const seen = new Set<string>();
  const questions: CoachQuestion[] = [];
  let used = 0;
  let failed = 0;
  for (const pick of picks) {
    const candidate = byId.get(pick.id) as Candidate;
    if (seen.has(pick.id) || questions.length >= max) continue;
    seen.add(pick.id);
    const fitted = pick.text.replace(/\s+/g, " ").trim();
    const ok = fittedPasses(candidate, fitted, source);
    if (ok) used++;
    else failed++;
    questions.push({
      id: candidate.id,
      theme: candidate.theme,
      text: ok ? fitted : candidate.text,
      signals: [...candidate.why, ...(ok ? ["llm"] : [])],
    });
  }
  if (used === 0) return { ok: false, kind: "all_picks_failed" };
  // The last gate, as for every reply: the guard once more on what goes out (library texts included).
  return { ok: true, questions: guarded(questions), used, failed };
}
