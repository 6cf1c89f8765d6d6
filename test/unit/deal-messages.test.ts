import { describe, expect, it } from "vitest";
import { coach } from "../../src/coaching/coach.js";
import type { DealFields } from "../../src/coaching/deal.js";
import type { Stage } from "../../src/coaching/taxonomy.js";
import { DEAL_MESSAGES } from "../fixtures/deal-messages.js";
import { library } from "../support/library.js";

// The routing table (docs/method.md) against messages written independently of the extractor.
describe("realistic deal messages route to GUIDE's themes", () => {
  it("has at least 40 cases", () => {
    expect(DEAL_MESSAGES.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of DEAL_MESSAGES) {
    it(`${c.top} <- ${JSON.stringify(c.text.slice(0, 70))}`, () => {
      const result = coach(library, {
        text: c.text,
        stage: c.stage as Stage | undefined,
        deal: c.fields as DealFields,
      });
      expect(result.themes[0]).toBe(c.top);
      for (const theme of c.alsoIn ?? []) expect(result.themes.slice(0, 3)).toContain(theme);
      for (const signal of c.signals ?? []) expect(result.signals).toContain(signal);
      expect(result.questions.length).toBeGreaterThanOrEqual(1);
      expect(result.questions[0]?.theme).toBe(c.top);
    });
  }
});
