import { describe, expect, it } from "vitest";
import { coachReplyBlocks } from "../../src/slack/blocks/coach-reply.js";
import { homeView } from "../../src/slack/blocks/home.js";
import { button, header, section } from "../../src/slack/blocks/kit.js";
import { clip, LIMITS } from "../../src/slack/blocks/limits.js";
import { forgetDoneMessage, helpMessage } from "../../src/slack/blocks/messages.js";
import { reflectModal, settingsModal, situationModal } from "../../src/slack/blocks/modals.js";
import { ACTION } from "../../src/slack/ids.js";
import { helpLines } from "../../src/slack/listeners/commands/subcommands.js";
import { DEFAULT_SETTINGS } from "../../src/store/types.js";

const q = (id: string, text: string, theme = "absence_of_no") => ({
  id,
  text,
  theme: theme as never,
  signals: [],
});

describe("coach reply blocks", () => {
  it("renders the exact JSON for one question", () => {
    const rendered = coachReplyBlocks(
      { questions: [q("absence_of_no.pushback", "Where have they disagreed with you?")], stage: "solution" },
      { text: "they loved it", shownThemes: ["absence_of_no"] },
    );
    expect(rendered).toEqual({
      text: "Where have they disagreed with you?",
      blocks: [
        {
          type: "section",
          text: { type: "mrkdwn", text: "Where have they disagreed with you?" },
          block_id: "q_0_absence_of_no.pushback",
        },
        {
          type: "actions",
          block_id: "qa_0",
          elements: [
            {
              type: "button",
              text: { type: "plain_text", text: "Go deeper", emoji: true },
              action_id: ACTION.goDeeper,
              value: "absence_of_no.pushback",
            },
            {
              type: "button",
              text: { type: "plain_text", text: "Helpful", emoji: true },
              action_id: ACTION.helpful,
              value: "absence_of_no.pushback",
            },
            {
              type: "button",
              text: { type: "plain_text", text: "Not helpful", emoji: true },
              action_id: ACTION.notHelpful,
              value: "absence_of_no.pushback",
            },
          ],
        },
        {
          type: "actions",
          block_id: "coach_actions",
          elements: [
            {
              type: "button",
              text: { type: "plain_text", text: "Another angle", emoji: true },
              action_id: ACTION.anotherAngle,
              value: JSON.stringify({
                situation: "they loved it",
                stage: "solution",
                shownThemes: ["absence_of_no"],
              }),
            },
            {
              type: "button",
              text: { type: "plain_text", text: "Reflect", emoji: true },
              action_id: ACTION.reflect,
              value: JSON.stringify({ questions: ["absence_of_no.pushback"] }),
              style: "primary",
            },
          ],
        },
        {
          type: "context",
          elements: [{ type: "mrkdwn", text: "Coaching on: absence of no. Your answers stay yours." }],
        },
      ],
    });
  });

  it("escapes user-written markup and keeps the Another angle value under 2000 characters", () => {
    const long = `<!channel> ${"x".repeat(5000)}`;
    const rendered = coachReplyBlocks(
      { questions: [q("a.b", "What did <@U1> & co mean?")], stage: null },
      { text: long, shownThemes: [] },
    );
    expect(JSON.stringify(rendered.blocks[0])).toContain("What did &lt;@U1&gt; &amp; co mean?");
    const angle = (rendered.blocks[2] as { elements: { value: string }[] }).elements[0]?.value ?? "";
    expect(angle.length).toBeLessThanOrEqual(LIMITS.buttonValue);
    expect(JSON.parse(angle).situation.length).toBeLessThanOrEqual(1200);
  });
});

describe("limits", () => {
  it("clips section text at 3000, headers at 150, button text at 75, action ids at 255", () => {
    expect((section("a".repeat(4000)).text as { text: string }).text).toHaveLength(3000);
    expect((header("h".repeat(400)).text as { text: string }).text).toHaveLength(150);
    const b = button("b".repeat(100), "x".repeat(300), "v".repeat(3000));
    expect((b.text as { text: string }).text).toHaveLength(75);
    expect(b.action_id).toHaveLength(255);
    expect(b.value).toHaveLength(2000);
    expect(clip("short", 10)).toBe("short");
    expect(clip("abcdefghij", 5)).toBe("abcd…");
  });

  it("caps Home at 100 blocks however many reflections there are", () => {
    const reflections = Array.from({ length: 200 }, (_, i) => ({
      id: String(i),
      teamId: "T",
      userId: "U",
      questionId: null,
      questionText: "Q?".repeat(500),
      answer: "A".repeat(5000),
      createdAt: new Date("2026-11-20T10:00:00Z"),
    }));
    const view = homeView({
      settings: DEFAULT_SETTINGS,
      reflections,
      stats: { asked: 3, answered: 200 },
      tz: "Europe/Paris",
    });
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    for (const block of view.blocks) {
      const text = (block as { text?: { text: string } }).text?.text ?? "";
      expect(text.length).toBeLessThanOrEqual(3000);
    }
  });

  it("keeps modal titles within 24 characters and always gives a text fallback", () => {
    for (const view of [
      situationModal("{}"),
      reflectModal([{ id: "a", text: "Why?" }], "{}"),
      settingsModal(DEFAULT_SETTINGS),
    ]) {
      expect(view.title.text.length).toBeLessThanOrEqual(24);
      expect(view.blocks.length).toBeLessThanOrEqual(100);
    }
    expect(helpMessage(helpLines()).text.length).toBeGreaterThan(0);
    const none = {
      settings: 0,
      questions: 0,
      reflections: 0,
      feedback: 0,
      weekly: 0,
      crmLinks: 0,
      deals: 0,
      dealHistory: 0,
      dealUpdates: 0,
      nudges: 0,
      dealPrefs: 0,
      cleared: 0,
    };
    const done = forgetDoneMessage({
      ...none,
      settings: 1,
      questions: 12,
      reflections: 1,
      crmLinks: 1,
      deals: 2,
      nudges: 3,
      cleared: 1,
    });
    expect(done.text).toMatch(
      /^Done\. Deleted 12 asked questions, 1 reflection, 1 CRM e-mail link, 2 deals you own in the CRM, 3 nudges and your settings\. Removed your name from 1 record /,
    );
    expect(done.text).not.toMatch(/feedback|history|holds nothing/);
    expect(done.text).toContain("`/coach link you@company.com` lifts it");
    expect(forgetDoneMessage(none).text).toMatch(/^Done\. Deal Coach held nothing about you\. What stays/);
  });
});

describe("home view", () => {
  it("shows the user's settings, counts and reflections", () => {
    const view = homeView({
      settings: { ...DEFAULT_SETTINGS, weekly: { enabled: true, day: 2, time: "09:30" } },
      reflections: [
        {
          id: "r1",
          teamId: "T",
          userId: "U",
          questionId: "goals.x",
          questionText: "What are they hoping for?",
          answer: "A faster close",
          createdAt: new Date("2026-11-20T10:00:00Z"),
        },
      ],
      stats: { asked: 1, answered: 1 },
      tz: "America/New_York",
    });
    const json = JSON.stringify(view);
    expect(json).toContain("Weekly reflection:* on, Tuesdays at 09:30 (America/New_York)");
    expect(json).toContain("You've been asked 1 question and written 1 reflection.");
    expect(json).toContain("A faster close");
  });
});
