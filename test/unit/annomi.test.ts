import { describe, expect, it } from "vitest";
import { checkReply } from "../../src/coaching/guard.js";
import { annomiAvailable, therapistUtterances } from "../support/annomi.js";

// Real language the project did not write (../shared/data/README.md has the recipe). Advice must never
// pass; the acceptance rate of clean open questions is reported, not tuned: spoken transcripts are full of
// "Okay." and fragments, which a questions-only reply rightly refuses.
const available = annomiAvailable();
if (!available)
  console.warn("AnnoMI-full.csv not found beside the repo (../shared/data): skipping the AnnoMI guard test");

describe.skipIf(!available)("guard on AnnoMI", () => {
  const utterances = available ? therapistUtterances() : [];
  const clean = (subtype: string) =>
    utterances.filter(
      (u) =>
        u.main === "question" &&
        u.questionSubtype === subtype &&
        u.inputExists === "False" &&
        u.reflectionExists === "False",
    );
  const rate = (list: { text: string }[]) =>
    list.filter((u) => checkReply(u.text).ok).length / Math.max(1, list.length);

  it("deduplicates to the README's counts", () => {
    expect(utterances.length).toBe(4882);
    expect(utterances.filter((u) => u.inputSubtype === "advice").length).toBe(142);
  });

  it("rejects every advice utterance", () => {
    const advice = utterances.filter((u) => u.inputSubtype === "advice");
    const accepted = advice.filter((u) => checkReply(u.text).ok).map((u) => u.text);
    expect(accepted).toEqual([]);
  });

  it("reports acceptance of clean open questions, above closed ones", () => {
    const open = rate(clean("open"));
    const closed = rate(clean("closed"));
    const steering = rate(
      utterances.filter((u) => u.inputSubtype === "negotiation" || u.inputSubtype === "options"),
    );
    console.info(
      `AnnoMI: clean open questions accepted ${(open * 100).toFixed(1)}% (n=${clean("open").length}); ` +
        `clean closed ${(closed * 100).toFixed(1)}% (n=${clean("closed").length}); negotiation+options ${(steering * 100).toFixed(1)}%`,
    );
    // Not a tuned threshold: a guard that accepts almost nothing would pass the advice test trivially.
    expect(open).toBeGreaterThan(0.1);
    expect(closed).toBeLessThan(open / 2);
  });
});
