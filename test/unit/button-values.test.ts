import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { anglePayload, coachReplyBlocks } from "../../src/slack/blocks/coach-reply.js";
import { LIMITS } from "../../src/slack/blocks/limits.js";
import { nudgeBlocks } from "../../src/slack/blocks/nudge.js";
import {
  angleValue,
  linkRequestValue,
  MAX_SITUATION_IN_BUTTON,
  nudgeDealValue,
  reflectMetadata,
  reflectValue,
  settingsMetadata,
  situationMetadata,
  weeklyAnswerMetadata,
  weeklyValue,
} from "../../src/slack/button-values.js";
import { NUDGE_ACTION } from "../../src/slack/ids.js";

// The values buttons and modals carry back: named fields now, the older one-letter shapes still read
// (buttons already posted in Slack keep working), nothing else accepted, and never over Slack's limits.

describe("button values: the current shape", () => {
  it("round-trips every kind through encode and decode, with named fields", () => {
    const cases: Array<[{ encode(v: never): string | undefined; decode(r: string): unknown }, object]> = [
      [angleValue, { situation: "they went quiet", stage: "proposal", shownThemes: ["budget"] }],
      [reflectValue, { questions: ["a.b", "c.d"] }],
      [reflectMetadata, { questions: ["a.b"] }],
      [weeklyValue, { prompt: "week.customer-moved-it", week: "2026-W10" }],
      [weeklyAnswerMetadata, { prompt: null, week: "2026-W10", question: "What moved?" }],
      [situationMetadata, { responseUrl: "https://hooks.slack.com/commands/T/1/x", channel: "C1" }],
      [settingsMetadata, { responseUrl: "https://hooks.slack.com/commands/T/1/x" }],
      [linkRequestValue, { email: "ann@acme.test", userId: "U1" }],
      [nudgeDealValue, { source: "hubspot", dealId: "D-100" }],
    ];
    for (const [codec, value] of cases) {
      const raw = codec.encode(value as never);
      expect(raw, JSON.stringify(value)).toBe(JSON.stringify(value));
      expect(codec.decode(raw as string)).toEqual(value);
    }
  });
});

describe("button values: the older one-letter shapes, still on messages in Slack", () => {
  it("reads each of them into the named fields", () => {
    expect(angleValue.decode('{"s":"they went quiet","g":"proposal","x":["budget"]}')).toEqual({
      situation: "they went quiet",
      stage: "proposal",
      shownThemes: ["budget"],
    });
    // The oldest Another angle buttons carried neither stage nor themes.
    expect(angleValue.decode('{"s":"they went quiet"}')).toEqual({
      situation: "they went quiet",
      stage: null,
      shownThemes: [],
    });
    expect(reflectValue.decode('{"q":["a.b"]}')).toEqual({ questions: ["a.b"] });
    expect(reflectMetadata.decode('{"q":["a.b","c.d"]}')).toEqual({ questions: ["a.b", "c.d"] });
    expect(weeklyValue.decode('{"p":"week.x","w":"2026-W10"}')).toEqual({
      prompt: "week.x",
      week: "2026-W10",
    });
    expect(weeklyAnswerMetadata.decode('{"p":null,"w":"2026-W10","q":"What moved?"}')).toEqual({
      prompt: null,
      week: "2026-W10",
      question: "What moved?",
    });
    expect(weeklyAnswerMetadata.decode('{"p":"week.x","w":"2026-W10"}')).toEqual({
      prompt: "week.x",
      week: "2026-W10",
      question: "",
    });
    expect(situationMetadata.decode('{"r":"https://hooks.slack.com/x","c":"C1"}')).toEqual({
      responseUrl: "https://hooks.slack.com/x",
      channel: "C1",
    });
    expect(settingsMetadata.decode('{"r":"https://hooks.slack.com/x"}')).toEqual({
      responseUrl: "https://hooks.slack.com/x",
    });
    expect(linkRequestValue.decode('{"e":"ann@acme.test","u":"U1"}')).toEqual({
      email: "ann@acme.test",
      userId: "U1",
    });
    expect(nudgeDealValue.decode('{"s":"deals","d":"D-100"}')).toEqual({ source: "deals", dealId: "D-100" });
  });
});

describe("button values: what is not one", () => {
  const all = [
    angleValue,
    reflectValue,
    reflectMetadata,
    weeklyValue,
    weeklyAnswerMetadata,
    situationMetadata,
    settingsMetadata,
    linkRequestValue,
    nudgeDealValue,
  ];

  it("answers undefined, never throws, for missing or unreadable JSON", () => {
    for (const codec of all)
      for (const raw of [undefined, "", "{", "keep", "not json", "{'s':'x'}", "null", "[]", "42", '"s"']) {
        expect(codec.decode(raw), raw).toBeUndefined();
      }
  });

  it("refuses the wrong types, in both shapes", () => {
    const wrong: Array<[(typeof all)[number], string]> = [
      [angleValue, '{"situation":1,"stage":null,"shownThemes":[]}'],
      [angleValue, '{"situation":"x","stage":null,"shownThemes":"budget"}'],
      [angleValue, '{"s":["x"]}'],
      [angleValue, '{"s":"x","x":[1]}'],
      [reflectValue, '{"questions":"a.b"}'],
      [reflectValue, '{"q":[1,2]}'],
      [reflectValue, '{"q":[""]}'],
      [weeklyValue, '{"prompt":"a","week":7}'],
      [weeklyValue, '{"p":1,"w":"x"}'],
      [weeklyValue, '{"p":"a"}'],
      [weeklyAnswerMetadata, '{"prompt":"a","week":"w","question":3}'],
      [weeklyAnswerMetadata, '{"p":3}'],
      [situationMetadata, '{"responseUrl":5,"channel":"C"}'],
      [situationMetadata, '{"c":"C1"}'],
      [settingsMetadata, '{"r":null}'],
      [linkRequestValue, '{"email":"","userId":"U1"}'],
      [linkRequestValue, '{"e":"a@b.c","u":2}'],
      [nudgeDealValue, '{"source":"salesforce","dealId":"D"}'],
      [nudgeDealValue, '{"s":"deals","d":5}'],
      [nudgeDealValue, '{"s":"deals"}'],
    ];
    for (const [codec, raw] of wrong) expect(codec.decode(raw), raw).toBeUndefined();
  });

  it("refuses a value longer than Slack would ever send back", () => {
    const padded = `{"s":"x","pad":"${"p".repeat(LIMITS.buttonValue)}"}`;
    expect(angleValue.decode(padded)).toBeUndefined();
    expect(angleValue.decode('{"s":"x","pad":"p"}')).toEqual({
      situation: "x",
      stage: null,
      shownThemes: [],
    });
    // private_metadata has its own limit, 3000.
    const meta = `{"questions":["a"],"pad":"${"p".repeat(2500)}"}`;
    expect(meta.length).toBeLessThanOrEqual(LIMITS.privateMetadata);
    expect(reflectMetadata.decode(meta)).toEqual({ questions: ["a"] });
    expect(reflectValue.decode(meta)).toBeUndefined();
  });
});

describe("button values: within Slack's 2000 characters", () => {
  it("shortens the situation until Another angle fits, whatever JSON makes of its characters", () => {
    const shown = ["absence_of_no", "next_step", "budget", "champion"];
    for (const text of [
      "x".repeat(5000),
      '"'.repeat(5000),
      "\\".repeat(5000),
      "\u0001".repeat(5000), // six characters each in JSON
      "🙂".repeat(3000),
      `${"a".repeat(1199)}🙂`, // a surrogate pair at the cut
    ]) {
      const raw = angleValue.encode({ situation: text, stage: "proposal", shownThemes: shown });
      expect(raw).toBeDefined();
      expect((raw as string).length).toBeLessThanOrEqual(LIMITS.buttonValue);
      const back = angleValue.decode(raw);
      expect(back?.stage).toBe("proposal");
      expect(back?.shownThemes).toEqual(shown);
      expect(back?.situation.length).toBeGreaterThan(0);
      expect(back?.situation.length).toBeLessThanOrEqual(MAX_SITUATION_IN_BUTTON);
      // What is kept is the situation's beginning (and the ellipsis of a cut).
      expect(text.startsWith((back?.situation ?? "").replace(/…$/, "").slice(0, -1))).toBe(true);
    }
  });

  it("fits for any text (property)", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 4000 }), (text) => {
        const raw = anglePayload(text, null, []);
        expect(raw).toBeDefined();
        expect((raw as string).length).toBeLessThanOrEqual(LIMITS.buttonValue);
        expect(angleValue.decode(raw)).toBeDefined();
      }),
      { numRuns: 100 },
    );
  });

  it("keeps the Another angle button on a reply to a pasted e-mail full of quotes", () => {
    const rendered = coachReplyBlocks(
      {
        questions: [{ id: "a.b", text: "What did they say?", theme: "next_step", signals: [] }],
        stage: null,
      },
      { text: `"${'he said "no" \\ '.repeat(400)}"`, shownThemes: [] },
    );
    const footer = rendered.blocks.find((b) => b.block_id === "coach_actions");
    const angle = footer?.type === "actions" ? footer.elements[0] : undefined;
    expect(angle?.type === "button" && angle.value).toBeTruthy();
    const value = angle?.type === "button" ? (angle.value ?? "") : "";
    expect(value.length).toBeLessThanOrEqual(LIMITS.buttonValue);
    expect(angleValue.decode(value)?.situation.startsWith('"he said "no"')).toBe(true);
  });

  it("leaves Snooze and Mute out of a nudge whose deal id could not fit, rather than break them", () => {
    const input = {
      dealName: "Globex",
      summary: "Stage moved",
      questions: [{ id: "a.b", text: "What changed for them?", theme: "next_step" as const, signals: [] }],
      source: "deals" as const,
    };
    const ids = (dealId: string) =>
      nudgeBlocks({ ...input, dealId })
        .blocks.flatMap((b) => (b.type === "actions" ? b.elements : []))
        .map((e) => (e.type === "button" ? e.action_id : e.type));
    expect(ids("D-1")).toContain(NUDGE_ACTION.snooze);
    expect(ids("D".repeat(5000))).not.toContain(NUDGE_ACTION.snooze);
    expect(ids("D".repeat(5000))).not.toContain(NUDGE_ACTION.mute);
    expect(nudgeDealValue.encode({ source: "deals", dealId: "D".repeat(5000) })).toBeUndefined();
    expect(linkRequestValue.encode({ email: `${"a".repeat(400)}@x.test`, userId: "U1" })).toBeUndefined();
  });
});
