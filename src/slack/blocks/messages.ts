import { ACTION } from "../ids.js";
import { actions, type Block, button, context, section } from "./kit.js";

// Short ephemeral messages: help, forget confirmation, apologies. Every one has a text fallback.

export interface Rendered {
  text: string;
  blocks: Block[];
}

export function helpMessage(): Rendered {
  const text =
    "*Deal Coach asks; you decide.* Tell it what's going on in a deal and it replies, privately, with one to three open questions.\n" +
    "• `/coach Globex went quiet after the pricing call`: coaching questions, only you see them\n" +
    "• `/coach`: a short form (deal, stage, what happened)\n" +
    "• `/coach settings`: weekly reflection, deal nudges, quiet hours\n" +
    "• `/coach link you@company.com`: get nudges for the deals your CRM assigns to that email (an email that isn't on your Slack profile needs an admin's approval); `/coach unlink` stops them\n" +
    "• `/coach nudges on` / `off`: whether deal nudges come to you at all\n" +
    "• `/coach forget`: delete everything Deal Coach stores about you\n" +
    "• Mention @Deal Coach in a thread, or DM it, to be coached there";
  return {
    text: "Deal Coach help: /coach <what's going on>, /coach settings, /coach forget",
    blocks: [section(text)],
  };
}

export function forgetConfirmMessage(): Rendered {
  return {
    text: "Delete everything Deal Coach stores about you?",
    blocks: [
      section(
        "*Delete everything Deal Coach stores about you?*\nYour settings, the questions you were asked, your reflections and your feedback. This can't be undone.",
      ),
      actions("forget_actions", [
        button("Delete my data", ACTION.forgetConfirm, "confirm", { style: "danger" }),
        button("Cancel", ACTION.forgetCancel, "cancel"),
      ]),
    ],
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function forgetDoneMessage(report: {
  user: number;
  questions: number;
  reflections: number;
  feedback: number;
}): Rendered {
  const text =
    `Done. Deleted ${plural(report.questions, "asked question", "asked questions")}, ` +
    `${plural(report.reflections, "reflection", "reflections")}, ${plural(report.feedback, "feedback answer", "feedback answers")}` +
    `${report.user > 0 ? " and your settings" : ""}. Deal Coach now holds nothing about you.`;
  return { text, blocks: [section(text)] };
}

export function notice(text: string): Rendered {
  return { text, blocks: [section(text)] };
}

/** What a user sees when something failed on our side: short, kind, no details. */
export const SORRY = notice(
  "Sorry, something went wrong on my side and I couldn't finish that. Please try again in a moment.",
);

/**
 * What a request gets when the bot already has as much work as it takes: it was received (acked) but not
 * read, so the person knows to ask again rather than wait.
 */
export const BUSY = notice("I'm swamped right now and couldn't take that one. Please ask again in a minute.");

/** Settings saved before the ack, but the weekly schedule (applied after it) had to be turned away. */
export const BUSY_SETTINGS = notice(
  "Saved your settings. I'm swamped right now, so your weekly schedule isn't updated yet: please save them again in a minute.",
);

export function feedbackThanks(helpful: boolean): Rendered {
  return notice(
    helpful ? "Thanks, noted that this question helped." : "Thanks, noted. I'll lean on other questions.",
  );
}

export function reflectionSavedContext(): Block {
  return context(["Saved privately. Only you can see your reflections, in the Deal Coach Home tab."]);
}
