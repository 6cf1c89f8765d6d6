import { chooseCaring } from "./caring.js";
import type { Situation } from "./deal.js";
import { checkReply } from "./guard.js";
import { isFollowUp, type Library } from "./library.js";
import { readPerson } from "./person.js";
import { type Pick, type Selection, type SelectOptions, selectQuestions } from "./select.js";
import type { SignalId } from "./signal-catalog.js";
import type { Stage, Theme } from "./taxonomy.js";

// The one entry point: situation -> questions. Every question returned has passed the guard here, at
// the last moment, whatever produced it; if none would, the fixed self-reflection question goes out.
// Never an empty reply, never an answer.

/** The theme of a caring question: about the rep, no deal theme (docs/person.md). */
export const PERSON_THEME = "person";

export interface CoachQuestion {
  id: string;
  theme: Theme | typeof PERSON_THEME;
  text: string;
  /** Why it was chosen: the signals that picked its theme (or "stage_fit", "foundation", ...). */
  signals: string[];
}

export interface CoachResult {
  questions: CoachQuestion[];
  /** Ranked theme ids, best first; the ones after the picked themes are the next "angles". */
  themes: Theme[];
  signals: SignalId[];
  stage: Stage | null;
  source: "library" | "llm";
  /** How sure the reading of the situation is; "weak" replies are broad open questions (select.ts). */
  confidence: "strong" | "weak";
  /** 0..1, the evidence behind the best theme (readingConfidence in select.ts). */
  confidenceScore: number;
  /**
   * The rep wrote about themselves (burnout, despair, wanting to quit, a personal crisis): the questions
   * are caring ones about them, and no surface records, counts or nudges them (docs/person.md).
   */
  person: boolean;
}

export interface CoachOptions extends SelectOptions {
  /**
   * Read whether the text is about the rep rather than a deal (default true). A deal nudge turns it off:
   * it is a deal change reaching the owner, and a CRM note is not the rep talking to the coach.
   */
  readPerson?: boolean;
}

/** Sent to a rep writing about themselves when no caring question passes the guard. */
export const PERSON_FALLBACK_QUESTION: CoachQuestion = {
  id: "person.fallback",
  theme: PERSON_THEME,
  text: "How are you doing, apart from work?",
  signals: ["person"],
};

/** Sent when nothing else passes the guard. It is checked by the tests like every library question. */
export const FALLBACK_QUESTION: CoachQuestion = {
  id: "self_reflection.fallback",
  theme: "self_reflection",
  text: "What part of this deal feels most within your control right now?",
  signals: ["fallback"],
};

// The guard is a pure function of the text and library questions recur on every call, so verdicts are
// remembered. Bounded, because tailored (LLM) texts are unbounded in variety.
const VERDICTS = new Map<string, boolean>();
const MAX_REMEMBERED = 4096;

function passes(text: string): boolean {
  let ok = VERDICTS.get(text);
  if (ok === undefined) {
    ok = checkReply(text).ok;
    if (VERDICTS.size >= MAX_REMEMBERED) VERDICTS.clear();
    VERDICTS.set(text, ok);
  }
  return ok;
}

/** Guards a list of candidates; falls back to the fixed question when none passes. */
export function guarded(candidates: readonly CoachQuestion[]): CoachQuestion[] {
  const passed = candidates.filter((q) => passes(q.text));
  return passed.length > 0 ? passed : [FALLBACK_QUESTION];
}

function toQuestion(pick: Pick): CoachQuestion {
  return { id: pick.question.id, theme: pick.question.theme, text: pick.question.text, signals: pick.why };
}

/** Coaches from the library alone: select, guard, fall back. Pure and synchronous. */
export function coach(library: Library, situation: Situation, options: CoachOptions = {}): CoachResult {
  return coachReading(library, situation, options).result;
}

/**
 * `coach()` with the selection it read (null when the text is about the person), for a caller that goes on
 * from the same reading: the model coacher builds its candidates from it instead of selecting twice.
 */
export function coachReading(
  library: Library,
  situation: Situation,
  options: CoachOptions = {},
): { result: CoachResult; selection: Selection | null } {
  // The person before the deal: no deal reading, no deal theme, no stage (docs/person.md).
  const reading = options.readPerson === false ? null : readPerson(situation.text);
  if (reading) {
    const caring = chooseCaring(library, reading, situation.text, options).map(
      (q): CoachQuestion => ({ id: q.id, theme: PERSON_THEME, text: q.text, signals: ["person"] }),
    );
    const passed = caring.filter((q) => passes(q.text));
    const result: CoachResult = {
      questions: passed.length > 0 ? passed : [PERSON_FALLBACK_QUESTION],
      themes: [],
      signals: [],
      stage: null,
      source: "library",
      // Sure of the person, whatever the deal words: no weak-reading broad questions here.
      confidence: "strong",
      confidenceScore: 1,
      person: true,
    };
    return { result, selection: null };
  }
  const selection = selectQuestions(library, situation, options);
  const { picks, ranked, report, confidence } = selection;
  const scored = ranked.filter((r) => r.score > 0).map((r) => r.theme);
  const pickedThemes = [...new Set(picks.map((p) => p.question.theme))];
  const result: CoachResult = {
    questions: guarded(picks.map(toQuestion)),
    themes: [...pickedThemes, ...scored.filter((t) => !pickedThemes.includes(t))],
    signals: report.signals.map((s) => s.id),
    stage: report.stage ?? null,
    source: "library",
    confidence: confidence.level,
    confidenceScore: confidence.score,
    person: false,
  };
  return { result, selection };
}

/**
 * "Go deeper": a follow-up on a question the rep was asked, skipping follow-ups already asked. When the
 * question has none left, undefined; the caller offers another angle instead.
 */
export function goDeeper(
  library: Library,
  questionId: string,
  history: readonly string[] = [],
): CoachQuestion | undefined {
  const entry = library.questions.get(questionId);
  if (!entry) return undefined;
  const question = isFollowUp(entry) ? library.questions.get(entry.parentId) : entry;
  if (!question || isFollowUp(question)) return undefined;
  const next = question.followUps.find((f) => f.id !== questionId && !history.includes(f.id));
  if (!next) return undefined;
  const [candidate] = guarded([
    { id: next.id, theme: question.theme, text: next.text, signals: ["go_deeper"] },
  ]);
  return candidate?.id === FALLBACK_QUESTION.id ? undefined : candidate;
}

/** The CLI's JSON contract (README, "deal-coach ask"). */
export function resultJson(result: CoachResult): Record<string, unknown> {
  return {
    questions: result.questions.map((q) => ({ id: q.id, theme: q.theme, text: q.text, signals: q.signals })),
    themes: result.themes,
    signals: result.signals,
    stage: result.stage,
    source: result.source,
    confidence: result.confidence,
    confidence_score: result.confidenceScore,
    person: result.person,
  };
}
