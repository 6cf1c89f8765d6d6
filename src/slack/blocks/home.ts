import type { ReflectionRecord, UserSettings } from "../../store/types.js";
import { ACTION } from "../ids.js";
import { actions, type Block, button, context, divider, header, type option, plain, section } from "./kit.js";
import { capBlocks, clip, escapeMrkdwn, LIMITS } from "./limits.js";
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
}

const MAX_REFLECTIONS = 10;
const REFLECTION_PREVIEW = 600;

function select(
  actionId: string,
  placeholder: string,
  options: ReturnType<typeof option>[],
  initial: string,
): Block {
  return {
    type: "static_select",
    action_id: actionId,
    placeholder: plain(placeholder),
    options,
    initial_option: options.find((o) => o.value === initial) ?? options[0],
  };
}

export function homeView(input: HomeInput): { type: "home"; blocks: Block[] } {
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
    section(
      settings.nudges
        ? "*Deal nudges:* on. A private question when a deal of yours changes."
        : "*Deal nudges:* off.",
      {
        accessory: button(
          settings.nudges ? "Turn off" : "Turn on",
          ACTION.homeNudgesToggle,
          settings.nudges ? "off" : "on",
        ),
      },
    ),
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
  blocks.push(
    context(["Only you can see this page. `/coach forget` deletes everything Deal Coach stores about you."]),
  );
  return { type: "home", blocks: capBlocks(blocks, LIMITS.viewBlocks) };
}
