// Business days (Monday to Friday, no holidays) on UTC calendar dates. The idle sweep has no user
// timezone for a deal, and counting whole calendar dates keeps the answer stable across a daily sweep
// whatever hour it runs.

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 (a Thursday) of the instant's UTC date. */
function utcDayNumber(instant: Date): number {
  return Math.floor(instant.getTime() / DAY_MS);
}

function isWeekday(dayNumber: number): boolean {
  const weekday = (((dayNumber + 4) % 7) + 7) % 7; // 0 = Sunday, since day 0 was a Thursday
  return weekday !== 0 && weekday !== 6;
}

/**
 * How many Monday-to-Friday dates lie after `from`'s date, up to and including `to`'s date (UTC).
 * Friday -> the next Monday is 1; the same date is 0; `to` before `from` is 0.
 */
export function businessDaysBetween(from: Date, to: Date): number {
  const start = utcDayNumber(from);
  const end = utcDayNumber(to);
  if (!(end > start)) return 0; // also covers an invalid date (NaN)
  const span = end - start;
  // Every run of 7 consecutive dates holds exactly 5 weekdays; only the remainder needs looking at.
  const fullWeeks = Math.floor(span / 7);
  let count = fullWeeks * 5;
  for (let day = start + fullWeeks * 7 + 1; day <= end; day++) if (isWeekday(day)) count++;
  return count;
}

/** The instant's UTC calendar date, YYYY-MM-DD. */
export function utcDate(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}
