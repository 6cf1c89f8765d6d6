import type { WebClient } from "@slack/web-api";
import type { IsoWeekday, Store, UserKey } from "../store/types.js";
import {
  DEFAULT_WEEKLY,
  describeNext,
  effectiveZone,
  isoWeekKey,
  nextRunAt,
  startOfLocalDay,
  validTimezone,
} from "./schedule.js";

// Turning the weekly prompt on and off, from /coach weekly, App Home, the settings modal, the invitation
// and the buttons on a prompt. Settings (day, time) live with the user; the schedule's next_run_at is
// recomputed from them every time, in the user's own timezone.

/** The user's IANA timezone from users.info, validated; null for bots, unknown or invalid zones. */
export async function refreshTimezone(
  store: Store,
  client: WebClient | undefined,
  key: UserKey,
): Promise<string | null> {
  const user = await store.getUser(key);
  if (!client) return validTimezone(user?.tz ?? null);
  try {
    const info = await client.users.info({ user: key.userId });
    if (info.user?.is_bot) return null;
    const tz = validTimezone(info.user?.tz ?? null);
    if (tz && tz !== user?.tz) await store.upsertUser(key, { tz });
    return tz ?? validTimezone(user?.tz ?? null);
  } catch {
    return validTimezone(user?.tz ?? null);
  }
}

export interface WeeklyChange {
  on: boolean;
  day?: IsoWeekday;
  time?: string;
}

/**
 * Applies a change and returns the short private confirmation, which says when the next prompt comes
 * in the user's local time.
 */
export async function setWeekly(
  store: Store,
  client: WebClient | undefined,
  key: UserKey,
  change: WeeklyChange,
  now: Date,
): Promise<string> {
  // Read before the timezone refresh, which may create the user: a new user has chosen no day or time yet,
  // so the workspace default applies to them.
  const user = await store.getUser(key);
  const tz = await refreshTimezone(store, client, key);
  const workspace = await store.weekly.workspaceDefaults(key.teamId);
  const current = user?.settings.weekly;
  const day = (change.day ??
    (user ? current?.day : undefined) ??
    workspace.day ??
    DEFAULT_WEEKLY.day) as IsoWeekday;
  const time = change.time ?? (user ? current?.time : undefined) ?? workspace.time ?? DEFAULT_WEEKLY.time;
  await store.upsertUser(key, { settings: { weekly: { enabled: change.on, day, time } } });
  if (!change.on) {
    await store.weekly.saveSchedule(key, { enabled: false, nextRunAt: null, awaitingChoice: false });
    return "Weekly reflection is off. Nothing more will come; `/coach weekly on` brings it back.";
  }
  const zone = effectiveZone(tz, workspace.tz);
  const next = nextRunAt({ day, time, tz: zone }, now);
  await store.weekly.saveSchedule(key, {
    enabled: true,
    nextRunAt: next,
    awaitingChoice: false,
    unanswered: 0,
    snoozedUntil: null,
    skipWeek: null,
  });
  return `Weekly reflection is on: one private question about your week, by DM. The next one comes ${describeNext(next, zone, now)}. Your answers stay yours.`;
}

/** Pause for `weeks` weeks: the schedule resumes on its own afterwards. */
export async function pauseWeekly(store: Store, key: UserKey, weeks: number, now: Date): Promise<string> {
  const user = await store.getUser(key);
  const workspace = await store.weekly.workspaceDefaults(key.teamId);
  const zone = effectiveZone(user?.tz ?? null, workspace.tz);
  const until = new Date(now.getTime() + weeks * 7 * 86_400_000);
  const weekly = user?.settings.weekly ?? { ...DEFAULT_WEEKLY, enabled: true };
  const next = nextRunAt({ day: weekly.day, time: weekly.time, tz: zone, snoozedUntil: until }, now);
  await store.weekly.saveSchedule(key, {
    enabled: true,
    snoozedUntil: until,
    nextRunAt: next,
    awaitingChoice: false,
    unanswered: 0,
  });
  return `Paused for ${weeks} weeks. The next question comes ${describeNext(next, zone, now)}.`;
}

/**
 * `/coach weekly skip` (the next prompt's week) and `/coach weekly snooze YYYY-MM-DD` (nothing before that
 * local date). The schedule stays on; only its next run moves.
 */
export async function moveWeekly(
  store: Store,
  key: UserKey,
  how: { skip: true } | { until: string },
  now: Date,
): Promise<string> {
  const user = await store.getUser(key);
  const schedule = await store.weekly.getSchedule(key);
  if (!user?.settings.weekly.enabled || !schedule?.enabled)
    return "Weekly reflection is off; `/coach weekly on` turns it on.";
  const workspace = await store.weekly.workspaceDefaults(key.teamId);
  const zone = effectiveZone(user.tz, workspace.tz);
  const plan = { day: user.settings.weekly.day, time: user.settings.weekly.time, tz: zone };
  if ("skip" in how) {
    const upcoming = schedule.nextRunAt ?? nextRunAt(plan, now);
    const skipWeek = isoWeekKey(upcoming, zone);
    const next = nextRunAt({ ...plan, skipWeekOf: skipWeek }, now);
    await store.weekly.saveSchedule(key, { skipWeek, nextRunAt: next });
    return `Skipping one week. The next question comes ${describeNext(next, zone, now)}.`;
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(how.until)) return "Give a date: `/coach weekly snooze 2026-12-31`.";
  let until: Date;
  try {
    until = startOfLocalDay(how.until, zone);
  } catch {
    return "Give a real date: `/coach weekly snooze 2026-12-31`.";
  }
  const next = nextRunAt({ ...plan, snoozedUntil: until }, now);
  await store.weekly.saveSchedule(key, { snoozedUntil: until, nextRunAt: next });
  return `Snoozed until ${how.until}. The next question comes ${describeNext(next, zone, now)}.`;
}
