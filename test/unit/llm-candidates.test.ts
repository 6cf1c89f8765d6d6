import { describe, expect, it } from "vitest";
import { coach, coachReading } from "../../src/coaching/coach.js";
import type { Situation } from "../../src/coaching/deal.js";
import { isFollowUp, loadLibrary } from "../../src/coaching/library.js";
import { selectQuestions } from "../../src/coaching/select.js";
import { candidatesFor, MAX_CANDIDATES, MAX_PER_THEME } from "../../src/llm/candidates.js";
import { BUILT_IN_LIBRARY_DIR } from "../../src/paths.js";
import { DEAL_MESSAGES } from "../fixtures/deal-messages.js";

// What the model may choose from (docs/llm.md "What is sent"): only questions the library itself could
// ask here. The library's picks first; every other candidate's premises hold, its cue (if any) is in
// the text, it was not asked recently, and its theme is not excluded.

const library = loadLibrary(BUILT_IN_LIBRARY_DIR);
const situations: Situation[] = DEAL_MESSAGES.map((m) => ({ text: m.text }));

describe("candidatesFor", () => {
  it("starts with the library's own picks, and bounds the list", () => {
    for (const situation of situations) {
      const { candidates } = candidatesFor(library, situation);
      const picks = coach(library, situation).questions.map((q) => q.id);
      expect(candidates.slice(0, picks.length).map((c) => c.id)).toEqual(picks);
      expect(candidates.length).toBeLessThanOrEqual(MAX_CANDIDATES);
      const perTheme = new Map<string, number>();
      for (const c of candidates) perTheme.set(c.theme, (perTheme.get(c.theme) ?? 0) + 1);
      for (const n of perTheme.values()) expect(n).toBeLessThanOrEqual(MAX_PER_THEME);
      expect(new Set(candidates.map((c) => c.id)).size).toBe(candidates.length);
    }
  });

  it("offers only library questions whose premises hold and whose cues are in the text", () => {
    let checked = 0;
    for (const situation of situations) {
      const { candidates } = candidatesFor(library, situation);
      const { premises, report } = selectQuestions(library, situation);
      for (const c of candidates) {
        const q = library.questions.get(c.id);
        if (!q || isFollowUp(q)) throw new Error(`${c.id} is not a library question`);
        expect(c.text).toBe(q.text);
        for (const p of q.presupposes) expect(premises.has(p)).toBe(true);
        if (q.cuePattern) expect(q.cuePattern.test(report.lower)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(situations.length * 3);
  });

  it("builds on the reading coach() already made: the same selection, not a second one", () => {
    for (const situation of situations) {
      const { result, selection } = coachReading(library, situation);
      expect(result).toEqual(coach(library, situation));
      if (!selection) throw new Error("a fixture read as about the person");
      // The candidates follow the selection they are given: its picks lead.
      const given = candidatesFor(library, situation, {}, selection).candidates;
      expect(given.slice(0, selection.picks.length).map((c) => c.id)).toEqual(
        selection.picks.map((p) => p.question.id),
      );
      expect(given).toEqual(candidatesFor(library, situation).candidates);
    }
    // A selection made with other options is used as given, not made again from the call's options.
    const situation = {
      text: "Globex went quiet after the demo, Kim said they would get back to us next week",
    };
    const other = selectQuestions(library, situation, { excludeThemes: ["next_step"] });
    const fromOther = candidatesFor(library, situation, {}, other).candidates;
    expect(fromOther[0]?.id).toBe(other.picks[0]?.question.id);
    expect(fromOther).not.toEqual(candidatesFor(library, situation).candidates);
  });

  it("is null for a text about the person, whose words go to no model", () => {
    const { result, selection } = coachReading(library, {
      text: "honestly I'm burned out and thinking about quitting sales altogether",
    });
    expect(result.person).toBe(true);
    expect(selection).toBeNull();
  });

  it('leaves out recently asked questions and excluded themes ("Another angle")', () => {
    const situation = {
      text: "Globex went quiet after the demo, Kim said they would get back to us next week",
    };
    const first = candidatesFor(library, situation).candidates;
    const asked = first.slice(0, 3).map((c) => c.id);
    const again = candidatesFor(library, situation, { history: asked }).candidates;
    for (const id of asked) expect(again.map((c) => c.id)).not.toContain(id);
    const themes = [...new Set(first.map((c) => c.theme))].slice(0, 1);
    const angle = candidatesFor(library, situation, { excludeThemes: themes }).candidates;
    expect(angle.length).toBeGreaterThan(0);
    for (const c of angle) expect(themes).not.toContain(c.theme);
  });
});
