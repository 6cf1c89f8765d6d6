import type { ForgetReport } from "../../store/types.js";
import { ACTION } from "../ids.js";
import { actions, type Block, button, context, section } from "./kit.js";

// Short ephemeral messages: help, forget confirmation, apologies. Every one has a text fallback.

export interface Rendered {
  text: string;
  blocks: Block[];
}

/** `/coach help`: a line per command (the command table supplies them, so none goes unlisted). */
export function helpMessage(lines: readonly string[]): Rendered {
  const text = [
    "*Deal Coach asks; you decide.* Tell it what's going on in a deal and it replies, privately, with one to three open questions.",
    ...lines.map((line) => `• ${line}`),
    "• Mention @Deal Coach in a thread, or DM it, to be coached there",
  ].join("\n");
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
        "*Delete everything Deal Coach stores about you?*\nYour settings, the questions you were asked, your reflections and feedback, your weekly reflection schedule, your CRM e-mail links, Deal Coach's copy of the deals your CRM says you own (your CRM is not touched), and your nudges. This can't be undone.",
      ),
      actions("forget_actions", [
        button("Delete my data", ACTION.forgetConfirm, "confirm", { style: "danger" }),
        button("Cancel", ACTION.forgetCancel, "cancel"),
      ]),
    ],
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

// In the order they are listed; a kind with nothing deleted is left out.
const FORGOTTEN_KINDS: Array<[Exclude<keyof ForgetReport, "settings" | "cleared">, string, string]> = [
  ["questions", "asked question", "asked questions"],
  ["reflections", "reflection", "reflections"],
  ["feedback", "feedback answer", "feedback answers"],
  ["weekly", "weekly reflection record", "weekly reflection records"],
  ["crmLinks", "CRM e-mail link", "CRM e-mail links"],
  ["deals", "deal you own in the CRM", "deals you own in the CRM"],
  ["dealHistory", "deal history entry", "deal history entries"],
  ["dealUpdates", "CRM update", "CRM updates"],
  ["nudges", "nudge", "nudges"],
  ["dealPrefs", "deal snooze or mute", "deal snoozes and mutes"],
];

/** The reply to a confirmed forget: what went, counted, and the one thing that stays. */
export function forgetDoneMessage(report: ForgetReport): Rendered {
  const deleted = FORGOTTEN_KINDS.filter(([kind]) => report[kind] > 0).map(([kind, one, many]) =>
    plural(report[kind], one, many),
  );
  if (report.settings > 0) deleted.push("your settings");
  const cleared =
    report.cleared > 0
      ? ` Removed your name from ${plural(report.cleared, "record", "records")} that others still use (a deal channel you added, a deal that mentioned you).`
      : "";
  const what =
    deleted.length === 0 ? "Done. Deal Coach held nothing about you." : `Done. Deleted ${listed(deleted)}.`;
  const text =
    `${what}${cleared} What stays is a one-way fingerprint of your Slack id and CRM e-mail, ` +
    "which can't be read back; it keeps CRM updates from linking or nudging you again. " +
    "`/coach link you@company.com` lifts it.";
  return { text, blocks: [section(text)] };
}

function listed(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
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

/**
 * A button whose value can't be read: from an older version of the message, or not one of ours. Said
 * kindly, with what to do instead (`next`).
 */
export function staleButton(next: string): Rendered {
  return notice(`That button is from an older version of this message, so I can't act on it. ${next}`);
}

export function feedbackThanks(helpful: boolean): Rendered {
  return notice(
    helpful ? "Thanks, noted that this question helped." : "Thanks, noted. I'll lean on other questions.",
  );
}

export function reflectionSavedContext(): Block {
  return context(["Saved privately. Only you can see your reflections, in the Deal Coach Home tab."]);
}
