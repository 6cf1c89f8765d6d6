import { DateTime, IANAZone } from "luxon";

// When a nudge may reach one user (docs/architecture.md, "Journey 2"). Pure: `now` is an argument. Everything is decided on
// the user's own wall clock, and every instant is computed from a wall-clock time through the zone's
// offsets, never by adding hours, so DST nights neither shift a deferral by an hour nor produce a local
// time that does not exist. A nudge that may not go now is deferred to the next allowed instant, never
// dropped: the caller stores it with `until` and asks again then.

export type QuietHours = { start: string; end: string } | "off";

export interface NudgePolicy {
  /** Local "HH:MM" times; `start` may be later than `end` (wraps midnight). `start == end` means none. */
  quietHours: QuietHours;
  weekends: "quiet" | "on";
  /** Nudges per local calendar day, then per ISO week (Monday to Sunday). */
  dailyCap: number;
  weeklyCap: number;
}

export type NudgeDecision =
  | { action: "send" }
  | { action: "defer"; until: Date; reason: "quiet_hours" | "weekend" | "daily_cap" | "weekly_cap" };

export const DEFAULT_POLICY: NudgePolicy = Object.freeze({
  quietHours: Object.freeze({ start: "19:00", end: "08:00" }),
  weekends: "quiet",
  dailyCap: 3,
  weeklyCap: 10,
});

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** Where a deferred day starts when no quiet period ends in the early morning (quiet hours off). */
const WORKDAY_START = 8 * 60;

// ---- parsing --------------------------------------------------------------------------------------

const CLOCK = /^([01]?\d|2[0-3]):([0-5]\d)$/;

/** "HH:MM" -> minutes after midnight, or undefined. */
function clockMinutes(value: string): number | undefined {
  const match = CLOCK.exec(value.trim());
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** "19:00-08:00" or "off" (NUDGE_QUIET_HOURS, App Home). Times come back as "HH:MM". */
export function parseQuietHours(value: string): QuietHours {
  const text = value.trim();
  if (text.toLowerCase() === "off") return "off";
  const parts = text.split("-");
  const [start, end] = parts.map((part) => clockMinutes(part));
  if (parts.length !== 2 || start === undefined || end === undefined) {
    throw new Error(
      `Invalid quiet hours "${value}": expected "HH:MM-HH:MM" in 24-hour local time (e.g. "19:00-08:00") or "off"`,
    );
  }
  return { start: formatClock(start), end: formatClock(end) };
}

/** The user's IANA zone; a missing or unknown one falls back to UTC rather than guessing. */
export function resolveZone(tz: string | null): string {
  return tz && IANAZone.isValidZone(tz) ? tz : "UTC";
}

// ---- wall clock <-> instants -------------------------------------------------------------------------

interface LocalDate {
  year: number;
  month: number;
  day: number;
}

/** Minute-of-day quiet period, or undefined for none. */
interface Quiet {
  start: number;
  end: number;
}

/** A policy resolved for one zone: what the rules below need, in minutes after local midnight. */
interface Clock {
  zone: IANAZone;
  quiet: Quiet | undefined;
  weekendsQuiet: boolean;
  /** When a deferred day starts: the end of a quiet period that covers the night, else 08:00. */
  dayStart: number;
}

function makeClock(tz: string | null, policy: NudgePolicy): Clock {
  const quiet = resolveQuiet(policy.quietHours);
  const coversNight = quiet !== undefined && (quiet.start > quiet.end || quiet.start === 0);
  return {
    zone: IANAZone.create(resolveZone(tz)),
    quiet,
    weekendsQuiet: policy.weekends === "quiet",
    dayStart: coversNight ? quiet.end : WORKDAY_START,
  };
}

function resolveQuiet(quietHours: QuietHours): Quiet | undefined {
  if (quietHours === "off") return undefined;
  const start = clockMinutes(quietHours.start);
  const end = clockMinutes(quietHours.end);
  if (start === undefined || end === undefined) {
    throw new Error(`Invalid quiet hours ${JSON.stringify(quietHours)}: expected "HH:MM" times`);
  }
  return start === end ? undefined : { start, end };
}

function local(clock: Clock, ms: number): DateTime {
  return DateTime.fromMillis(ms, { zone: clock.zone });
}

function minuteOfDay(time: DateTime): number {
  return time.hour * 60 + time.minute;
}

function dateOf(time: DateTime): LocalDate {
  return { year: time.year, month: time.month, day: time.day };
}

function addDays(date: LocalDate, days: number): LocalDate {
  const moved = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/**
 * Every instant whose local time is `minutes` after midnight on `date`, earliest first: one normally,
 * two in the repeated hour of a fall-back night. On a spring-forward night the time does not exist, and
 * the answer is the instant the clocks jump, the first moment at or past that time.
 */
function instantsAt(clock: Clock, date: LocalDate, minutes: number): number[] {
  const wall = Date.UTC(date.year, date.month - 1, date.day, 0, minutes);
  // A day either side is enough to see both offsets of any transition near this time.
  const offsets = [...new Set([clock.zone.offset(wall - DAY_MS), clock.zone.offset(wall + DAY_MS)])];
  const found = offsets
    .map((offset) => wall - offset * MINUTE_MS)
    .filter((ms) => clock.zone.offset(ms) * MINUTE_MS === wall - ms)
    .sort((a, b) => a - b);
  if (found.length > 0) return found;
  return [
    transitionBetween(
      clock,
      wall - Math.max(...offsets) * MINUTE_MS,
      wall - Math.min(...offsets) * MINUTE_MS,
    ),
  ];
}

/** The first instant in (lo, hi] already on `hi`'s offset: where the clocks jumped. */
function transitionBetween(clock: Clock, lo: number, hi: number): number {
  const after = clock.zone.offset(hi);
  let low = lo;
  let high = hi;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (clock.zone.offset(mid) === after) high = mid;
    else low = mid;
  }
  return high;
}

// ---- the rules --------------------------------------------------------------------------------------

function inQuiet(quiet: Quiet | undefined, minutes: number): boolean {
  if (!quiet) return false;
  return quiet.start < quiet.end
    ? minutes >= quiet.start && minutes < quiet.end
    : minutes >= quiet.start || minutes < quiet.end;
}

function isWeekend(time: DateTime): boolean {
  return time.weekday >= 6; // ISO: 6 = Saturday, 7 = Sunday
}

/** The end of the quiet period `ms` is in: today's end, or tomorrow's when the period wraps midnight. */
function quietEnd(clock: Clock, quiet: Quiet, ms: number): number {
  const time = local(clock, ms);
  const minutes = minuteOfDay(time);
  const wrapsToTomorrow = quiet.start > quiet.end && minutes >= quiet.start;
  const date = addDays(dateOf(time), wrapsToTomorrow ? 1 : 0);
  // In a fall-back night's second pass the first occurrence of the end time is already behind us.
  const next = instantsAt(clock, date, quiet.end).find((candidate) => candidate > ms);
  return next ?? ms + (quiet.end - minutes) * MINUTE_MS;
}

/** The start of a local day for a deferred nudge (before quiet hours and weekends are applied). */
function dayStartOn(clock: Clock, date: LocalDate): number {
  return instantsAt(clock, date, clock.dayStart)[0] as number;
}

/** The first instant at or after `ms` outside quiet hours and, when they are quiet, weekends. */
function nextAllowed(clock: Clock, ms: number): number {
  let at = ms;
  // Each step jumps to a boundary strictly later than `at`, and a week holds only a few of them.
  for (let step = 0; step < 32; step++) {
    const time = local(clock, at);
    if (clock.weekendsQuiet && isWeekend(time)) {
      at = dayStartOn(clock, addDays(dateOf(time), 8 - time.weekday)); // Monday
    } else if (clock.quiet && inQuiet(clock.quiet, minuteOfDay(time))) {
      at = quietEnd(clock, clock.quiet, at);
    } else {
      return at;
    }
  }
  throw new Error("No allowed time found for a nudge: the quiet hours leave no time at all");
}

function checkInput(now: Date, policy: NudgePolicy): void {
  if (Number.isNaN(now.getTime())) throw new RangeError("decideNudge: now is an invalid Date");
  for (const [name, cap] of [
    ["dailyCap", policy.dailyCap],
    ["weeklyCap", policy.weeklyCap],
  ] as const) {
    if (Number.isNaN(cap) || cap < 0)
      throw new RangeError(`Nudge policy ${name} must be 0 or more, got ${cap}`);
  }
}

/**
 * Send now, or defer and say until when and why. The weekly cap is checked first, then the daily cap
 * (both defer to the start of a later local day), then weekends and quiet hours. A cap of 0 defers
 * every nudge; "no nudges at all" is the caller's nudges-off setting, not a cap.
 */
export function decideNudge(input: {
  now: Date;
  tz: string | null;
  policy: NudgePolicy;
  sentToday: number;
  sentThisWeek: number;
}): NudgeDecision {
  const { now, policy } = input;
  checkInput(now, policy);
  const clock = makeClock(input.tz, policy);
  const ms = now.getTime();
  const today = local(clock, ms);

  if (input.sentThisWeek >= policy.weeklyCap) {
    const monday = addDays(dateOf(today), 8 - today.weekday);
    return defer(nextAllowed(clock, dayStartOn(clock, monday)), "weekly_cap");
  }
  if (input.sentToday >= policy.dailyCap) {
    return defer(nextAllowed(clock, dayStartOn(clock, addDays(dateOf(today), 1))), "daily_cap");
  }
  const allowed = nextAllowed(clock, ms);
  if (allowed === ms) return { action: "send" };
  // Name the weekend when it is what holds the nudge back: during it, or when tonight's quiet hours
  // run into it (Friday evening).
  const intoWeekend =
    clock.weekendsQuiet &&
    (isWeekend(today) ||
      (clock.quiet !== undefined && isWeekend(local(clock, quietEnd(clock, clock.quiet, ms)))));
  return defer(allowed, intoWeekend ? "weekend" : "quiet_hours");
}

function defer(until: number, reason: "quiet_hours" | "weekend" | "daily_cap" | "weekly_cap"): NudgeDecision {
  return { action: "defer", until: new Date(until), reason };
}

/** The start of the user's local day and ISO week (Monday), as instants, for counting nudges sent. */
export function countingWindows(now: Date, tz: string | null): { dayStart: Date; weekStart: Date } {
  const time = DateTime.fromJSDate(now, { zone: resolveZone(tz) });
  // Luxon's startOf("week") is the ISO week unless locale weeks are asked for.
  return { dayStart: time.startOf("day").toJSDate(), weekStart: time.startOf("week").toJSDate() };
}
