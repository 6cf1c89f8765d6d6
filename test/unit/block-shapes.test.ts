import type { types } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { WeeklyPrompt } from "../../src/reflection/prompt.js";
import { caringReplyBlocks, coachReplyBlocks, followUpBlocks } from "../../src/slack/blocks/coach-reply.js";
import { homeView } from "../../src/slack/blocks/home.js";
import {
  BUSY,
  BUSY_SETTINGS,
  feedbackThanks,
  forgetConfirmMessage,
  forgetDoneMessage,
  helpMessage,
  notice,
  reflectionSavedContext,
  SORRY,
  staleButton,
} from "../../src/slack/blocks/messages.js";
import {
  reflectModal,
  reflectSavedView,
  settingsModal,
  situationModal,
} from "../../src/slack/blocks/modals.js";
import { nudgeBlocks } from "../../src/slack/blocks/nudge.js";
import { nudgeChoiceReply, nudgeInvitation } from "../../src/slack/blocks/nudge-choice.js";
import { thinkingMessage } from "../../src/slack/blocks/thinking.js";
import {
  keepGoingMessage,
  weeklyAnswerModal,
  weeklyInvitation,
  weeklyPromptMessage,
} from "../../src/slack/blocks/weekly.js";
import { helpLines } from "../../src/slack/listeners/commands/subcommands.js";
import { DEFAULT_SETTINGS, type ForgetReport } from "../../src/store/types.js";

// Every builder, rendered (with ordinary and with hostile input), checked against the block shapes Slack
// accepts: strict objects, so a misspelt or unknown field fails here rather than as invalid_blocks from
// Slack; and Slack's limits on lengths and counts. The compile-time half is `satisfies` below: each
// builder's result is one of @slack/types' own (through Bolt).

const text = (max: number) => z.string().min(1).max(max);
const plain = (max = 3000) =>
  z.strictObject({ type: z.literal("plain_text"), text: text(max), emoji: z.boolean().optional() });
const mrkdwn = z.strictObject({ type: z.literal("mrkdwn"), text: text(3000) });
const id = text(255);

const button = z.strictObject({
  type: z.literal("button"),
  text: plain(75),
  action_id: id,
  value: z.string().max(2000).optional(),
  style: z.enum(["primary", "danger"]).optional(),
  accessibility_label: text(75).optional(),
});
const option = z.strictObject({ text: plain(75), value: text(150) });
const staticSelect = z.strictObject({
  type: z.literal("static_select"),
  action_id: id.optional(),
  placeholder: plain(150),
  options: z.array(option).min(1).max(100),
  initial_option: option.optional(),
});
const conversations = z.strictObject({
  type: z.literal("multi_conversations_select"),
  action_id: id,
  placeholder: plain(150),
  filter: z
    .strictObject({
      include: z.array(z.enum(["im", "mpim", "private", "public"])).optional(),
      exclude_bot_users: z.boolean().optional(),
    })
    .optional(),
  initial_conversations: z.array(z.string()).optional(),
});
const textInput = z.strictObject({
  type: z.literal("plain_text_input"),
  action_id: id,
  multiline: z.boolean().optional(),
  max_length: z.number().int().min(1).max(3000).optional(),
});

const block = z.discriminatedUnion("type", [
  z.strictObject({
    type: z.literal("section"),
    block_id: id.optional(),
    text: mrkdwn,
    accessory: z.union([button, staticSelect, conversations]).optional(),
  }),
  z.strictObject({ type: z.literal("header"), block_id: id.optional(), text: plain(150) }),
  z.strictObject({
    type: z.literal("context"),
    block_id: id.optional(),
    elements: z.array(mrkdwn).min(1).max(10),
  }),
  z.strictObject({ type: z.literal("divider"), block_id: id.optional() }),
  z.strictObject({
    type: z.literal("actions"),
    block_id: id.optional(),
    elements: z
      .array(z.union([button, staticSelect]))
      .min(1)
      .max(25),
  }),
  z.strictObject({
    type: z.literal("input"),
    block_id: id,
    label: plain(2000),
    optional: z.boolean().optional(),
    element: z.union([textInput, staticSelect.extend({ action_id: id })]),
    hint: plain(2000).optional(),
  }),
]);

/** Slack rejects a message or view where two blocks share a block_id, or a block two action_ids. */
const uniqueIds = (blocks: ReadonlyArray<z.infer<typeof block>>) => {
  const blockIds = blocks.flatMap((b) => (b.block_id ? [b.block_id] : []));
  if (new Set(blockIds).size !== blockIds.length) return false;
  return blocks.every((b) => {
    if (b.type !== "actions") return true;
    const actionIds = b.elements.map((e) => e.action_id);
    return new Set(actionIds).size === actionIds.length;
  });
};

const message = z.object({
  text: text(40_000),
  blocks: z.array(block).min(1).max(50).refine(uniqueIds, "duplicate block_id or action_id"),
});
const modal = z.strictObject({
  type: z.literal("modal"),
  callback_id: id,
  title: plain(24),
  submit: plain(24).optional(),
  close: plain(24).optional(),
  private_metadata: z.string().max(3000).optional(),
  blocks: z.array(block).min(1).max(100).refine(uniqueIds, "duplicate block_id or action_id"),
});
const home = z.strictObject({
  type: z.literal("home"),
  blocks: z.array(block).min(1).max(100).refine(uniqueIds, "duplicate block_id or action_id"),
});

const hostile = `<!channel> & "quotes" \\ ${"🙂".repeat(300)}${"x".repeat(6000)}`;
const q = (i: number, t = `What would tell you the deal is real, ${i}?`) => ({
  id: `theme_${i}.question_${i}`,
  text: t,
  theme: "next_step" as const,
  signals: [],
});
const report: ForgetReport = {
  settings: 1,
  questions: 3,
  reflections: 2,
  feedback: 1,
  weekly: 1,
  crmLinks: 1,
  deals: 2,
  dealHistory: 4,
  dealUpdates: 5,
  nudges: 6,
  dealPrefs: 1,
  cleared: 1,
};
const prompt: WeeklyPrompt = {
  id: "week.customer-moved-it",
  theme: "next_step",
  text: "Which deal moved this week because of something the customer did?",
  quote: hostile,
  quoteLead: "Last week you wrote",
  context: hostile,
};
const reflection = (i: number) => ({
  id: String(i),
  teamId: "T",
  userId: "U",
  questionId: null,
  questionText: hostile,
  answer: hostile,
  createdAt: new Date("2026-11-20T10:00:00Z"),
});

// Compile-time: each builder returns Slack's own types (a wrong field or type fails `npm run check`).
const messages = {
  "coach reply": coachReplyBlocks(
    { questions: [q(1), q(2), q(3, hostile)], stage: "proposal" },
    { text: hostile, shownThemes: ["next_step"] },
    "From the library.",
  ),
  "coach reply without angle": coachReplyBlocks({ questions: [q(1)], stage: null }),
  "follow-up": followUpBlocks(q(4, hostile)),
  caring: caringReplyBlocks({ questions: [q(1, hostile), q(2)] }),
  help: helpMessage(helpLines()),
  "forget confirm": forgetConfirmMessage(),
  "forget done": forgetDoneMessage(report),
  notice: notice(hostile),
  sorry: SORRY,
  busy: BUSY,
  "busy settings": BUSY_SETTINGS,
  stale: staleButton("Run `/coach` again."),
  thanks: feedbackThanks(true),
  saved: { text: "Saved", blocks: [reflectionSavedContext()] },
  thinking: thinkingMessage(),
  nudge: nudgeBlocks({
    dealName: hostile,
    summary: hostile,
    questions: [q(1), q(2)],
    source: "hubspot",
    dealId: "D-1",
    defaultOnNotice: true,
  }),
  "nudge invitation": nudgeInvitation({ dealName: hostile, summary: hostile }),
  "nudge reply": nudgeChoiceReply({ on: true, released: 3 }),
  "weekly prompt": weeklyPromptMessage(prompt, "2026-W10"),
  "keep going": keepGoingMessage("2026-W12"),
  "weekly invitation": weeklyInvitation({ day: "Monday", time: "09:30" }),
} satisfies Record<string, { text: string; blocks: types.KnownBlock[] }>;

const modals = {
  situation: situationModal(JSON.stringify({ responseUrl: "https://hooks.slack.com/x", channel: "C1" })),
  reflect: reflectModal([q(1), q(2, hostile)], "x".repeat(5000)),
  "reflect saved": reflectSavedView(),
  settings: settingsModal(DEFAULT_SETTINGS),
  "settings, nudges chosen": settingsModal({ ...DEFAULT_SETTINGS, nudges: true, quietHours: null }),
  "weekly answer": weeklyAnswerModal(hostile, "{}"),
} satisfies Record<string, types.ModalView>;

const homes = (["on", "off", "unchosen", "default_on"] as const).map((choice) =>
  homeView({
    settings: {
      ...DEFAULT_SETTINGS,
      nudges: choice === "on" ? true : choice === "off" ? false : null,
      weekly: { enabled: choice === "on", day: 5, time: "15:00" },
    },
    nudgesDefaultOn: choice === "default_on",
    reflections: Array.from({ length: 40 }, (_, i) => reflection(i)),
    stats: { asked: 5, answered: 40 },
    tz: "Europe/Paris",
    admin:
      choice === "off"
        ? undefined
        : {
            waiting: Array.from({ length: 30 }, (_, i) => ({ email: `${i}@acme.test`, dealName: hostile })),
            channels: ["C1", "C2"],
            envChannels: ["C3"],
            linkRequests: Array.from({ length: 20 }, (_, i) => ({
              email: `${i}${hostile}@x.test`,
              userId: `U${i}`,
            })),
          },
  }),
) satisfies types.HomeView[];

describe("every block builder renders blocks Slack accepts", () => {
  it.each(Object.entries(messages))("message: %s", (_, rendered) => {
    const checked = message.safeParse(rendered);
    expect(checked.success ? [] : checked.error.issues).toEqual([]);
  });

  it.each(Object.entries(modals))("modal: %s", (_, view) => {
    const checked = modal.safeParse(view);
    expect(checked.success ? [] : checked.error.issues).toEqual([]);
  });

  it("App Home, in each nudge choice, with an admin's full lists", () => {
    for (const view of homes) {
      const checked = home.safeParse(view);
      expect(checked.success ? [] : checked.error.issues).toEqual([]);
    }
  });

  it("the shapes refuse what Slack refuses (the check can fail)", () => {
    const good = notice("Hi");
    expect(message.safeParse(good).success).toBe(true);
    expect(
      message.safeParse({ ...good, blocks: [{ type: "section", text: { type: "plain", text: "x" } }] })
        .success,
    ).toBe(false);
    expect(message.safeParse({ ...good, blocks: [{ ...good.blocks[0], colour: "red" }] }).success).toBe(
      false,
    );
    expect(
      message.safeParse({
        ...good,
        blocks: [...good.blocks, ...good.blocks].map((b) => ({ ...b, block_id: "a" })),
      }).success,
    ).toBe(false);
    const long = {
      type: "button",
      text: { type: "plain_text", text: "x" },
      action_id: "a",
      value: "v".repeat(2001),
    };
    expect(message.safeParse({ ...good, blocks: [{ type: "actions", elements: [long] }] }).success).toBe(
      false,
    );
    expect(
      modal.safeParse({ ...modals.settings, title: { type: "plain_text", text: "t".repeat(25) } }).success,
    ).toBe(false);
    expect(
      home.safeParse({ type: "home", blocks: Array.from({ length: 101 }, () => ({ type: "divider" })) })
        .success,
    ).toBe(false);
  });
});
