import type { DealFields, Situation } from "../../src/coaching/deal.js";
import { clipFor } from "../../src/coaching/input-limits.js";
import { type Premise, presupposedPremises, withImplied } from "../../src/coaching/premises.js";
import type { Stage, Theme } from "../../src/coaching/taxonomy.js";
import { DEAL_MESSAGE_PREMISES } from "../fixtures/deal-message-premises.js";
import { DEAL_MESSAGES } from "../fixtures/deal-messages.js";
import type { PostLabel, RealPost } from "./real-seller-posts.js";

// "Questions that fit": how well coach()'s questions fit labelled situations (BENCHMARKS.md has the
// figures, docs/real-seller-posts.md the rules). Relevance: the first question's theme is one of the
// labelled themes = 1, else any question's theme is = 0.5, else 0, averaged over cases. A premise
// violation: a question whose wording presupposes (src/coaching/premises.ts word lists) a premise that
// the labels, with what they imply, do not establish.

export interface FitCase {
  id: string;
  situation: Situation;
  themes: readonly Theme[];
  premises: readonly Premise[];
  /** Labelled as about the seller as a person: caring questions (theme "person") fit it first. */
  person?: boolean;
}

export interface AskedQuestion {
  id: string;
  /** A deal theme, or "person" for a caring question (docs/person.md). */
  theme: Theme | "person";
  text: string;
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
export function unestablished(questionText: string, established: readonly Premise[]): Premise[] {
  const have = withImplied(established);
  return presupposedPremises(questionText).filter((p) => !have.has(p));
}

export function scoreFit(
  cases: readonly FitCase[],
  ask: (situation: Situation) => { questions: readonly AskedQuestion[] },
): FitScore {
  let total = 0;
  let firstFits = 0;
  let onlyLaterFits = 0;
  let questions = 0;
  const violations: Violation[] = [];
  const violating = new Set<string>();
  for (const c of cases) {
    const asked = ask(c.situation).questions;
    const r = relevanceOf(c.themes, asked, c.person);
    total += r;
    if (r === 1) firstFits++;
    if (r === 0.5) onlyLaterFits++;
    for (const q of asked) {
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

/** Real posts as cases: text only, cut to the situation limit, as `deal-coach ask` and Slack give them. */
export function realPostCases(posts: readonly RealPost[], labels: readonly PostLabel[]): FitCase[] {
  const text = new Map(posts.map((p) => [p.id, p.text]));
  return labels.map((l) => {
    const t = text.get(l.id);
    if (t === undefined) throw new Error(`no post with id ${l.id}`);
    return {
      id: l.id,
      situation: { text: clipFor("situation", t) },
      themes: l.themes,
      premises: l.premises,
      person: l.person,
    };
  });
}

/** The fixture messages as cases: their expected top theme (and alsoIn themes), stage and fields. */
export function fixtureCases(): FitCase[] {
  if (DEAL_MESSAGE_PREMISES.length !== DEAL_MESSAGES.length)
    throw new Error("deal-message-premises.ts is out of step with deal-messages.ts");
  return DEAL_MESSAGES.map((m, i) => ({
    id: `fixture#${i}`,
    situation: {
      text: m.text,
      stage: m.stage as Stage | undefined,
      deal: m.fields as DealFields | undefined,
    },
    themes: [m.top as Theme, ...((m.alsoIn ?? []) as Theme[])],
    premises: DEAL_MESSAGE_PREMISES[i]?.[1] ?? [],
  }));
}
