import type { DealFields, Situation } from "../../src/coaching/deal.js";
import {
  type AskedQuestion,
  type FitScore,
  relevanceOf,
  scoreCases,
  unestablished,
} from "../../src/coaching/fit-score.js";
import { clipFor } from "../../src/coaching/input-limits.js";
import type { Premise } from "../../src/coaching/premises.js";
import type { Stage, Theme } from "../../src/coaching/taxonomy.js";
import { DEAL_MESSAGE_PREMISES } from "../fixtures/deal-message-premises.js";
import { DEAL_MESSAGES } from "../fixtures/deal-messages.js";
import type { PostLabel, RealPost } from "./real-seller-posts.js";

// "Questions that fit": how well coach()'s questions fit labelled situations (BENCHMARKS.md has the
// figures, docs/real-seller-posts.md the rules). The scoring itself is src/coaching/fit-score.ts, which
// `deal-coach eval` uses too; here are the labelled cases.

export interface FitCase {
  id: string;
  situation: Situation;
  themes: readonly Theme[];
  premises: readonly Premise[];
  /** Labelled as about the seller as a person: caring questions (theme "person") fit it first. */
  person?: boolean;
}

export type { AskedQuestion, FitScore, Violation } from "../../src/coaching/fit-score.js";
export { relevanceOf, unestablished };

export function scoreFit(
  cases: readonly FitCase[],
  ask: (situation: Situation) => { questions: readonly AskedQuestion[] },
): FitScore {
  return scoreCases(cases.map((c) => ({ ...c, questions: ask(c.situation).questions })));
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
