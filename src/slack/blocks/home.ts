import { nudgeChoice } from "../../deals/nudge-choice.js";
import type { ReflectionRecord, UserSettings } from "../../store/types.js";
import { linkRequestValue } from "../button-values.js";
import { ACTION } from "../ids.js";
import {
  actions,
  type Block,
  button,
  context,
  divider,
  type HomeView,
  header,
  type Option,
  plain,
  type StaticSelectElement,
  section,
} from "./kit.js";
import { capBlocks, clip, escapeMrkdwn, LIMITS } from "./limits.js";
import { homeNudgeBlocks } from "./nudge-choice.js";
import {
  dayLabel,
  dayOptions,
  QUIET_HOURS,
  quietOptions,
  quietValue,
  timeOptions,
} from "./settings-options.js";

// The App Home tab: what Deal Coach does, the user's own settings, their recent reflections (visible to
// them only, because views.publish targets one user) and their counts.

export interface HomeInput {
  settings: UserSettings;
  reflections: readonly ReflectionRecord[];
  stats: { asked: number; answered: number };
  tz: string | null;
  /** Whether an admin made deal nudges on by default in this workspace. */
  nudgesDefaultOn?: boolean;
  /** Only for workspace admins: deal updates waiting for an owner, and the deal channels. */
  admin?: {
    waiting: ReadonlyArray<{ email: string | null; dealName: string }>;
    channels: readonly string[];
    envChannels: readonly string[];
    /** `/coach link` requests for an e-mail that isn't the rep's own, oldest first. */
    linkRequests?: ReadonlyArray<{ email: string; userId: string }>;
  };
}

/** Requests shown at once (two blocks each); the next ones appear as these are decided. */
export const MAX_LINK_REQUESTS = 10;

function linkRequestBlocks(requests: NonNullable<NonNullable<HomeInput["admin"]>["linkRequests"]>): Block[] {
  if (requests.length === 0) return [];
  const blocks: Block[] = [
    section(
      "*Link requests.* These reps asked for deal updates owned by a CRM e-mail that isn't on their Slack profile. Approve only if the e-mail is theirs: nudges carry deal names, amounts and CRM notes.",
    ),
  ];
  requests.slice(0, MAX_LINK_REQUESTS).forEach((r, i) => {
    // An e-mail too long for a button (none is: the store keeps 320 at most) shows without them.
    const value = linkRequestValue.encode({ email: r.email, userId: r.userId });
    blocks.push(section(`<@${r.userId}> asks to link *${escapeMrkdwn(clip(r.email, 254))}*`));
    if (value)
      blocks.push(
        actions(`link_request_${i}`, [
          button("Approve", ACTION.linkApprove, value, { style: "primary" }),
          button("Decline", ACTION.linkDecline, value, { style: "danger" }),
        ]),
      );
  });
  return blocks;
}

const MAX_WAITING = 15;

function adminBlocks(admin: NonNullable<HomeInput["admin"]>): Block[] {
  const blocks: Block[] = [
    divider(),
    header("Workspace (admins)"),
    ...linkRequestBlocks(admin.linkRequests ?? []),
  ];
  if (admin.waiting.length === 0) {
    blocks.push(context(["No deal updates are waiting for an owner."]));
  } else {
    const lines = admin.waiting
      .slice(0, MAX_WAITING)
      .map(
        (w) =>
          `• ${escapeMrkdwn(clip(w.dealName, 80))}: ${w.email ? escapeMrkdwn(w.email) : "no owner email from the CRM"}`,
      );
    blocks.push(
      section(
        `*Deal updates waiting for an owner* (${admin.waiting.length}). They go to nobody until the owner runs \`/coach link <their CRM email>\` (an e-mail that isn't on their Slack profile needs your approval above):\n${lines.join("\n")}`,
      ),
    );
  }
  blocks.push(
    section("*Deal channels:* messages there (CRM bots' too) are answered in the thread with questions.", {
      accessory: {
        type: "multi_conversations_select",
        action_id: ACTION.homeDealChannels,
        placeholder: plain("Choose channels"),
        filter: { include: ["public"], exclude_bot_users: true },
        ...(admin.channels.length > 0 ? { initial_conversations: [...admin.channels] } : {}),
      },
    }),
  );
  if (admin.envChannels.length > 0)
    blocks.push(context([`Also from DEAL_CHANNELS: ${admin.envChannels.map((c) => `<#${c}>`).join(", ")}`]));
  return blocks;
}

const MAX_REFLECTIONS = 10;
const REFLECTION_PREVIEW = 600;

function select(
  actionId: string,
  placeholder: string,
  options: Option[],
  initial: string,
): StaticSelectElement {
  return {
    type: "static_select",
    action_id: actionId,
    placeholder: plain(placeholder),
    options,
    initial_option: options.find((o) => o.value === initial) ?? options[0],
  };
}

export function homeView(input: HomeInput): HomeView & { blocks: Block[] } {
  const { settings, stats } = input;
  const weekly = settings.weekly;
  const blocks: Block[] = [
    header("Deal Coach"),
    section(
      "I coach by asking, never by telling. Describe a deal with `/coach <what's going on>`, mention me in a thread, or DM me, and I reply with one to three open questions. The answers, and the decisions, stay yours.",
    ),
    context([
      `You've been asked ${stats.asked} question${stats.asked === 1 ? "" : "s"} and written ${stats.answered} reflection${stats.answered === 1 ? "" : "s"}.`,
    ]),
    divider(),
    header("Your settings"),
    section(
      weekly.enabled
        ? `*Weekly reflection:* on, ${dayLabel(weekly.day)}s at ${weekly.time}${input.tz ? ` (${input.tz})` : ""}`
        : "*Weekly reflection:* off. One private question about your week, by DM, if you'd like it.",
      {
        accessory: button(
          weekly.enabled ? "Turn off" : "Turn on",
          ACTION.homeWeeklyToggle,
          weekly.enabled ? "off" : "on",
        ),
      },
    ),
    actions("home_weekly_when", [
      select(ACTION.homeWeeklyDay, "Day", dayOptions(), String(weekly.day)),
      select(ACTION.homeWeeklyTime, "Time", timeOptions(), weekly.time),
    ]),
    ...homeNudgeBlocks(nudgeChoice(settings.nudges, input.nudgesDefaultOn === true)),
    section(
      `*Quiet hours:* ${QUIET_HOURS.find(([v]) => v === quietValue(settings))?.[1] ?? "Workspace default"}`,
      {
        accessory: select(ACTION.homeQuietHours, "Quiet hours", quietOptions(), quietValue(settings)),
      },
    ),
    divider(),
    header("Your reflections"),
  ];
  if (input.reflections.length === 0) {
    blocks.push(
      context([
        "Nothing yet. Press *Reflect* under any coaching reply; only you will ever see what you write.",
      ]),
    );
  }
  for (const r of input.reflections.slice(0, MAX_REFLECTIONS)) {
    blocks.push(
      section(
        `*${escapeMrkdwn(clip(r.questionText, 280))}*\n${escapeMrkdwn(clip(r.answer, REFLECTION_PREVIEW))}`,
      ),
      context([r.createdAt.toISOString().slice(0, 10)]),
    );
  }
  if (input.admin) blocks.push(...adminBlocks(input.admin));
  blocks.push(
    context(["Only you can see this page. `/coach forget` deletes everything Deal Coach stores about you."]),
  );
  return { type: "home", blocks: capBlocks(blocks, LIMITS.viewBlocks) };
}
