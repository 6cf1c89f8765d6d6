import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { coach, FALLBACK_QUESTION, goDeeper, guarded, resultJson } from "../../src/coaching/coach.js";
import { checkReply, splitSentences } from "../../src/coaching/guard.js";
import { normalizeText } from "../../src/coaching/normalize.js";
import { library } from "../support/library.js";

describe("coach()", () => {
  it("prints open questions on absence_of_no for the README's example", () => {
    const result = coach(library, { text: "they loved the demo and nobody pushed back on price" });
    expect(result.themes[0]).toBe("absence_of_no");
    expect(result.questions[0]?.theme).toBe("absence_of_no");
    expect(result.source).toBe("library");
  });

  it("answers 'just tell me what to do' with questions only", () => {
    const result = coach(library, { text: "just tell me what to do, Initech went dark after the demo" });
    expect(result.questions.length).toBeGreaterThan(0);
    for (const q of result.questions) expect(checkReply(q.text).ok).toBe(true);
  });

  it("falls back to the fixed self-reflection question when nothing passes", () => {
    expect(guarded([{ id: "x.y", theme: "impact", text: "Send the ROI deck.", signals: [] }])).toEqual([
      FALLBACK_QUESTION,
    ]);
    expect(checkReply(FALLBACK_QUESTION.text).ok).toBe(true);
  });

  it("has the JSON contract's fields", () => {
    const json = resultJson(coach(library, { text: "budget frozen till Q2" }));
    expect(Object.keys(json)).toEqual(expect.arrayContaining(["questions", "themes", "signals", "source"]));
    const q = (json.questions as Record<string, unknown>[])[0];
    expect(Object.keys(q ?? {})).toEqual(expect.arrayContaining(["id", "theme", "text"]));
  });

  it("goes deeper through a question's follow-ups, then stops", () => {
    const withFollowUps = [...library.themes.values()]
      .flatMap((t) => t.questions)
      .find((q) => q.followUps.length > 0);
    if (!withFollowUps) throw new Error("library has no follow-ups");
    const first = goDeeper(library, withFollowUps.id);
    expect(first?.id).toBe(withFollowUps.followUps[0]?.id);
    const asked = withFollowUps.followUps.map((f) => f.id);
    expect(goDeeper(library, withFollowUps.id, asked)).toBeUndefined();
    expect(goDeeper(library, "no.such-question")).toBeUndefined();
  });
});

// Property tests: for any input, the promise holds.
const WH = ["What", "How", "Why", "Who", "Which", "Where", "When", "If they left, what", "Looking back, how"];
const WORDS = [
  "they",
  "you",
  "should",
  "call",
  "the",
  "CFO",
  "send",
  "our",
  "deal",
  "think",
  "price",
  "discount",
  "20%",
  "never",
  "do",
  "know",
];
const replyArb = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc
    .tuple(
      fc.constantFrom(...WH),
      fc.array(fc.constantFrom(...WORDS), { maxLength: 12 }),
      fc.constantFrom("?", ".", "!", "", "? Call them.", "? Who decides?", "?\n- send it"),
    )
    .map(([w, words, end]) => `${w} ${words.join(" ")}${end}`),
);

describe("properties", () => {
  it("the guard never accepts a reply with a sentence that is not a question", () => {
    fc.assert(
      fc.property(replyArb, (reply) => {
        if (!checkReply(reply).ok) return true;
        const sentences = splitSentences(normalizeText(reply));
        return (
          sentences.length >= 1 && sentences.length <= 2 && sentences.every((s) => /\?["')\]]*$/.test(s))
        );
      }),
      { numRuns: 3000 },
    );
  });

  it("coach() never returns a rejected question and never an empty reply", () => {
    fc.assert(
      fc.property(
        replyArb,
        fc.constantFrom(undefined, "negotiation" as const, "discovery" as const),
        (text, stage) => {
          const result = coach(library, { text, stage });
          return (
            result.questions.length >= 1 &&
            result.questions.length <= 3 &&
            result.questions.every((q) => checkReply(q.text).ok) &&
            new Set(result.questions.map((q) => q.theme)).size <= 2
          );
        },
      ),
      { numRuns: 1500 },
    );
  });
});
