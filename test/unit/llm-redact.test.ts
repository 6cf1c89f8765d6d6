import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { MARKERS, redactPii } from "../../src/llm/redact.js";

// What leaves for a model has no e-mail address, phone number or card-like number (REDACT_PII,
// docs/llm.md "What is sent"), and the deal's own words stay.

describe("redactPii", () => {
  const cases: Array<[string, string]> = [
    ["write to kim.lee+deals@globex.co.uk today", `write to ${MARKERS.email} today`],
    ["(Kim: KIM@GLOBEX.COM).", `(Kim: ${MARKERS.email}).`],
    ["call +1 (415) 555-0134 now", `call ${MARKERS.phone} now`],
    ["call 415.555.0134 or 020 7946 0958", `call ${MARKERS.phone} or ${MARKERS.phone}`],
    ["mobile 4155550134", `mobile ${MARKERS.phone}`],
    ["card 4111 1111 1111 1111 on file", `card ${MARKERS.card} on file`],
    ["card 4111-1111-1111-1111", `card ${MARKERS.card}`],
    ["card 4111111111111111", `card ${MARKERS.card}`],
  ];
  for (const [input, expected] of cases)
    it(`redacts "${input}"`, () => expect(redactPii(input)).toBe(expected));

  const kept = [
    "Globex wants $1,200,000 for 250 seats by 2026-03-31",
    "close date 31/03/2026, Q3 budget, v2.1 of the proposal",
    "they asked for 20% off a 48000 deal",
    "Kim said @channel is busy; reply to us at the booth",
    "an @ alone, a@b, x@@y.com, and bob@localhost",
  ];
  for (const text of kept) it(`keeps "${text}"`, () => expect(redactPii(text)).toBe(text));

  it("is linear on long adversarial input", () => {
    const inputs = [
      `${"a".repeat(100_000)}@${"b".repeat(100_000)}`,
      "a@".repeat(100_000),
      "1 ".repeat(100_000),
      "1-".repeat(100_000),
      "(1".repeat(100_000),
      "+".repeat(100_000),
      "a.".repeat(100_000),
    ];
    for (const input of inputs) {
      const start = performance.now();
      redactPii(input);
      expect(performance.now() - start).toBeLessThan(1000);
    }
  });
});
