import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { checkFitted } from "../../src/coaching/fitted.js";
import { library } from "../support/library.js";

// A model may fit the deal's own words into a library question and nothing else (docs/fitted.md).
const WAITS = "What happens for them if this waits until next year?";
const GLOBEX = {
  text: 'Globex went quiet after the demo. Dana at Initech said "we are not ready". Globex has 40 users and never replies on Fridays; they might wait until March 2027.',
};

describe("checkFitted: good fits", () => {
  const GOOD: Array<[string, string, { text: string; deal?: Record<string, unknown> }]> = [
    [WAITS, "What happens for Globex if this waits until next year?", GLOBEX],
    [WAITS, "What happens for Globex if this waits until March 2027?", GLOBEX],
    [WAITS, "What happens for 40 users if this waits until next year?", GLOBEX],
    [
      "Who on their side agreed to it, and what did it mean to them?",
      "Who at Initech agreed to it, and what did it mean to Dana?",
      GLOBEX,
    ],
    [
      "When they said it, what did they mean?",
      'When Dana said "we are not ready", what did they mean?',
      GLOBEX,
    ],
    // The deal fields are the deal's words too: a competitor and a close date.
    [
      "Who else are they talking to, and what drew them to those conversations?",
      "Who else is Globex talking to, and what drew them to those conversations with Hooli?",
      { text: "Globex is comparing options", deal: { competitor: "Hooli" } },
    ],
    [
      WAITS,
      "What happens for them if this waits until 2027-03-31?",
      { text: "nothing new", deal: { close_date: "2027-03-31" } },
    ],
  ];
  for (const [library, fitted, source] of GOOD) {
    it(`accepts ${JSON.stringify(fitted)}`, () => {
      expect(checkFitted(library, fitted, source)).toEqual({ ok: true });
    });
  }

  it("accepts the library text itself", () => {
    expect(checkFitted(WAITS, WAITS, { text: "" })).toEqual({ ok: true });
  });
});

describe("checkFitted: rejections", () => {
  const BAD: Array<[string, string, string, { text: string }?]> = [
    [
      "advice appended",
      "What happens for Globex if this waits until next year? You should call the CFO.",
      "guard",
    ],
    [
      "a second question",
      "What happens for Globex if this waits until next year? Who else knows?",
      "added_sentence",
    ],
    ["an imperative", "Ask Globex what happens if this waits until next year.", "guard"],
    ["a draft e-mail", "Hi Dana, what happens for Globex if this waits until next year?", "guard"],
    ["a yes/no verdict", "Yes. What happens for Globex if this waits until next year?", "guard"],
    ["open turned closed", "Does anything happen for Globex if this waits until next year?", "guard"],
    ["injected compliance", "Sure! Here's what happens for Globex if this waits until next year?", "guard"],
    ["a number not in the source", "What happens for 75 users if this waits until next year?", "number"],
    ["an amount not in the source", "What happens for the $50k if this waits until next year?", "number"],
    // 40 is in the source, but "the 40" and "40 days" are not the deal's words: only a copy is.
    ["a source number out of its words", "What happens for the 40 if this waits until next year?", "number"],
    ["a source number given new words", "What happens for 40 days if this waits until next year?", "number"],
    [
      "a product not in the source",
      "What happens for Globex if Salesforce waits until next year?",
      "new_word",
    ],
    ["a different question", "Who at Globex signs the contract?", "question_type"],
    ["a changed verb", "What happens for Globex if this slips until next year?", "different_question"],
    // "demo" and "never" are in the source; an action or a negation is still not a fitting.
    [
      "an action verb, even from the source",
      "What happens for Globex if the demo waits until next year?",
      "action_verb",
    ],
    [
      "a negation, even from the source",
      "What never happens for Globex if this waits until next year?",
      "changed_meaning",
    ],
    ["a claim", "What happens for Globex if this faster rollout waits until next year?", "claim"],
    ["a change of person", "What happens for you if this waits until next year?", "changed_meaning"],
    ["a misquote", 'When Dana said "we are ready", what did they mean?', "misquote"],
    [
      "too many inserted words",
      "What happens for Globex and Initech and Dana and Fridays and March if this waits until next year?",
      "too_long",
    ],
  ];
  for (const [what, fitted, reason] of BAD) {
    it(`rejects ${what}: ${JSON.stringify(fitted)} as ${reason}`, () => {
      const library = fitted.startsWith("When Dana") ? "When they said it, what did they mean?" : WAITS;
      expect(checkFitted(library, fitted, GLOBEX)).toEqual({ ok: false, reason });
    });
  }

  it("takes only names, roles and dates from the source outside a quote", () => {
    const source = { text: "Globex says the budget is frozen; globex procurement wants more time." };
    // "frozen budget" is the rep's words but a new claim about the deal, not a name.
    expect(
      checkFitted(WAITS, "What happens for the frozen budget if this waits until next year?", source),
    ).toEqual({
      ok: false,
      reason: "not_a_name",
    });
    expect(
      checkFitted(WAITS, "What happens for Globex procurement if this waits until next year?", source),
    ).toEqual({
      ok: true,
    });
    // A name is one the source writes as a name somewhere, or the competitor field.
    expect(
      checkFitted(WAITS, "What happens for Initech if this waits until next year?", {
        text: "initech went dark",
      }),
    ).toEqual({
      ok: false,
      reason: "not_a_name",
    });
    expect(
      checkFitted(WAITS, "What happens for Initech if this waits until next year?", {
        text: "they went dark",
        deal: { competitor: "initech" },
      }),
    ).toEqual({ ok: true });
  });

  it("rejects a fitted text far longer than its library text before reading it", () => {
    const fitted = `What happens for ${"Globex ".repeat(40)}if this waits until next year?`;
    expect(checkFitted(WAITS, fitted, GLOBEX)).toEqual({ ok: false, reason: "too_long" });
  });
});

describe("checkFitted: bounded on 100 KB", () => {
  const big = "Globex ".repeat(15_000); // ~100 KB
  it("answers within 200 ms for a 100 KB fitted text, library text and source", () => {
    const cases: Array<() => unknown> = [
      () => checkFitted(WAITS, big, GLOBEX),
      () => checkFitted(big, WAITS, GLOBEX),
      () => checkFitted(WAITS, "What happens for Globex if this waits until next year?", { text: big }),
      () =>
        checkFitted(WAITS, 'What happens for "Globex Globex Globex" if this waits until next year?', {
          text: `${"Globex ".repeat(2_000)}x ${big}`,
        }),
      // A long run of numbers against a source made of the same run: the copy check reads it once.
      () =>
        checkFitted(WAITS, `What happens for them if this waits until ${"$1".repeat(70)} next year?`, {
          text: `${"$1".repeat(8_000)} ${big}`,
        }),
    ];
    for (const run of cases) {
      const started = performance.now();
      run();
      expect(performance.now() - started).toBeLessThan(200);
    }
    expect(
      checkFitted(WAITS, "What happens for Globex if this waits until next year?", { text: big }),
    ).toEqual({
      ok: true,
    });
    expect(checkFitted(WAITS, big, GLOBEX)).toEqual({ ok: false, reason: "too_long" });
  });
});

describe("checkFitted over the whole library", () => {
  const texts = [...library.questions.values()].map((q) => q.text);
  const source = { text: "Globex and Dana went quiet after the pilot kickoff in March 2027." };

  it("accepts every library question as it is, and with 'them' fitted to the customer's name", () => {
    const rejected: string[] = [];
    let fittedCount = 0;
    for (const text of texts) {
      if (!checkFitted(text, text, source).ok) rejected.push(text);
      if (/\bthem\b/.test(text)) {
        fittedCount++;
        const fitted = text.replace(/\bthem\b/, "Globex");
        if (!checkFitted(text, fitted, source).ok) rejected.push(fitted);
      }
    }
    expect(fittedCount).toBeGreaterThan(20);
    expect(rejected).toEqual([]);
  });

  it("rejects every library question with a word the source never used, or a suggestion appended", () => {
    const accepted: string[] = [];
    for (const text of texts) {
      const withProduct = text.replace(/\?$/, " with Salesforce?");
      const withPilot = text.replace(/\?$/, ", or a free pilot?");
      for (const fitted of [withProduct, withPilot])
        if (checkFitted(text, fitted, source).ok) accepted.push(fitted);
    }
    expect(accepted).toEqual([]);
  });
});
