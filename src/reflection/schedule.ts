import { DateTime, IANAZone } from "luxon";
import type { IsoWeekday } from "../store/types.js";

// When a rep's weekly reflection prompt is due (README, "Weekly reflection"). Pure: every instant is an
// argument, nothing reads the clock. The schedule is a day and a wall-clock time in the rep's own zone,
// and each week's run is computed from that wall-clock time through the zone's offsets, never by adding
// 7 * 24 hours, so a DST change neither shifts the prompt by an hour nor lands it on a time that does not
// exist. Same conventions as the nudge policy (src/deals/policy.ts): a local time skipped by a
// spring-forward jump runs at the instant the clocks jump (02:30 -> 03:00), and a time repeated by a
// fall-back runs once, at its first occurrence.

export type { IsoWeekday };

export interface WeeklyPlan {
  day: IsoWeekday;
  /** "HH:MM", 24-hour, in the rep's local time. */
  time: string;
  /** The rep's IANA zone from users.info; null (bots, unknown) or invalid falls back to the workspace's. */
  tz: string | null;
  /** No run before this instant (Snooze, Pause 4 weeks). */
  snoozedUntil?: Date | null;
  /** An ISO week key ("2026-W48", in the rep's zone) whose run is skipped (Skip this week). */
  skipWeekOf?: string | null;
}

/** The workspace default when an admin has set none. */
export const DEFAULT_WEEKLY: Readonly<{ day: IsoWeekday; time: string }> = Object.freeze({
  day: 5,
  time: "15:00",
});

/** A missed prompt later than this is skipped for that week rather than sent. */
export const MAX_LATE_MS = 24 * 3600 * 1000;

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const COMMAND_HINT = "Try /coach weekly on fri 15:00, or /coach weekly off";

// ---- zones ------------------------------------------------------------------------------------------

/**
 * The IANA zone name if luxon (that is, the runtime's Intl data) accepts it, else null. Slack gives bots
 * and some users no tz at all, and a stored value may predate a tzdata change. The name is kept as given
 * (trimmed): Intl's own "canonical" form would turn Asia/Kolkata back into Asia/Calcutta.
 */
export function validTimezone(tz: string | null | undefined): string | null {
  if (typeof tz !== "string") return null;
  const name = tz.trim();
  if (name === "") return null;
  // luxon answers by building an Intl.DateTimeFormat each time: about 13 % of the weekly sender's CPU at
  // 10,000 reps before this cache. There are a few hundred zone names; the bound only guards odd input.
  let valid = zoneValidity.get(name);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(name);
    if (zoneValidity.size >= ZONE_CACHE_MAX) zoneValidity.clear();
    zoneValidity.set(name, valid);
  }
  return valid ? name : null;
}

const ZONE_CACHE_MAX = 2000;
const zoneValidity = new Map<string, boolean>();

/** The rep's valid zone, else the workspace default if valid, else UTC. */
export function effectiveZone(userTz: string | null, workspaceDefault: string | null): string {
  return validTimezone(userTz) ?? validTimezone(workspaceDefault) ?? "UTC";
}

// ---- wall clock <-> instants ------------------------------------------------------------------------

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const CLOCK = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" (or "H:MM") -> minutes after midnight, or undefined. */
function clockMinutes(value: string): number | undefined {
  const match = CLOCK.exec(value.trim());
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

function formatClock(hour: number, minute: number): string {
  return `${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}`;
}

function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/** ISO weekday (1 = Monday) of a calendar date; the zone plays no part. */
function weekdayOf(date: LocalDate): IsoWeekday {
  const sunday0 = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return (sunday0 === 0 ? 7 : sunday0) as IsoWeekday;
}

/**
 * The instant the rep's clock first shows `minutes` after midnight on `date`: the earlier of the two in a
 * fall-back night's repeated hour; on a spring-forward night, when the time does not exist, the instant
 * the clocks jump (the first moment at or past that wall-clock time).
 */
function firstInstantAt(zone: IANAZone, date: LocalDate, minutes: number): number {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
  // A day either side is enough to see both offsets of any transition near this time.
  const offsets = [...new Set([zone.offset(wall - DAY_MS), zone.offset(wall), zone.offset(wall + DAY_MS)])];
  const found = offsets
    .map((offset) => wall - offset * MINUTE_MS)
    .filter((ms) => zone.offset(ms) * MINUTE_MS === wall - ms);
  if (found.length > 0) return Math.min(...found);
  // In the gap: the jump lies between the wall time read on the larger and on the smaller offset.
  let low = wall - Math.max(...offsets) * MINUTE_MS;
  let high = wall - Math.min(...offsets) * MINUTE_MS;
  const after = zone.offset(high);
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (zone.offset(mid) === after) high = mid;
    else low = mid;
  }
  return high;
}

function localDateOf(ms: number, zone: IANAZone): LocalDate {
  const time = DateTime.fromMillis(ms, { zone });
  return { year: time.year, month: time.month, day: time.day };
}

function checkDate(name: string, value: Date): number {
  const ms = value instanceof Date ? value.getTime() : Number.NaN;
  if (Number.isNaN(ms)) throw new RangeError(`${name} is not a valid Date`);
  return ms;
}

// ---- the schedule -----------------------------------------------------------------------------------

/** "2026-W48": the ISO week-numbering year and week of the instant's local date in `tz` (UTC if invalid). */
export function isoWeekKey(instant: Date, tz: string): string {
  const ms = checkDate("isoWeekKey: instant", instant);
  const time = DateTime.fromMillis(ms, { zone: effectiveZone(tz, null) });
  return `${time.weekYear}-W${String(time.weekNumber).padStart(2, "0")}`;
}

/**
 * The next run: the first local (day, time) strictly after `after`, not before `snoozedUntil`, and not in
 * the ISO week `skipWeekOf`. Each week has exactly one run (a repeated fall-back hour does not give two),
 * so `after` set to a run gives the next week's. The zone is the plan's, else the workspace default's,
 * else UTC. Throws RangeError on an invalid `time` or Date.
 */
export function nextRunAt(plan: WeeklyPlan, after: Date, workspaceDefaultTz?: string | null): Date {
  const afterMs = checkDate("nextRunAt: after", after);
  const minutes = clockMinutes(plan.time);
  if (minutes === undefined) {
    throw new RangeError(`nextRunAt: invalid time "${plan.time}", expected "HH:MM" in 24-hour local time`);
  }
  if (!Number.isInteger(plan.day) || plan.day < 1 || plan.day > 7) {
    throw new RangeError(`nextRunAt: invalid day ${String(plan.day)}, expected 1 (Monday) to 7 (Sunday)`);
  }
  const snoozeMs = plan.snoozedUntil ? checkDate("nextRunAt: snoozedUntil", plan.snoozedUntil) : -Infinity;
  const tz = effectiveZone(plan.tz, workspaceDefaultTz ?? null);
  const zone = IANAZone.create(tz);

  // Start the day before the bound's local date: a run on it may still be after the bound when a zone
  // moves its clocks back across midnight. Earlier candidates are filtered out below.
  const bound = Math.max(afterMs, snoozeMs);
  const start = addDays(localDateOf(bound, zone), -1);
  let date = addDays(start, (plan.day - weekdayOf(start) + 7) % 7);
  // At most: one week too early (the start margin), one skipped, and the one that runs.
  for (let week = 0; week < 5; week++, date = addDays(date, 7)) {
    const at = firstInstantAt(zone, date, minutes);
    if (at <= afterMs || at < snoozeMs) continue;
    const run = new Date(at);
    if (plan.skipWeekOf && isoWeekKey(run, tz) === plan.skipWeekOf) continue;
    return run;
  }
  throw new Error(`nextRunAt: no run found after ${new Date(bound).toISOString()} in ${tz}`);
}

/**
 * The start of a local calendar day ("2026-12-01") in the rep's zone, for "snooze until a date": the
 * prompt resumes on that day. Throws RangeError on a malformed or impossible date.
 */
export function startOfLocalDay(date: string, tz: string): Date {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date.trim());
  const parsed = match ? { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) } : null;
  const roundTrip = parsed ? addDays(parsed, 0) : null;
  if (
    !parsed ||
    !roundTrip ||
    roundTrip.year !== parsed.year ||
    roundTrip.month !== parsed.month ||
    roundTrip.day !== parsed.day
  ) {
    throw new RangeError(`Invalid date "${date}": expected YYYY-MM-DD`);
  }
  return new Date(firstInstantAt(IANAZone.create(effectiveZone(tz, null)), parsed, 0));
}

/**
 * A missed prompt (after downtime) is sent once on return unless it is more than `maxLateMs` late; at
 * exactly the limit it still goes.
 */
export function isTooLate(dueAt: Date, now: Date, maxLateMs = MAX_LATE_MS): boolean {
  return checkDate("isTooLate: now", now) - checkDate("isTooLate: dueAt", dueAt) > maxLateMs;
}

// ---- confirmation text ------------------------------------------------------------------------------

/**
 * When the next prompt comes, in the rep's local time, for the private confirmations:
 * "Friday 27 November at 15:00 (Europe/London)", "today at 15:00 (...)", "tomorrow at 09:30 (...)", and
 * the year when it is not the current local year ("Friday 1 January 2027 at 15:00 (...)").
 */
export function describeNext(at: Date, tz: string, now: Date): string {
  const zone = effectiveZone(tz, null);
  const when = DateTime.fromJSDate(at, { zone }).setLocale("en-GB");
  const today = DateTime.fromJSDate(now, { zone }).setLocale("en-GB");
  if (!when.isValid || !today.isValid) throw new RangeError("describeNext: invalid Date");
  const clock = formatClock(when.hour, when.minute);
  const tomorrow = today.plus({ days: 1 });
  let day: string;
  if (when.hasSame(today, "day")) day = "today";
  else if (when.hasSame(tomorrow, "day")) day = "tomorrow";
  else day = when.toFormat(when.year === today.year ? "cccc d LLLL" : "cccc d LLLL yyyy");
  return `${day} at ${clock} (${zone})`;
}

// ---- /coach weekly ... --------------------------------------------------------------------------------

export type WeeklyCommand = { on: true; day?: IsoWeekday; time?: string } | { on: false } | { error: string };

const DAYS: Readonly<Record<string, IsoWeekday>> = {
  mon: 1,
  monday: 1,
  tue: 2,
  tues: 2,
  tuesday: 2,
  wed: 3,
  weds: 3,
  wednesday: 3,
  thu: 4,
  thur: 4,
  thurs: 4,
  thursday: 4,
  fri: 5,
  friday: 5,
  sat: 6,
  saturday: 6,
  sun: 7,
  sunday: 7,
};

/** "15:00", "9:30", "3pm", "3:30pm", "3 pm" (already joined), "noon", "midnight" -> "HH:MM". */
function parseTime(token: string): string | undefined {
  if (token === "noon") return "12:00";
  if (token === "midnight") return "00:00";
  const twelve = /^(\d{1,2})(?:[:.](\d{2}))?(am|pm|a\.m\.|p\.m\.)$/.exec(token);
  if (twelve) {
    const hour = Number(twelve[1]);
    const minute = Number(twelve[2] ?? "0");
    if (hour < 1 || hour > 12 || minute > 59) return undefined;
    const pm = (twelve[3] ?? "").startsWith("p");
    return formatClock((hour % 12) + (pm ? 12 : 0), minute);
  }
  const minutes = clockMinutes(token.replace(".", ":"));
  return minutes === undefined ? undefined : formatClock(Math.floor(minutes / 60), minutes % 60);
}

function looksLikeTime(token: string): boolean {
  return /^\d/.test(token);
}

/**
 * The rest of `/coach weekly ...`: "on", "on fri 15:00", "on Friday 3pm", "on 09:30 monday", "off".
 * Day and time are both optional and in either order; what is left out keeps the rep's current setting
 * (or the workspace default), which is the caller's to fill in. Anything else is a one-line error.
 */
export function parseWeeklyCommand(text: string): WeeklyCommand {
  const tokens = text
    .trim()
    .toLowerCase()
    .replace(/(\d)\s+(am|pm|a\.m\.|p\.m\.)(?=\s|$)/g, "$1$2") // "3 pm" -> "3pm"
    .split(/[\s,]+/)
    .filter((token) => token !== "");
  const [verb, ...rest] = tokens;
  if (verb === undefined) return { error: `Say on or off. ${COMMAND_HINT}` };
  if (verb === "off") {
    return rest.length === 0 ? { on: false } : { error: `"off" takes nothing after it. ${COMMAND_HINT}` };
  }
  if (verb !== "on") return { error: `Unknown option "${verb}". ${COMMAND_HINT}` };

  let day: IsoWeekday | undefined;
  let time: string | undefined;
  for (const raw of rest) {
    const token = raw.replace(/\.$/, "");
    const asDay = DAYS[token] ?? (token.endsWith("s") ? DAYS[token.slice(0, -1)] : undefined); // "fridays"
    if (asDay !== undefined) {
      if (day !== undefined) return { error: `Give one day, not two. ${COMMAND_HINT}` };
      day = asDay;
      continue;
    }
    if (token === "at") continue; // "on fri at 15:00"
    const asTime = parseTime(raw) ?? parseTime(token);
    if (asTime !== undefined) {
      if (time !== undefined) return { error: `Give one time, not two. ${COMMAND_HINT}` };
      time = asTime;
      continue;
    }
    if (looksLikeTime(token)) {
      return { error: `"${raw}" is not a time: use 24-hour HH:MM or 3pm. ${COMMAND_HINT}` };
    }
    return { error: `"${raw}" is not a day of the week. ${COMMAND_HINT}` };
  }
  const result: { on: true; day?: IsoWeekday; time?: string } = { on: true };
  if (day !== undefined) result.day = day;
  if (time !== undefined) result.time = time;
  return result;
}
