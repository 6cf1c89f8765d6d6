import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkReply } from "../../src/coaching/guard.js";
import type { Library, Reflection } from "../../src/coaching/library.js";
import type { Stage } from "../../src/coaching/taxonomy.js";
import type { DealSnapshot, DealState } from "../../src/deals/types.js";
import {
  chooseWeeklyPrompt,
  FALLBACK_PROMPTS,
  FOLLOW_UP_PROMPT,
  QUOTE_MAX_CHARS,
  type RepWeek,
  summarizeWeek,
  type WeeklyPromptInput,
  weekContext,
} from "../../src/reflection/prompt.js";
import { library } from "../support/library.js";

const NOW = new Date("2026-03-06T15:00:00Z"); // a Friday
const DAY = 86_400_000;
const ago = (days: number) => new Date(NOW.getTime() - days * DAY).toISOString();

const EMPTY: RepWeek = { moved: [], slipped: [], quiet: [], noNo: [] };
const byId = new Map(library.reflections.map((r) => [r.id, r]));
const reflection = (id: string): Reflection => {
  const r = byId.get(id);
  if (!r) throw new Error(`no reflection ${id}`);
  return r;
};

function deal(
  id: string,
  snapshot: Partial<DealSnapshot>,
  extra: Partial<DealState> = {},
): { state: DealState; lastEventAt: Date } {
  return {
    state: {
      source: "deals",
      dealId: id,
      snapshot: { id, ...snapshot },
      closeDateMoves: 0,
      riskRecorded: false,
      ...extra,
    },
    lastEventAt: new Date(NOW.getTime() - DAY),
  };
}

function input(week: Partial<RepWeek>, extra: Partial<WeeklyPromptInput> = {}): WeeklyPromptInput {
  return { library, week: { ...EMPTY, ...week }, recentPromptIds: [], seed: "U1:2026-W10", ...extra };
}

const libraryTexts = new Set([
  ...library.reflections.map((r) => r.text),
  FOLLOW_UP_PROMPT.text,
  ...FALLBACK_PROMPTS.map((f) => f.text),
]);

describe("summarizeWeek", () => {
  it("sorts the rep's deals into moved, slipped, quiet and no-No", () => {
    const week = summarizeWeek(
      [
        deal("1", { name: "Globex", stage: "solution", lastActivityAt: ago(1) }, { stageChangedAt: ago(2) }),
        deal("2", { name: "Initech", stage: "discovery" }, { closeDateMovedAt: ago(3), closeDateMoves: 1 }),
        deal("3", { name: "Hooli", stage: "discovery", lastActivityAt: ago(20) }),
        deal("4", { name: "Umbrella", stage: "negotiation", lastActivityAt: ago(1) }),
        deal("5", { name: "Stark", stage: "negotiation", lastActivityAt: ago(1) }, { riskRecorded: true }),
        // Moved, but more than 7 days ago.
        deal(
          "6",
          { name: "Old move", stage: "solution", lastActivityAt: ago(3) },
          { stageChangedAt: ago(8) },
        ),
      ],
      NOW,
    );
    expect(week).toEqual({ moved: ["Globex"], slipped: ["Initech"], quiet: ["Hooli"], noNo: ["Umbrella"] });
  });

  it("counts a won deal as moved and never as quiet; a lost deal is neither", () => {
    const week = summarizeWeek(
      [
        deal("1", { name: "Won", stage: "post_sale", lastActivityAt: ago(30) }, { stageChangedAt: ago(1) }),
        deal("2", { name: "Lost", status: "lost", lastActivityAt: ago(30) }, { stageChangedAt: ago(1) }),
        deal("3", { name: "Lost late", stage: "negotiation", status: "lost", lastActivityAt: ago(30) }),
        deal(
          "4",
          { name: "Won slipped", status: "won", lastActivityAt: ago(30) },
          { closeDateMovedAt: ago(1) },
        ),
      ],
      NOW,
    );
    expect(week).toEqual({ moved: ["Won"], slipped: [], quiet: [], noNo: [] });
  });

  it("uses last activity, else the last update seen, else the store's last event time for quiet", () => {
    const noActivity = deal("2", { name: "Seen long ago", stage: "discovery" }, { lastSeenAt: ago(15) });
    const onlyEvent = {
      ...deal("3", { name: "Event long ago", stage: "discovery" }),
      lastEventAt: new Date(ago(14)),
    };
    const activityWins = deal(
      "4",
      { name: "Active in CRM", stage: "discovery", lastActivityAt: ago(2) },
      { lastSeenAt: ago(40) },
    );
    const week = summarizeWeek([noActivity, onlyEvent, activityWins], NOW);
    expect(week.quiet).toEqual(["Event long ago", "Seen long ago"]);
  });

  it("does not call a deal that moved or slipped this week quiet, even with an old activity time", () => {
    const week = summarizeWeek(
      [deal("1", { name: "Acme", stage: "solution", lastActivityAt: ago(30) }, { stageChangedAt: ago(1) })],
      NOW,
    );
    expect(week).toEqual({ moved: ["Acme"], slipped: [], quiet: [], noNo: [] });
  });

  it("names a deal without a name by its id, deduplicates and sorts names, and ignores bad dates", () => {
    const late = (id: string, name?: string) =>
      deal(id, { ...(name ? { name } : {}), stage: "proposal" as Stage, lastActivityAt: "not a date" });
    const week = summarizeWeek(
      [late("9"), late("1", "Zeta"), late("2", "  Alpha\n Co "), late("3", "Zeta")],
      NOW,
    );
    expect(week.noNo).toEqual(["Alpha Co", "Deal 9", "Zeta"]);
    expect(week.quiet).toEqual([]); // lastEventAt (yesterday) is the fallback for the bad date
  });

  it("treats states stored before the change times existed as neither moved nor slipped", () => {
    const week = summarizeWeek(
      [deal("1", { name: "Legacy", stage: "solution", lastActivityAt: ago(1) }, { closeDateMoves: 3 })],
      NOW,
    );
    expect(week).toEqual(EMPTY);
  });
});

describe("weekContext", () => {
  it("states the week's facts in one line", () => {
    expect(weekContext({ ...EMPTY, moved: ["Globex"], slipped: ["Initech"] })).toBe(
      "This week: Globex moved; Initech slipped.",
    );
    expect(weekContext({ moved: ["A", "B"], slipped: [], quiet: ["C", "D"], noNo: ["E"] })).toBe(
      "This week: A and B moved; C and D have been quiet for 2+ weeks; E is late-stage with no objection recorded.",
    );
    expect(weekContext(EMPTY)).toBeUndefined();
  });

  it("shows three names per kind and counts the rest, each name clipped", () => {
    const names = Array.from({ length: 50 }, (_, i) => `Deal number ${i} ${"x".repeat(200)}`);
    const line = weekContext({ moved: names, slipped: names, quiet: names, noNo: names }) ?? "";
    expect(line).toContain("and 47 more moved");
    expect(line.length).toBeLessThan(1000);
    for (const part of line.split(/, | and /))
      expect(part.replace(/^This week: /, "").length).toBeLessThan(200);
  });
});

describe("chooseWeeklyPrompt", () => {
  it("asks about urgency or accountability in a week with a slipped deal", () => {
    const prompt = chooseWeeklyPrompt(input({ slipped: ["Initech"] }));
    const r = reflection(prompt.id);
    expect(r.theme === "urgency" || r.focus === "accountability").toBe(true);
  });

  it("asks about the absence of No when a late-stage deal has had no objection", () => {
    for (const seed of ["a", "b", "c", "d"]) {
      expect(reflection(chooseWeeklyPrompt(input({ noNo: ["Umbrella"] }, { seed })).id).theme).toBe(
        "absence_of_no",
      );
    }
  });

  it("asks about next steps or trust when a deal went quiet", () => {
    for (const seed of ["a", "b", "c", "d"]) {
      const theme = reflection(chooseWeeklyPrompt(input({ quiet: ["Hooli"] }, { seed })).id).theme;
      expect(["next_step", "trust"]).toContain(theme);
    }
  });

  it("asks about the week when deals moved", () => {
    for (const seed of ["a", "b", "c", "d"]) {
      expect(reflection(chooseWeeklyPrompt(input({ moved: ["Globex"] }, { seed })).id).focus).toBe("week");
    }
  });

  it("puts risk first: a slipped deal outranks a moved one, a no-No deal a quiet one", () => {
    const slipped = reflection(chooseWeeklyPrompt(input({ moved: ["A"], slipped: ["B"] })).id);
    expect(slipped.theme === "urgency" || slipped.focus === "accountability").toBe(true);
    expect(reflection(chooseWeeklyPrompt(input({ quiet: ["A"], noNo: ["B"] })).id).theme).toBe(
      "absence_of_no",
    );
  });

  it("falls through to the next kind, then the rotation, when the fitting reflections were all sent", () => {
    const noNoIds = library.reflections.filter((r) => r.theme === "absence_of_no").map((r) => r.id);
    const next = chooseWeeklyPrompt(input({ noNo: ["U"], quiet: ["H"] }, { recentPromptIds: noNoIds }));
    expect(["next_step", "trust"]).toContain(reflection(next.id).theme);
    const rotation = chooseWeeklyPrompt(input({ noNo: ["U"] }, { recentPromptIds: noNoIds }));
    expect(noNoIds).not.toContain(rotation.id);
  });

  it("rotates through week, patterns, accountability and customer_success when there are no deals", () => {
    const recentPromptIds: string[] = [];
    const focuses: string[] = [];
    for (let w = 1; w <= 8; w++) {
      const prompt = chooseWeeklyPrompt(
        input({}, { seed: `U1:2026-W${w}`, recentPromptIds: [...recentPromptIds] }),
      );
      recentPromptIds.push(prompt.id);
      focuses.push(reflection(prompt.id).focus);
    }
    // Every focus once in each run of four weeks.
    expect(new Set(focuses.slice(0, 4)).size).toBe(4);
    expect(new Set(focuses.slice(4, 8)).size).toBe(4);
  });

  it("never repeats a prompt within 8 weeks over a year of changing weeks", () => {
    const shapes: Array<Partial<RepWeek>> = [
      { slipped: ["A"] },
      { noNo: ["B"] },
      { quiet: ["C"] },
      { moved: ["D"] },
      {},
      { noNo: ["B"], quiet: ["C"] },
    ];
    const sent: string[] = [];
    for (let w = 0; w < 104; w++) {
      const recent = sent.slice(-8);
      const prompt = chooseWeeklyPrompt(
        input(shapes[w % shapes.length] ?? {}, {
          seed: `U7:week-${w}`,
          recentPromptIds: recent,
          lastAnswer: w % 3 === 0 ? { text: "We lost momentum.", at: new Date(ago(6)) } : null,
          now: NOW,
        }),
      );
      expect(recent).not.toContain(prompt.id);
      expect(checkReply(prompt.text).ok).toBe(true);
      sent.push(prompt.id);
    }
  });

  it("never picks a recent id, and always posts a guarded question (property)", () => {
    const ids = [
      ...library.reflections.map((r) => r.id),
      FOLLOW_UP_PROMPT.id,
      ...FALLBACK_PROMPTS.map((f) => f.id),
    ];
    const names = fc.array(fc.string({ maxLength: 30 }), { maxLength: 5 });
    fc.assert(
      fc.property(
        fc.record({ moved: names, slipped: names, quiet: names, noNo: names }),
        fc.uniqueArray(fc.constantFrom(...ids), { maxLength: 60 }),
        fc.string(),
        fc.option(fc.string({ maxLength: 500 })),
        (week, recentPromptIds, seed, answer) => {
          const prompt = chooseWeeklyPrompt({
            library,
            week,
            recentPromptIds,
            seed,
            lastAnswer: answer === null ? null : { text: answer, at: new Date(ago(7)) },
            now: NOW,
          });
          expect(checkReply(prompt.text).ok).toBe(true);
          expect(libraryTexts.has(prompt.text)).toBe(true);
          // Every reflection and fallback recent: the only case a recent id may come back.
          const exhausted = ids
            .filter((id) => id !== FOLLOW_UP_PROMPT.id)
            .every((id) => recentPromptIds.includes(id));
          if (!exhausted) expect(recentPromptIds).not.toContain(prompt.id);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("is deterministic for the same input, and varies with the seed", () => {
    const a = input({ moved: ["Globex"] }, { seed: "U1:2026-W10" });
    expect(chooseWeeklyPrompt(a)).toEqual(chooseWeeklyPrompt({ ...a, week: { ...a.week } }));
    const ids = new Set(
      Array.from({ length: 30 }, (_, i) => chooseWeeklyPrompt(input({}, { seed: `U${i}:2026-W10` })).id),
    );
    expect(ids.size).toBeGreaterThan(5);
  });

  it("quotes the previous answer as context and follows up with a fixed guarded question", () => {
    const prompt = chooseWeeklyPrompt(
      input(
        { moved: ["Globex"] },
        { lastAnswer: { text: "Globex wants a pilot first.", at: new Date(ago(7)) }, now: NOW },
      ),
    );
    expect(prompt).toEqual({
      id: FOLLOW_UP_PROMPT.id,
      theme: "self_reflection",
      text: "What has happened since?",
      quote: "Globex wants a pilot first.",
      quoteLead: "Last week you wrote",
      context: "This week: Globex moved.",
    });
    expect(checkReply(prompt.text).ok).toBe(true);
  });

  it("asks from the library, still quoting, when the follow-up was sent in the last 8 weeks", () => {
    const prompt = chooseWeeklyPrompt(
      input(
        { noNo: ["Umbrella"] },
        {
          lastAnswer: { text: "Umbrella said yes to everything.", at: new Date(ago(7)) },
          recentPromptIds: [FOLLOW_UP_PROMPT.id],
          now: NOW,
        },
      ),
    );
    expect(reflection(prompt.id).theme).toBe("absence_of_no");
    expect(prompt.quote).toBe("Umbrella said yes to everything.");
    expect(prompt.text).not.toContain("Umbrella");
  });

  it("says how old the quote is, and does not follow up on an old answer", () => {
    const old = chooseWeeklyPrompt(
      input({}, { lastAnswer: { text: "Pipeline is thin.", at: new Date(ago(35)) }, now: NOW }),
    );
    expect(old.id).not.toBe(FOLLOW_UP_PROMPT.id);
    expect(old.quoteLead).toBe("5 weeks ago you wrote");
    const undated = chooseWeeklyPrompt(
      input({}, { lastAnswer: { text: "Pipeline is thin.", at: new Date(ago(35)) } }),
    );
    expect(undated.quoteLead).toBe("Last time you wrote");
  });

  it("clips a very long previous answer to one line, and ignores a blank one", () => {
    const long = `First line\n\n${"word ".repeat(2000)}`;
    const prompt = chooseWeeklyPrompt(
      input({}, { lastAnswer: { text: long, at: new Date(ago(7)) }, now: NOW }),
    );
    expect(prompt.quote?.length).toBeLessThanOrEqual(QUOTE_MAX_CHARS);
    expect(prompt.quote).toMatch(/^First line word word .*…$/);
    expect(prompt.text).toBe(FOLLOW_UP_PROMPT.text);
    const blank = chooseWeeklyPrompt(input({}, { lastAnswer: { text: " \n ", at: new Date(ago(7)) } }));
    expect(blank.quote).toBeUndefined();
    expect(blank.id).not.toBe(FOLLOW_UP_PROMPT.id);
  });

  it("keeps deal names out of the question, even names that read like questions", () => {
    const names = ["What has happened since?", "<!channel> Acme & Co", "Which deal moved?"];
    for (const seed of ["a", "b", "c"]) {
      const prompt = chooseWeeklyPrompt(
        input({ moved: names, slipped: names, quiet: names, noNo: names }, { seed }),
      );
      expect(libraryTexts.has(prompt.text)).toBe(true);
      expect(prompt.context).toContain("<!channel> Acme & Co"); // raw here; the renderer escapes it
    }
  });

  it("skips a library text the guard rejects, and falls back to a fixed guarded question", () => {
    const bad: Reflection = {
      id: "week.advice",
      focus: "week",
      theme: "self_reflection",
      text: "Call them today.",
    };
    const good: Reflection = {
      id: "week.good",
      focus: "week",
      theme: "self_reflection",
      text: "What stood out for you this week?",
    };
    const tiny: Library = { ...library, reflections: [bad, good] };
    expect(chooseWeeklyPrompt(input({ moved: ["A"] }, { library: tiny })).id).toBe("week.good");
    const fallback = chooseWeeklyPrompt(
      input({ moved: ["A"] }, { library: tiny, recentPromptIds: ["week.good"] }),
    );
    expect(FALLBACK_PROMPTS.map((f) => f.id)).toContain(fallback.id);
    expect(checkReply(fallback.text).ok).toBe(true);
    const empty: Library = { ...library, reflections: [] };
    expect(checkReply(chooseWeeklyPrompt(input({}, { library: empty })).text).ok).toBe(true);
  });

  it("has enough guarded fallbacks that 8 weeks of them never repeat", () => {
    expect(FALLBACK_PROMPTS.length).toBeGreaterThan(8);
    expect(new Set(FALLBACK_PROMPTS.map((f) => f.id)).size).toBe(FALLBACK_PROMPTS.length);
    for (const f of [...FALLBACK_PROMPTS, FOLLOW_UP_PROMPT])
      expect(checkReply(f.text), f.text).toEqual({ ok: true, reasons: [] });
    const empty: Library = { ...library, reflections: [] };
    const sent: string[] = [];
    for (let w = 0; w < 30; w++) {
      const prompt = chooseWeeklyPrompt(
        input({}, { library: empty, seed: `w${w}`, recentPromptIds: sent.slice(-8) }),
      );
      expect(sent.slice(-8)).not.toContain(prompt.id);
      sent.push(prompt.id);
    }
  });
});
