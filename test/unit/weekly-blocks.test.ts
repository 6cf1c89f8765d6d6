import { describe, expect, it } from "vitest";
import { checkReply } from "../../src/coaching/guard.js";
import { chooseWeeklyPrompt, type WeeklyPrompt } from "../../src/reflection/prompt.js";
import { LIMITS } from "../../src/slack/blocks/limits.js";
import {
  invitationQuestion,
  KEEP_GOING_QUESTION,
  keepGoingMessage,
  WEEKLY_ACTION,
  WEEKLY_EVENT_TYPE,
  WEEKLY_INPUT,
  WEEKLY_VIEW,
  weeklyAnswerModal,
  weeklyInvitation,
  weeklyPromptMessage,
} from "../../src/slack/blocks/weekly.js";
import { weeklyValue } from "../../src/slack/button-values.js";
import { library } from "../support/library.js";

type Json = Record<string, unknown>;

/** Every text object in a block tree, with the key path that led to it. */
function texts(node: unknown, out: Array<{ type: string; text: string }> = []) {
  if (Array.isArray(node)) for (const n of node) texts(n, out);
  else if (node && typeof node === "object") {
    const o = node as Json;
    if ((o.type === "mrkdwn" || o.type === "plain_text") && typeof o.text === "string")
      out.push({ type: o.type, text: o.text });
    for (const v of Object.values(o)) texts(v, out);
  }
  return out;
}

function buttons(blocks: readonly object[]): Json[] {
  return (blocks as Json[]).filter((b) => b.type === "actions").flatMap((b) => b.elements as Json[]);
}

/** Section texts: what the rep reads as the question. */
function sectionTexts(blocks: readonly object[]): string[] {
  return (blocks as Json[]).filter((b) => b.type === "section").map((b) => (b.text as { text: string }).text);
}

describe("WEEKLY_ACTION", () => {
  it("names every button's action id", () => {
    expect(WEEKLY_ACTION).toEqual({
      answer: "weekly_answer",
      skip: "weekly_skip",
      pause: "weekly_pause",
      stop: "weekly_stop",
      keep: "weekly_keep",
      optIn: "weekly_opt_in",
    });
  });
});

describe("weeklyPromptMessage", () => {
  const prompt: WeeklyPrompt = {
    id: "week.customer-moved-it",
    theme: "next_step",
    text: "Which deal moved this week because of something the customer did?",
    quote: "Globex wants a pilot first.",
    quoteLead: "Last week you wrote",
    context: "This week: Globex moved; Initech slipped.",
  };
  const value = '{"prompt":"week.customer-moved-it","week":"2026-W10"}';

  it("renders the exact JSON", () => {
    expect(weeklyPromptMessage(prompt, "2026-W10")).toEqual({
      text: "Which deal moved this week because of something the customer did?",
      blocks: [
        {
          type: "context",
          elements: [{ type: "mrkdwn", text: "Last week you wrote: “Globex wants a pilot first.”" }],
        },
        {
          type: "context",
          elements: [{ type: "mrkdwn", text: "This week: Globex moved; Initech slipped." }],
        },
        {
          type: "section",
          text: {
            type: "mrkdwn",
            text: "Which deal moved this week because of something the customer did?",
          },
          block_id: "weekly_question",
        },
        {
          type: "actions",
          block_id: "weekly_actions",
          elements: [
            {
              type: "button",
              text: { type: "plain_text", text: "Answer", emoji: true },
              action_id: "weekly_answer",
              value,
              style: "primary",
            },
            {
              type: "button",
              text: { type: "plain_text", text: "Skip this week", emoji: true },
              action_id: "weekly_skip",
              value,
            },
            {
              type: "button",
              text: { type: "plain_text", text: "Pause 4 weeks", emoji: true },
              action_id: "weekly_pause",
              value,
            },
            {
              type: "button",
              text: { type: "plain_text", text: "Stop", emoji: true },
              action_id: "weekly_stop",
              value,
            },
          ],
        },
        {
          type: "context",
          elements: [{ type: "mrkdwn", text: "Only you see this question and your answer." }],
        },
      ],
      metadata: { event_type: "deal_coach_weekly_prompt", event_payload: { week: "2026-W10" } },
    });
    expect(WEEKLY_EVENT_TYPE).toBe("deal_coach_weekly_prompt");
    expect(weeklyValue.decode(value)).toEqual({ prompt: "week.customer-moved-it", week: "2026-W10" });
  });

  it("leaves out the quote and the deal line when there are none", () => {
    const { blocks } = weeklyPromptMessage(
      { id: "a.b", theme: "goals", text: "What stood out?" },
      "2026-W10",
    );
    expect(blocks.map((b) => b.type)).toEqual(["section", "actions", "context"]);
  });

  it("puts only a guarded question where a question goes, and keeps the quote and names out of the notification", () => {
    const built = chooseWeeklyPrompt({
      library,
      week: { moved: ["Globex"], slipped: ["Initech"], quiet: [], noNo: ["Umbrella"] },
      lastAnswer: { text: "Secret: Globex budget is frozen.", at: new Date("2026-02-27T15:00:00Z") },
      recentPromptIds: [],
      seed: "U1:2026-W10",
      now: new Date("2026-03-06T15:00:00Z"),
    });
    const message = weeklyPromptMessage(built, "2026-W10");
    for (const text of sectionTexts(message.blocks)) expect(checkReply(text).ok).toBe(true);
    expect(checkReply(message.text).ok).toBe(true);
    expect(message.text).not.toContain("Globex");
    expect(message.text).not.toContain("Secret");
  });

  it("escapes CRM names and the rep's own words", () => {
    const { blocks } = weeklyPromptMessage(
      {
        id: "a.b",
        theme: "goals",
        text: "What stood out?",
        quote: "<@U999> said <!channel> & left",
        context: "This week: <https://evil|Acme> moved.",
      },
      "2026-W10",
    );
    const all = texts(blocks)
      .map((t) => t.text)
      .join("\n");
    expect(all).not.toMatch(/[<>]/);
    expect(all).toContain("&lt;@U999&gt; said &lt;!channel&gt; &amp; left");
    expect(all).toContain("&lt;https://evil|Acme&gt; moved.");
  });

  it("stays within Slack's limits with a very long previous answer and 50 long deal names", () => {
    const names = Array.from({ length: 50 }, (_, i) => `<Deal & ${i}> ${"&".repeat(300)}`);
    const built = chooseWeeklyPrompt({
      library,
      week: { moved: names, slipped: names, quiet: names, noNo: names },
      lastAnswer: { text: "<&>".repeat(5000), at: new Date("2026-02-27T15:00:00Z") },
      recentPromptIds: [],
      seed: "U1:2026-W10",
    });
    // A renderer fed the raw, unclipped values still fits.
    for (const p of [built, { ...built, quote: "<&>".repeat(5000), context: names.join(", ").repeat(10) }]) {
      const message = weeklyPromptMessage(p, "2026-W10");
      expect(message.blocks.length).toBeLessThanOrEqual(LIMITS.messageBlocks);
      expect(message.text.length).toBeLessThanOrEqual(3000);
      for (const t of texts(message.blocks)) {
        expect(t.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
        // No entity cut in half by clipping.
        expect(t.text).not.toMatch(/&(?!amp;|lt;|gt;)/);
      }
      for (const b of buttons(message.blocks)) {
        expect((b.value as string).length).toBeLessThanOrEqual(LIMITS.buttonValue);
        expect((b.text as { text: string }).text.length).toBeLessThanOrEqual(LIMITS.buttonText);
      }
      expect(JSON.parse(JSON.stringify(message))).toEqual(message);
    }
  });
});

describe("weeklyAnswerModal", () => {
  it("asks the question, takes a private multiline answer and fits the title limit", () => {
    const view = weeklyAnswerModal("What has happened since?", '{"p":"follow_up.since","w":"2026-W10"}');
    expect(view.callback_id).toBe("weekly_answer_modal");
    expect(view.callback_id).toBe(WEEKLY_VIEW.answer);
    expect(view.title.text.length).toBeLessThanOrEqual(24);
    expect(view.submit?.text.length ?? 0).toBeLessThanOrEqual(24);
    expect(view.close?.text.length ?? 0).toBeLessThanOrEqual(24);
    expect(view.private_metadata).toBe('{"p":"follow_up.since","w":"2026-W10"}');
    const input = view.blocks.find((b) => b.type === "input") as object as Json;
    expect(input.block_id).toBe("weekly_answer");
    expect(input.element).toEqual({
      type: "plain_text_input",
      action_id: "answer",
      multiline: true,
      max_length: 3000,
    });
    expect(WEEKLY_INPUT.answer).toEqual(["weekly_answer", "answer"]);
    const all = texts(view.blocks)
      .map((t) => t.text)
      .join("\n");
    expect(all).toContain("*What has happened since?*");
    expect(all).toMatch(/private/i);
  });

  it("escapes and clips an over-long question", () => {
    const view = weeklyAnswerModal(`<b>${"x".repeat(5000)}`, "m");
    for (const t of texts(view.blocks)) expect(t.text.length).toBeLessThanOrEqual(LIMITS.sectionText);
    expect(texts(view.blocks)[0]?.text.startsWith("*&lt;b&gt;")).toBe(true);
  });
});

describe("keepGoingMessage", () => {
  it("asks an open, guarded question with Keep, Pause 4 weeks and Stop", () => {
    const message = keepGoingMessage("2026-W12");
    expect(checkReply(KEEP_GOING_QUESTION)).toEqual({ ok: true, reasons: [] });
    expect(message.text).toBe(KEEP_GOING_QUESTION);
    expect(sectionTexts(message.blocks)).toEqual([KEEP_GOING_QUESTION]);
    expect(buttons(message.blocks).map((b) => b.action_id)).toEqual([
      WEEKLY_ACTION.keep,
      WEEKLY_ACTION.pause,
      WEEKLY_ACTION.stop,
    ]);
    expect(message.metadata).toEqual({
      event_type: "deal_coach_weekly_prompt",
      event_payload: { week: "2026-W12", kind: "keep_going" },
    });
    expect(keepGoingMessage().metadata).toBeUndefined();
  });
});

describe("weeklyInvitation", () => {
  it("invites with an open question that passes the guard and one opt-in button", () => {
    const message = weeklyInvitation();
    expect(message.text).toBe(
      "How would a private question about your week, every Friday, fit the way you work?",
    );
    expect(sectionTexts(message.blocks)).toEqual([message.text]);
    expect(checkReply(message.text)).toEqual({ ok: true, reasons: [] });
    expect(buttons(message.blocks)).toEqual([
      {
        type: "button",
        text: { type: "plain_text", text: "Yes, weekly on Fridays", emoji: true },
        action_id: "weekly_opt_in",
        value: "opt_in",
        style: "primary",
      },
    ]);
    const note = texts(message.blocks)
      .map((t) => t.text)
      .join("\n");
    expect(note).toContain("15:00 your time");
    expect(note).toContain("/coach weekly off");
  });

  it("follows the workspace's default day and time, and every day's question passes the guard", () => {
    for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]) {
      expect(checkReply(invitationQuestion(day)).ok, day).toBe(true);
      const message = weeklyInvitation({ day, time: "09:30" });
      expect(buttons(message.blocks)[0]?.text).toEqual({
        type: "plain_text",
        text: `Yes, weekly on ${day}s`,
        emoji: true,
      });
      expect(texts(message.blocks).some((t) => t.text.includes("09:30 your time"))).toBe(true);
    }
  });
});

describe("weeklyValue.decode", () => {
  it("rejects what is not a weekly button value", () => {
    for (const v of [undefined, "", "keep", "null", "[]", '{"p":1,"w":"x"}', '{"p":"a"}']) {
      expect(weeklyValue.decode(v)).toBeUndefined();
    }
  });
});
