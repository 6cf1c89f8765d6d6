import type { NudgeChoice, NudgeChoiceReply } from "../../deals/nudge-choice.js";
import { ACTION, NUDGE_ACTION } from "../ids.js";
import { actions, type Block, type ButtonElement, button, context, section } from "./kit.js";
import { clip, escapeMrkdwn } from "./limits.js";
import { notice, type Rendered } from "./messages.js";

// The words of chosen nudges: the one-time invitation, the notice on a default-on first nudge, the reply
// to a choice, and the nudges line of App Home. Pure.

const WHAT =
  "Deal nudges are private questions about your own deals, sent to you by DM when one changes in your CRM or is posted in a deal channel. Only you see them; the answers, and the decisions, stay yours.";

/** In place of the first nudge a rep would get, when they have not chosen yet. */
export function nudgeInvitation(waiting: { dealName: string; summary: string }): Rendered {
  const deal = `*${escapeMrkdwn(clip(waiting.dealName, 150))}*: ${escapeMrkdwn(clip(waiting.summary, 300))}`;
  return {
    text: "Would you like deal nudges? Private questions about your own deals when they change.",
    blocks: [
      section(`Would you like deal nudges? ${WHAT}`, { block_id: "nudge_invitation" }),
      context([
        `One is waiting, about ${deal}. Nothing more comes until you choose; change your mind any time in the Home tab.`,
      ]),
      actions("nudge_invitation_actions", [
        button("Keep them coming", NUDGE_ACTION.keep, "on", { style: "primary" }),
        button("No thanks", NUDGE_ACTION.decline, "off"),
      ]),
    ],
  };
}

/** Above a rep's first nudge when their workspace made nudges on by default. */
export function defaultOnNotice(): string {
  return "Your workspace turned deal nudges on for everyone, so here is your first: private questions about your own deals when they change. Only you see them. Stop turns them off for you.";
}

export const stopButton = (): ButtonElement => button("Stop", NUDGE_ACTION.stop, "off");

export function nudgeChoiceReply(reply: NudgeChoiceReply): Rendered {
  if (!reply.on)
    return notice(
      "No deal nudges, then. Nothing more will come; turn them on any time in the Home tab or with `/coach nudges on`.",
    );
  const follows =
    reply.released === 0
      ? ""
      : reply.released === 1
        ? " The one that was waiting follows shortly."
        : ` The ${reply.released} that were waiting follow, a few a day at most.`;
  return notice(
    `Deal nudges are on: a private question or two when a deal of yours changes.${follows} Turn them off any time in the Home tab or with \`/coach nudges off\`.`,
  );
}

/** The nudges line of App Home: the rep's choice and how to change it. */
export function homeNudgeBlocks(choice: NudgeChoice): Block[] {
  switch (choice) {
    case "on":
      return [
        section("*Deal nudges:* on. A private question when a deal of yours changes.", {
          accessory: button("Turn off", ACTION.homeNudgesToggle, "off"),
        }),
      ];
    case "default_on":
      return [
        section(
          "*Deal nudges:* on, as your workspace's default. A private question when a deal of yours changes.",
          { accessory: button("Stop", ACTION.homeNudgesToggle, "off") },
        ),
      ];
    case "off":
      return [
        section("*Deal nudges:* off. Nothing comes.", {
          accessory: button("Turn on", ACTION.homeNudgesToggle, "on"),
        }),
      ];
    case "unchosen":
      return [
        section(`*Deal nudges:* you haven't chosen yet. ${WHAT}`),
        actions("home_nudges_choice", [
          button("Keep them coming", ACTION.homeNudgesToggle, "on", { style: "primary" }),
          button("No thanks", ACTION.homeNudgesDecline, "off"),
        ]),
      ];
  }
}
