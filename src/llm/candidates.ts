import type { Situation } from "../coaching/deal.js";
import type { Library, Question } from "../coaching/library.js";
import { type Pick, type Selection, type SelectOptions, selectQuestions } from "../coaching/select.js";
import type { Theme } from "../coaching/taxonomy.js";

// What the model may choose from (docs/llm.md "What is sent"): library questions of the themes the
// selector put on top, whose premises the situation establishes, that this rep was not asked recently.
// The library's own picks come first, so a model that simply takes the first ones does what the library
// would. The model never sees a question the library itself could not have asked here.

export interface Candidate {
  id: string;
  theme: Theme;
  text: string;
  /** Why its theme was chosen (the library pick's reasons), for the reply's `signals`. */
  why: string[];
}

/** At most this many candidates per theme and in all: enough to choose, few enough to keep input small. */
export const MAX_PER_THEME = 4;
export const MAX_CANDIDATES = 10;
/** Themes beyond the library's picks: the next one ranked by signals, so the model can read further. */
const EXTRA_THEMES = 1;

function askable(q: Question, selection: Selection, history: readonly string[]): boolean {
  return (
    (q.cuePattern === null || q.cuePattern.test(selection.report.lower)) &&
    q.presupposes.every((p) => selection.premises.has(p)) &&
    !history.includes(q.id)
  );
}

export interface Candidates {
  selection: Selection;
  candidates: Candidate[];
}

export function candidatesFor(
  library: Library,
  situation: Situation,
  options: SelectOptions = {},
  /** The reading `coach()` already made with these options (`coachReading`); selected here when absent. */
  selection: Selection = selectQuestions(library, situation, options),
): Candidates {
  const history = options.history ?? [];
  const excluded = new Set(options.excludeThemes ?? []);
  const out: Candidate[] = [];
  const seen = new Set<string>();
  const add = (q: Question, why: string[]) => {
    if (seen.has(q.id) || out.length >= MAX_CANDIDATES) return;
    seen.add(q.id);
    out.push({ id: q.id, theme: q.theme, text: q.text, why });
  };
  const whyOf = (theme: Theme): string[] => {
    const pick = selection.picks.find((p: Pick) => p.question.theme === theme);
    if (pick) return [...pick.why];
    const signals = selection.ranked.find((r) => r.theme === theme)?.signals ?? [];
    return signals.length > 0 ? [...signals] : ["stage_fit"];
  };
  for (const p of selection.picks) add(p.question, [...p.why]);
  const themes: Theme[] = [...new Set(selection.picks.map((p) => p.question.theme))];
  const extra = selection.ranked.filter(
    (r) => r.score > 0 && r.signals.length > 0 && !themes.includes(r.theme) && !excluded.has(r.theme),
  );
  themes.push(...extra.slice(0, EXTRA_THEMES).map((r) => r.theme));
  for (const theme of themes) {
    const fitting = (library.themes.get(theme)?.questions ?? []).filter((q) =>
      askable(q, selection, history),
    );
    let taken = out.filter((c) => c.theme === theme).length;
    for (const q of fitting) {
      if (taken >= MAX_PER_THEME) break;
      if (seen.has(q.id)) continue;
      add(q, whyOf(theme));
      taken++;
    }
  }
  return { selection, candidates: out };
}
