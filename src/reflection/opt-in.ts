import type { IsoWeekday, Store, UserKey } from "../store/types.js";
import {
  DEFAULT_WEEKLY,
  effectiveZone,
  isoWeekKey,
  nextRunAt,
  startOfLocalDay,
  validTimezone,
} from "./schedule.js";

// Turning the weekly prompt on and off, from /coach weekly, App Home, the settings modal, the invitation
// and the buttons on a prompt. Settings (day, time) live with the user; the schedule's next_run_at is
// recomputed from them every time, in the user's own timezone. Each change returns what happened, not
// words: src/slack/weekly-opt-in.ts words it (docs/architecture.md "Layers").

/** The user's timezone as the chat profile says; undefined when it could not be read. */
export type ProfileZone = (key: UserKey) => Promise<{ tz: string | null; isBot: boolean } | undefined>;

/** When the next prompt comes, in the zone it is scheduled in. */
export interface NextPrompt {
  next: Date;
  zone: string;
}

export type SetWeeklyOutcome = { kind: "off" } | ({ kind: "on" } & NextPrompt);
export type PauseWeeklyOutcome = { kind: "paused"; weeks: number } & NextPrompt;
export type MoveWeeklyOutcome =
  | { kind: "not_on" }
  | { kind: "not_a_date" }
  | { kind: "no_such_date" }
  | ({ kind: "skipped" } & NextPrompt)
  | ({ kind: "snoozed"; until: string } & NextPrompt);

/** The user's IANA timezone from their profile, validated; null for bots, unknown or invalid zones. */
export async function refreshTimezone(
  store: Store,
  zoneOf: ProfileZone | undefined,
  key: UserKey,
): Promise<string | null> {
  const user = await store.getUser(key);
  const profile = await zoneOf?.(key);
  if (!profile) return validTimezone(user?.tz ?? null);
  if (profile.isBot) return null;
  const tz = validTimezone(profile.tz);
  if (tz && tz !== user?.tz) await store.upsertUser(key, { tz });
  return tz ?? validTimezone(user?.tz ?? null);
}

export interface WeeklyChange {
  on: boolean;
  day?: IsoWeekday;
  time?: string;
}

/** Applies a change; when on, says when the next prompt comes and in which zone. */
export async function setWeekly(
  store: Store,
  zoneOf: ProfileZone | undefined,
  key: UserKey,
  change: WeeklyChange,
  now: Date,
): Promise<SetWeeklyOutcome> {
  // Read before the timezone refresh, which may create the user: a new user has chosen no day or time yet,
  // so the workspace default applies to them.
  const user = await store.getUser(key);
  const tz = await refreshTimezone(store, zoneOf, key);
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
    return { kind: "off" };
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
  return { kind: "on", next, zone };
}

/** Pause for `weeks` weeks: the schedule resumes on its own afterwards. */
export async function pauseWeekly(
  store: Store,
  key: UserKey,
  weeks: number,
  now: Date,
): Promise<PauseWeeklyOutcome> {
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
  return { kind: "paused", weeks, next, zone };
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
): Promise<MoveWeeklyOutcome> {
  const user = await store.getUser(key);
  const schedule = await store.weekly.getSchedule(key);
  if (!user?.settings.weekly.enabled || !schedule?.enabled) return { kind: "not_on" };
  const workspace = await store.weekly.workspaceDefaults(key.teamId);
  const zone = effectiveZone(user.tz, workspace.tz);
  const plan = { day: user.settings.weekly.day, time: user.settings.weekly.time, tz: zone };
  if ("skip" in how) {
    const upcoming = schedule.nextRunAt ?? nextRunAt(plan, now);
    const skipWeek = isoWeekKey(upcoming, zone);
    const next = nextRunAt({ ...plan, skipWeekOf: skipWeek }, now);
    await store.weekly.saveSchedule(key, { skipWeek, nextRunAt: next });
    return { kind: "skipped", next, zone };
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(how.until)) return { kind: "not_a_date" };
  let until: Date;
  try {
    until = startOfLocalDay(how.until, zone);
  } catch {
    return { kind: "no_such_date" };
  }
  const next = nextRunAt({ ...plan, snoozedUntil: until }, now);
  await store.weekly.saveSchedule(key, { snoozedUntil: until, nextRunAt: next });
  return { kind: "snoozed", until: how.until, next, zone };
}
