import { type Premise, presupposedPremises, withImplied } from "./premises.js";
import type { Theme } from "./taxonomy.js";

// How well asked questions fit labelled situations ("Questions that fit"; `deal-coach eval` and the fit
// benchmark). Relevance: the first question's theme is one of the labelled themes = 1, else any
// question's theme is = 0.5, else 0, averaged over cases. A premise violation: a question whose wording
// presupposes (src/coaching/premises.ts word lists) a premise that the case, with what it implies, does
// not establish.

export interface AskedQuestion {
  id: string;
  /** A deal theme, or "person" for a caring question (docs/person.md). */
  theme: Theme | "person";
  text: string;
}

export interface ScoredCase {
  id: string;
  themes: readonly Theme[];
  premises: readonly Premise[];
  /** Labelled as about the seller as a person: caring questions (theme "person") fit it first. */
  person?: boolean;
  questions: readonly AskedQuestion[];
}

export interface Violation {
  caseId: string;
  questionId: string;
  premises: Premise[];
}

export interface FitScore {
  cases: number;
  /** Mean relevance, 0..1. */
  relevance: number;
  firstFits: number;
  onlyLaterFits: number;
  /** Questions asked in all, and those that presuppose an unestablished premise. */
  questions: number;
  violations: Violation[];
  /** Cases with at least one violating question. */
  casesWithViolation: number;
}

export function relevanceOf(
  themes: readonly Theme[],
  questions: readonly AskedQuestion[],
  person = false,
): 0 | 0.5 | 1 {
  // A post about the person is fitted first by the caring questions; any other post by none of them.
  const fits = (q: AskedQuestion) =>
    q.theme === "person" ? person : (themes as readonly string[]).includes(q.theme);
  const [first] = questions;
  if (first && fits(first)) return 1;
  return questions.some(fits) ? 0.5 : 0;
}

/** The premises a question presupposes that the case does not establish (implications included). */
export function unestablished(questionText: string, established: Iterable<Premise>): Premise[] {
  const have = withImplied(established);
  return presupposedPremises(questionText).filter((p) => !have.has(p));
}

export function scoreCases(cases: readonly ScoredCase[]): FitScore {
  let total = 0;
  let firstFits = 0;
  let onlyLaterFits = 0;
  let questions = 0;
  const violations: Violation[] = [];
  const violating = new Set<string>();
  for (const c of cases) {
    const r = relevanceOf(c.themes, c.questions, c.person);
    total += r;
    if (r === 1) firstFits++;
    if (r === 0.5) onlyLaterFits++;
    for (const q of c.questions) {
      questions++;
      const missing = unestablished(q.text, c.premises);
      if (missing.length > 0) {
        violations.push({ caseId: c.id, questionId: q.id, premises: missing });
        violating.add(c.id);
      }
    }
  }
  return {
    cases: cases.length,
    relevance: cases.length === 0 ? 0 : total / cases.length,
    firstFits,
    onlyLaterFits,
    questions,
    violations,
    casesWithViolation: violating.size,
  };
}
