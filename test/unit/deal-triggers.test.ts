import { describe, expect, it } from "vitest";
import { FOUNDATIONS, STAGES, stageFit, THEMES } from "../../src/coaching/taxonomy.js";
import { businessDaysBetween } from "../../src/deals/business-days.js";
import {
  detectTriggers,
  followUpsDue,
  idleTrigger,
  ordinal,
  quarterEndWindow,
  recordsRisk,
  stageThemes,
} from "../../src/deals/triggers.js";
import {
  DEAL_CREATED_FIELD,
  type DealSnapshot,
  type DealState,
  type DealUpdate,
  type Trigger,
} from "../../src/deals/types.js";

const NOW = new Date("2026-02-10T12:00:00Z"); // a Tuesday in mid-quarter
let events = 0;

function update(deal: Partial<DealSnapshot>, extra: Partial<DealUpdate> = {}): DealUpdate {
  events++;
  return {
    source: "deals",
    eventId: `evt-${events}`,
    occurredAt: "2026-02-10T11:00:00Z",
    deal: { id: "D1", name: "Globex", ...deal },
    changedFields: [],
    ...extra,
  };
}

function state(snapshot: Partial<DealSnapshot>, extra: Partial<DealState> = {}): DealState {
  return {
    source: "deals",
    dealId: "D1",
    snapshot: { id: "D1", name: "Globex", status: "open", ...snapshot },
    closeDateMoves: 0,
    riskRecorded: false,
    ...extra,
  };
}

const kinds = (triggers: Trigger[]) => triggers.map((t) => t.kind);
const only = (triggers: Trigger[]) => {
  expect(triggers).toHaveLength(1);
  return triggers[0] as Trigger;
};

describe("first sighting and new deals", () => {
  it("a deal seen for the first time is a new deal: goals, then problem_cause", () => {
    const { triggers, after } = detectTriggers(
      update({ stage: "discovery", amount: 20_000 }),
      undefined,
      NOW,
    );
    expect(only(triggers)).toEqual({
      kind: "new_deal",
      themes: ["goals", "problem_cause"],
      key: "new_deal",
      summary: "New deal: Globex (discovery)",
    });
    expect(after).toEqual({
      source: "deals",
      dealId: "D1",
      snapshot: { id: "D1", name: "Globex", stage: "discovery", amount: 20_000 },
      closeDateMoves: 0,
      riskRecorded: false,
      lastSeenAt: "2026-02-10T11:00:00.000Z",
    });
  });

  it("a creation event is a new deal and nothing else, even if it lists its fields as changed", () => {
    const created = update(
      { stage: "negotiation", closeDate: "2026-03-31" },
      { changedFields: [DEAL_CREATED_FIELD, "stage", "closeDate"] },
    );
    const { triggers, after } = detectTriggers(created, undefined, NOW);
    expect(kinds(triggers)).toEqual(["new_deal"]);
    expect(after.closeDateMoves).toBe(0);
  });

  it("a first sighting that says what changed is that change: the deal predates the webhook", () => {
    const moved = update(
      { stage: "proposal" },
      { previous: { stage: "solution" }, changedFields: ["stage"], note: "pricing questions" },
    );
    const { triggers } = detectTriggers(moved, undefined, NOW);
    expect(kinds(triggers)).toEqual(["stage_change"]);
  });

  it("a first sighting of a deal already won or lost raises nothing and sets no wonAt", () => {
    for (const status of ["won", "lost"] as const) {
      const { triggers, after } = detectTriggers(update({ status }), undefined, NOW);
      expect(triggers).toEqual([]);
      expect(after.wonAt).toBeUndefined();
    }
  });

  it("names a deal without a name by its id", () => {
    const { triggers } = detectTriggers(update({ name: undefined }), undefined, NOW);
    expect(only(triggers).summary).toBe("New deal: Deal D1");
  });
});

describe("state", () => {
  it("merges the snapshot: fields present overwrite, absent ones are kept", () => {
    const before = state({ stage: "proposal", amount: 50_000, nextStep: "security review" });
    const { after } = detectTriggers(update({ amount: 45_000, name: undefined }), before, NOW);
    expect(after.snapshot).toEqual({
      id: "D1",
      name: "Globex",
      status: "open",
      stage: "proposal",
      amount: 45_000,
      nextStep: "security review",
    });
  });

  it("keeps the latest lastSeenAt when an older event arrives", () => {
    const before = state({}, { lastSeenAt: "2026-02-12T09:00:00.000Z" });
    const { after } = detectTriggers(
      update({ amount: 1 }, { occurredAt: "2026-02-11T09:00:00Z" }),
      before,
      NOW,
    );
    expect(after.lastSeenAt).toBe("2026-02-12T09:00:00.000Z");
  });

  it("riskRecorded, once set, stays set", () => {
    const before = state({ stage: "proposal" }, { riskRecorded: true });
    expect(detectTriggers(update({ amount: 2 }), before, NOW).after.riskRecorded).toBe(true);
  });
});

describe("no trigger without a change", () => {
  it("an unchanged stage raises nothing, even when a stale `previous` or changedFields says otherwise", () => {
    const before = state({ stage: "negotiation", closeDate: "2026-06-30" });
    const same = update(
      { stage: "negotiation", closeDate: "2026-06-30" },
      { previous: { stage: "proposal", closeDate: "2026-05-31" }, changedFields: ["stage", "closeDate"] },
    );
    const { triggers, after } = detectTriggers(same, before, NOW);
    expect(triggers).toEqual([]);
    expect(after.closeDateMoves).toBe(0);
  });

  it("a change to a field no trigger watches raises nothing", () => {
    const before = state({ stage: "proposal", amount: 50_000, nextStep: "demo" });
    expect(
      detectTriggers(update({ amount: 60_000, nextStep: "pricing call" }), before, NOW).triggers,
    ).toEqual([]);
  });
});

describe("stage change", () => {
  it("routes by the new stage: its ● themes, foundations first", () => {
    const before = state({ stage: "discovery" });
    const { triggers } = detectTriggers(update({ stage: "proposal" }), before, NOW);
    expect(only(triggers)).toEqual({
      kind: "stage_change",
      themes: ["impact", "urgency", "stakeholders", "decision_process", "absence_of_no"],
      key: "stage_change:proposal",
      summary: "Globex moved to proposal",
    });
  });

  it("stageThemes is exactly each stage's ● themes, foundations in their order, then the rest", () => {
    for (const stage of STAGES) {
      const themes = stageThemes(stage);
      expect(new Set(themes)).toEqual(new Set(THEMES.filter((t) => stageFit(t, stage) === 2)));
      const foundations = themes.filter((t) => FOUNDATIONS.includes(t));
      expect(themes.slice(0, foundations.length)).toEqual(foundations);
      expect(foundations).toEqual(FOUNDATIONS.filter((t) => foundations.includes(t)));
    }
    expect(stageThemes("discovery")).toEqual(["goals", "problem_cause", "provocation"]);
    expect(stageThemes("negotiation")).toEqual([
      "decision_process",
      "concerns",
      "competition",
      "customer_success",
    ]);
  });

  it("moving to negotiation with no risk ever recorded: absence_of_no first, plus the stage change", () => {
    const { triggers } = detectTriggers(update({ stage: "negotiation" }), state({ stage: "proposal" }), NOW);
    expect(kinds(triggers)).toEqual(["late_stage_untested", "stage_change"]);
    expect(triggers[0]).toEqual({
      kind: "late_stage_untested",
      themes: ["absence_of_no", "decision_process"],
      key: "late_stage_untested:negotiation",
      summary: "Globex moved to negotiation with no objection or risk recorded",
    });
    expect(triggers[1]?.key).toBe("stage_change:negotiation");
  });

  it("moving to negotiation with a risk recorded earlier: only the stage change", () => {
    const before = state({ stage: "proposal" }, { riskRecorded: true });
    expect(kinds(detectTriggers(update({ stage: "negotiation" }), before, NOW).triggers)).toEqual([
      "stage_change",
    ]);
  });

  it("a concern in this very update's note counts as recorded", () => {
    const moving = update(
      { stage: "negotiation" },
      { note: "Their CFO is worried about the rollout timeline" },
    );
    const { triggers, after } = detectTriggers(moving, state({ stage: "proposal" }), NOW);
    expect(kinds(triggers)).toEqual(["stage_change"]);
    expect(after.riskRecorded).toBe(true);
  });

  it("moving to closing untested: late_stage_untested:closing", () => {
    const { triggers } = detectTriggers(update({ stage: "closing" }), state({ stage: "negotiation" }), NOW);
    expect(triggers.map((t) => t.key)).toEqual(["late_stage_untested:closing", "stage_change:closing"]);
    expect(triggers[1]?.themes).toEqual(["urgency", "decision_process", "absence_of_no", "customer_success"]);
  });

  it("a stage whose old value is unknown counts when the source lists it as changed", () => {
    const before = state({});
    expect(detectTriggers(update({ stage: "solution" }), before, NOW).triggers).toEqual([]);
    const listed = update({ stage: "solution" }, { changedFields: ["stage"] });
    expect(kinds(detectTriggers(listed, before, NOW).triggers)).toEqual(["stage_change"]);
  });
});

describe("close date moved", () => {
  it("the 1st move: urgency", () => {
    const before = state({ stage: "proposal", closeDate: "2026-12-01" });
    const { triggers, after } = detectTriggers(update({ closeDate: "2027-01-15" }), before, NOW);
    expect(only(triggers)).toEqual({
      kind: "close_date_moved",
      themes: ["urgency"],
      key: "close_date_moved:1",
      summary: "Globex: close date moved from 2026-12-01 to 2027-01-15 (1st move)",
    });
    expect(after.closeDateMoves).toBe(1);
  });

  it("the 2nd move is stronger: urgency, then absence_of_no", () => {
    const before = state({ stage: "proposal", closeDate: "2026-12-01" }, { closeDateMoves: 1 });
    const { triggers, after } = detectTriggers(update({ closeDate: "2027-01-15" }), before, NOW);
    expect(only(triggers)).toMatchObject({
      themes: ["urgency", "absence_of_no"],
      key: "close_date_moved:2",
      summary: "Globex: close date moved from 2026-12-01 to 2027-01-15 (2nd move)",
    });
    expect(after.closeDateMoves).toBe(2);
  });

  it("a move from an unknown date, reported by the source, still counts", () => {
    const { triggers } = detectTriggers(
      update({ closeDate: "2026-09-30" }, { changedFields: ["closeDate"] }),
      state({}),
      NOW,
    );
    expect(only(triggers).summary).toBe("Globex: close date moved to 2026-09-30 (1st move)");
  });

  it("uses the source's previous value on a first sighting", () => {
    const moved = update({ closeDate: "2026-07-31" }, { previous: { closeDate: "2026-06-30" } });
    expect(only(detectTriggers(moved, undefined, NOW).triggers).key).toBe("close_date_moved:1");
  });

  it("ordinals", () => {
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual([
      "1st",
      "2nd",
      "3rd",
      "4th",
      "11th",
      "12th",
      "13th",
      "21st",
      "22nd",
      "101st",
      "111th",
    ]);
  });
});

describe("quarter-end pull-in", () => {
  const march = new Date("2026-03-05T12:00:00Z"); // Q1 ends 2026-03-31; its last 3 weeks start 03-11

  it("knows the last 3 weeks of the quarter", () => {
    expect(quarterEndWindow(march)).toEqual({ from: "2026-03-11", to: "2026-03-31" });
    expect(quarterEndWindow(new Date("2026-11-20T00:00:00Z"))).toEqual({
      from: "2026-12-11",
      to: "2026-12-31",
    });
    expect(quarterEndWindow(new Date("2026-05-01T00:00:00Z"))).toEqual({
      from: "2026-06-10",
      to: "2026-06-30",
    });
  });

  it("close date pulled earlier into the quarter's last 3 weeks: customer_success, then value_over_time", () => {
    const before = state({ stage: "negotiation", closeDate: "2026-04-20" }, { riskRecorded: true });
    const { triggers } = detectTriggers(update({ closeDate: "2026-03-27" }), before, march);
    expect(kinds(triggers)).toEqual(["pull_in", "close_date_moved"]);
    expect(triggers[0]).toEqual({
      kind: "pull_in",
      themes: ["customer_success", "value_over_time"],
      key: "pull_in:2026-03-27",
      summary:
        "Globex: close date pulled in from 2026-04-20 to 2026-03-27, within 3 weeks of the quarter end",
    });
  });

  it("the window's edges: 03-11 is in, 03-10 is out", () => {
    const before = state({ closeDate: "2026-04-20" });
    expect(kinds(detectTriggers(update({ closeDate: "2026-03-11" }), before, march).triggers)).toContain(
      "pull_in",
    );
    expect(kinds(detectTriggers(update({ closeDate: "2026-03-10" }), before, march).triggers)).toEqual([
      "close_date_moved",
    ]);
  });

  it("a move later into the window, or earlier but outside it, is not a pull-in", () => {
    const later = detectTriggers(
      update({ closeDate: "2026-03-20" }),
      state({ closeDate: "2026-03-02" }),
      march,
    );
    expect(kinds(later.triggers)).toEqual(["close_date_moved"]);
    const early = detectTriggers(
      update({ closeDate: "2026-04-20" }),
      state({ closeDate: "2026-05-20" }),
      march,
    );
    expect(kinds(early.triggers)).toEqual(["close_date_moved"]);
  });

  it("amount reduced while the close date is pulled earlier, at any time of the quarter", () => {
    const before = state({ amount: 50_000, currency: "USD", closeDate: "2026-09-30" });
    const { triggers } = detectTriggers(update({ amount: 40_000, closeDate: "2026-08-31" }), before, march);
    expect(triggers[0]).toMatchObject({
      kind: "pull_in",
      key: "pull_in:2026-08-31",
      summary:
        "Globex: close date pulled in from 2026-09-30 to 2026-08-31, amount down from 50,000 USD to 40,000 USD",
    });
  });

  it("an amount cut alone is not a pull-in", () => {
    const before = state({ amount: 50_000, closeDate: "2026-09-30" });
    expect(detectTriggers(update({ amount: 40_000 }), before, march).triggers).toEqual([]);
  });
});

describe("discount", () => {
  const before = state({ stage: "negotiation" }, { riskRecorded: true });

  it("14 % raises nothing; 15 % is customer_success, then impact", () => {
    expect(detectTriggers(update({ discountPercent: 14 }), before, NOW).triggers).toEqual([]);
    const { triggers, after } = detectTriggers(update({ discountPercent: 15 }), before, NOW);
    expect(only(triggers)).toEqual({
      kind: "discount",
      themes: ["customer_success", "impact"],
      key: "discount:15",
      summary: "Globex: discount at 15 %",
    });
    expect(after.snapshot.discountPercent).toBe(15);
  });

  it("an increase fires again under a new key; the same or a smaller discount does not", () => {
    const at15 = state({ stage: "negotiation", discountPercent: 15 }, { riskRecorded: true });
    expect(only(detectTriggers(update({ discountPercent: 20 }), at15, NOW).triggers)).toMatchObject({
      key: "discount:20",
      summary: "Globex: discount at 20 % (was 15 %)",
    });
    const at20 = state({ stage: "negotiation", discountPercent: 20 }, { riskRecorded: true });
    expect(detectTriggers(update({ discountPercent: 20 }), at20, NOW).triggers).toEqual([]);
    expect(detectTriggers(update({ discountPercent: 16 }), at20, NOW).triggers).toEqual([]);
  });

  it("a discount is a recorded risk", () => {
    expect(detectTriggers(update({ discountPercent: 5 }), state({}), NOW).after.riskRecorded).toBe(true);
  });

  it("comes first when a deal moves and discounts at once", () => {
    const proposal = state({ stage: "proposal" }, { riskRecorded: true });
    const { triggers } = detectTriggers(update({ stage: "negotiation", discountPercent: 25 }), proposal, NOW);
    expect(kinds(triggers)).toEqual(["discount", "stage_change"]);
  });
});

describe("won and lost", () => {
  it("won: value_over_time, then next_step; wonAt is when it happened; the close-date stamp is not a move", () => {
    const before = state({ stage: "closing", closeDate: "2026-03-31" }, { riskRecorded: true });
    const { triggers, after } = detectTriggers(
      update({ status: "won", closeDate: "2026-02-10" }, { occurredAt: "2026-02-10T09:30:00+01:00" }),
      before,
      NOW,
    );
    expect(only(triggers)).toEqual({
      kind: "won",
      themes: ["value_over_time", "next_step"],
      key: "won",
      summary: "Globex was won",
    });
    expect(after.wonAt).toBe("2026-02-10T08:30:00.000Z");
    expect(after.closeDateMoves).toBe(0);
  });

  it("won from a closed-won stage when the CRM has no status field (HubSpot)", () => {
    const before = state({ stage: "closing", status: undefined });
    const { triggers } = detectTriggers(update({ stage: "post_sale" }), before, NOW);
    expect(kinds(triggers)).toEqual(["won"]);
  });

  it("lost: self_reflection, then competition; also from a closed-lost stage", () => {
    const byStatus = detectTriggers(update({ status: "lost" }), state({ stage: "negotiation" }), NOW);
    expect(only(byStatus.triggers)).toEqual({
      kind: "lost",
      themes: ["self_reflection", "competition"],
      key: "lost",
      summary: "Globex was lost",
    });
    const byStage = detectTriggers(
      update({ stage: "closed_lost" }),
      state({ stage: "negotiation", status: undefined }),
      NOW,
    );
    expect(kinds(byStage.triggers)).toEqual(["lost"]);
  });

  it("changes to a closed deal raise nothing", () => {
    const won = state(
      { stage: "post_sale", status: "won", closeDate: "2026-02-01" },
      { wonAt: "2026-02-01T00:00:00Z" },
    );
    const { triggers, after } = detectTriggers(
      update({ amount: 1, closeDate: "2026-02-03", discountPercent: 30 }),
      won,
      NOW,
    );
    expect(triggers).toEqual([]);
    expect(after.wonAt).toBe("2026-02-01T00:00:00Z");
  });
});

describe("won follow-ups", () => {
  const won = state({ stage: "post_sale", status: "won" }, { wonAt: "2026-01-01T10:00:00.000Z" });
  const day = (n: number) => new Date(Date.parse("2026-01-01T10:00:00Z") + n * 86_400_000);

  it("nothing at 29 days; won_30 at 30; won_90 (alone) at 90", () => {
    expect(followUpsDue(won, day(29))).toEqual([]);
    expect(followUpsDue(won, day(30))).toEqual([
      {
        kind: "won_30",
        themes: ["value_over_time", "next_step"],
        key: "won_30",
        summary: "Globex: 30 days since it was won on 2026-01-01",
      },
    ]);
    expect(followUpsDue(won, day(89)).map((t) => t.key)).toEqual(["won_30"]);
    expect(followUpsDue(won, day(90)).map((t) => t.key)).toEqual(["won_90"]);
    expect(followUpsDue(won, day(400)).map((t) => t.key)).toEqual(["won_90"]);
  });

  it("nothing for a deal that was never won, or was reopened", () => {
    expect(followUpsDue(state({}), day(30))).toEqual([]);
    expect(followUpsDue({ ...won, snapshot: { ...won.snapshot, status: "open" } }, day(30))).toEqual([]);
  });
});

describe("idle", () => {
  // Monday 2026-03-02; 14 business days later is Friday 2026-03-20, two weekends on.
  const quiet = state({ stage: "proposal", lastActivityAt: "2026-03-02T15:00:00Z" });

  it("13 business days is not idle; 14 is: next_step, then urgency", () => {
    expect(idleTrigger(quiet, new Date("2026-03-19T09:00:00Z"))).toBeUndefined();
    expect(idleTrigger(quiet, new Date("2026-03-20T09:00:00Z"))).toEqual({
      kind: "idle",
      themes: ["next_step", "urgency"],
      key: "idle:2026-03-02",
      summary: "Globex: no activity for 14 business days (last on 2026-03-02)",
    });
  });

  it("weekend days do not count: a Friday activity is 13 days old on the Wednesday 2.5 weeks later", () => {
    const friday = state({ lastActivityAt: "2026-03-06T17:00:00Z" });
    expect(idleTrigger(friday, new Date("2026-03-25T12:00:00Z"))).toBeUndefined(); // 13
    expect(idleTrigger(friday, new Date("2026-03-26T12:00:00Z"))?.key).toBe("idle:2026-03-06"); // 14
  });

  it("falls back to the last update we saw, and a new activity resets it", () => {
    const seen = state({}, { lastSeenAt: "2026-03-02T15:00:00.000Z" });
    expect(idleTrigger(seen, new Date("2026-03-20T09:00:00Z"))?.key).toBe("idle:2026-03-02");
    const { after } = detectTriggers(update({ lastActivityAt: "2026-03-18T10:00:00Z" }), quiet, NOW);
    expect(idleTrigger(after, new Date("2026-03-20T09:00:00Z"))).toBeUndefined();
  });

  it("takes IDLE_DAYS, and refuses a nonsense one", () => {
    expect(idleTrigger(quiet, new Date("2026-03-09T09:00:00Z"), 5)?.summary).toMatch(/5 business days/);
    expect(() => idleTrigger(quiet, NOW, 0)).toThrow(RangeError);
    expect(() => idleTrigger(quiet, NOW, 2.5)).toThrow(RangeError);
  });

  it("a closed deal, or one with no known activity, is never idle", () => {
    const won = state({ status: "won", lastActivityAt: "2025-01-01T00:00:00Z" });
    expect(idleTrigger(won, NOW)).toBeUndefined();
    expect(idleTrigger(state({}), NOW)).toBeUndefined();
  });

  it("businessDaysBetween counts Monday-to-Friday dates after the first, up to the second", () => {
    const d = (s: string) => new Date(`${s}T12:00:00Z`);
    expect(businessDaysBetween(d("2026-03-06"), d("2026-03-06"))).toBe(0);
    expect(businessDaysBetween(d("2026-03-06"), d("2026-03-08"))).toBe(0); // Fri -> Sun
    expect(businessDaysBetween(d("2026-03-06"), d("2026-03-09"))).toBe(1); // Fri -> Mon
    expect(businessDaysBetween(d("2026-03-07"), d("2026-03-09"))).toBe(1); // Sat -> Mon
    expect(businessDaysBetween(d("2026-03-02"), d("2026-03-09"))).toBe(5);
    expect(businessDaysBetween(d("2026-03-09"), d("2026-03-02"))).toBe(0);
    expect(businessDaysBetween(d("2026-01-01"), d("2026-12-31"))).toBe(260);
    expect(businessDaysBetween(new Date(Number.NaN), d("2026-03-02"))).toBe(0);
  });
});

describe("risk and echoes", () => {
  it("reads a risk from a competitor field, a discount, or the note", () => {
    expect(recordsRisk(update({ competitor: "Initech" }))).toBe(true);
    expect(recordsRisk(update({ competitor: "none" }))).toBe(false);
    expect(recordsRisk(update({}, { note: "CFO pushed back on price" }))).toBe(true);
    expect(recordsRisk(update({}, { note: "they are also evaluating Initech" }))).toBe(true);
    expect(recordsRisk(update({}, { note: "Legal flagged a risk in the DPA" }))).toBe(true);
    expect(recordsRisk(update({}, { note: "procurement is a blocker" }))).toBe(true);
  });

  it("does not read a risk where there is none, or where it is denied", () => {
    expect(recordsRisk(update({}, { note: "Great call, they loved the demo" }))).toBe(false);
    expect(recordsRisk(update({}, { note: "no concerns so far, no risks either" }))).toBe(false);
    expect(recordsRisk(update({}, { note: "nobody pushed back on anything" }))).toBe(false);
    expect(recordsRisk(update({ discountPercent: 0 }))).toBe(false);
  });

  it("an echo of our own write raises nothing but still updates the state", () => {
    const before = state({ stage: "proposal" }, { lastSeenAt: "2026-02-01T00:00:00.000Z" });
    const echo = update({ stage: "negotiation", discountPercent: 30 }, { echo: true });
    const { triggers, after } = detectTriggers(echo, before, NOW);
    expect(triggers).toEqual([]);
    expect(after.snapshot.stage).toBe("negotiation");
    expect(after.riskRecorded).toBe(true);
    expect(after.lastSeenAt).toBe("2026-02-01T00:00:00.000Z"); // our own write is not activity
  });

  it("an echo on first sighting raises no new_deal", () => {
    expect(detectTriggers(update({ stage: "discovery" }, { echo: true }), undefined, NOW).triggers).toEqual(
      [],
    );
  });

  it("is pure: the same input gives the same output and the inputs are not modified", () => {
    const before = state({ stage: "proposal", closeDate: "2026-12-01" });
    const input = update({ stage: "negotiation", closeDate: "2027-01-15" });
    const copy = structuredClone({ before, input });
    expect(detectTriggers(input, before, NOW)).toEqual(detectTriggers(input, before, NOW));
    expect({ before, input }).toEqual(copy);
  });
});
