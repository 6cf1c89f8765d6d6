import { describe, expect, it } from "vitest";
import { normalizeText } from "../../src/coaching/normalize.js";
import {
  GROW_GOAL_QUESTION_ID,
  OWNERSHIP_QUESTION_ID,
  rankThemes,
  selectQuestions,
} from "../../src/coaching/select.js";
import { extractSignals } from "../../src/coaching/signals.js";
import { DEAL_MESSAGES } from "../fixtures/deal-messages.js";
import { library } from "../support/library.js";

const situation = { text: "they loved the demo and nobody pushed back on price" };

describe("selection", () => {
  it("returns 1-3 distinct questions from at most two themes", () => {
    const { picks } = selectQuestions(library, situation);
    expect(picks.length).toBeGreaterThanOrEqual(1);
    expect(picks.length).toBeLessThanOrEqual(3);
    expect(new Set(picks.map((p) => p.question.id)).size).toBe(picks.length);
    expect(new Set(picks.map((p) => p.question.theme)).size).toBeLessThanOrEqual(2);
  });

  it("is deterministic for the same input", () => {
    const a = selectQuestions(library, situation, { user: "U1" }).picks.map((p) => p.question.id);
    const b = selectQuestions(library, situation, { user: "U1" }).picks.map((p) => p.question.id);
    expect(a).toEqual(b);
  });

  it("rotates within a theme for different wording", () => {
    const seen = new Set<string>();
    for (const text of [
      "they loved it",
      "they loved the demo",
      "they loved the proposal",
      "no objections at all",
      "no pushback",
    ]) {
      seen.add(selectQuestions(library, { text, stage: "proposal" }).picks[0]?.question.id ?? "");
    }
    expect(seen.size).toBeGreaterThan(1);
  });

  it("skips questions this user was asked recently", () => {
    const first = selectQuestions(library, situation).picks.map((p) => p.question.id);
    const second = selectQuestions(library, situation, { history: first }).picks.map((p) => p.question.id);
    expect(second.filter((id) => first.includes(id))).toEqual([]);
  });

  it("repeats the least recently asked rather than go silent when a theme is exhausted", () => {
    const all = library.themes.get("absence_of_no")?.questions.map((q) => q.id) ?? [];
    const { picks } = selectQuestions(library, situation, { history: all, maxQuestions: 1 });
    expect(picks).toHaveLength(1);
    expect(picks[0]?.question.id).toBe(all[all.length - 1]);
  });

  it("explains each pick with the signals that chose its theme", () => {
    const { picks } = selectQuestions(library, situation);
    expect(picks[0]?.question.theme).toBe("absence_of_no");
    expect(picks[0]?.why).toContain("no_pushback");
  });

  it("gives another angle when the shown themes are excluded", () => {
    const { picks } = selectQuestions(library, situation, { excludeThemes: ["absence_of_no"] });
    expect(picks.every((p) => p.question.theme !== "absence_of_no")).toBe(true);
    expect(picks.length).toBeGreaterThan(0);
  });

  it("puts customer_success first under discount pressure whatever else is said (risk override)", () => {
    const { picks } = selectQuestions(library, {
      text: "they loved the demo, I want to offer 20% off to pull it into this quarter",
    });
    expect(picks[0]?.question.theme).toBe("customer_success");
  });

  it("returns the ownership, then the deal's own theme, for 'just tell me what to do'", () => {
    const { picks } = selectQuestions(library, {
      text: "just tell me what to do, Initech went dark after the demo",
    });
    expect(picks.map((p) => p.question.theme)).toEqual(["self_reflection", "next_step"]);
    expect(picks[0]?.question.id).toBe(OWNERSHIP_QUESTION_ID);
  });

  it("asks a GROW Goal question when there is no deal content", () => {
    const { picks } = selectQuestions(library, { text: "hey" });
    expect(picks[0]?.question.id).toBe(GROW_GOAL_QUESTION_ID);
  });

  it("asks foundations first when nothing else calls for a second theme", () => {
    // Negotiation with only a price concern: the second slot goes to the earliest foundation the stage
    // can use and the text has no evidence for (impact), not to a later one.
    const { picks } = selectQuestions(library, {
      text: "they said the price is too high",
      stage: "proposal",
    });
    expect(picks.map((p) => p.question.theme)).toContain("concerns");
    const ranked = rankThemes(extractSignals({ text: "they said the price is too high", stage: "proposal" }));
    expect(ranked[0]?.theme).toBe("concerns");
  });

  it("asks a question written for a remark only when the rep made it, and then first", () => {
    for (const c of DEAL_MESSAGES) {
      const lower = normalizeText(c.text).toLowerCase();
      for (const pick of selectQuestions(library, { text: c.text }).picks) {
        const cues = pick.question.cues;
        if (cues.length > 0)
          expect(
            cues.some((cue) => lower.includes(cue)),
            `${pick.question.id} for ${c.text}`,
          ).toBe(true);
      }
    }
    const loved = selectQuestions(library, { text: "they loved the demo", stage: "solution" }).picks[0]
      ?.question;
    expect(loved?.cues.some((cue) => "they loved the demo".includes(cue))).toBe(true);
  });

  it("follows stage fit when there are no signals", () => {
    const ranked = rankThemes(extractSignals({ text: "quick update on the account", stage: "post_sale" }));
    expect(["value_over_time", "trust", "next_step"]).toContain(ranked[0]?.theme);
  });
});

describe("focus themes (deal changes)", () => {
  it("leads with the themes a deal change calls for, in order", () => {
    const { picks } = selectQuestions(
      library,
      { text: "Globex moved to negotiation" },
      { focusThemes: ["absence_of_no", "decision_process"] },
    );
    expect(picks.map((p) => p.question.theme)).toEqual([
      "absence_of_no",
      "absence_of_no",
      "decision_process",
    ]);
    expect(picks[0]?.why).toEqual(["deal_change"]);
  });

  it("fills the second slot from the note's own signals when only one theme is given", () => {
    const { picks } = selectQuestions(
      library,
      { text: "note: they are also evaluating a competitor" },
      { focusThemes: ["urgency"] },
    );
    expect(picks.map((p) => p.question.theme)).toEqual(["urgency", "urgency", "competition"]);
  });
});
