// Date and time formats shared by the sources and by schemas/deal-update.schema.json (which repeats these
// patterns, so keep them in step; test/unit/deal-sources.test.ts checks the two agree).

export const DATE_PATTERN = "^\\d{4}-\\d{2}-\\d{2}$";
export const DATE_TIME_PATTERN =
  "^\\d{4}-\\d{2}-\\d{2}[Tt]([01]\\d|2[0-3]):[0-5]\\d:[0-5]\\d(\\.\\d+)?([Zz]|[+-]([01]\\d|2[0-3]):[0-5]\\d)$";
export const CURRENCY_PATTERN = "^[A-Z]{3}$";
// Deliberately plain: a real address check is the Slack lookup; this catches obvious mistakes.
export const EMAIL_PATTERN = '^[^\\s@"<>(),;:]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}$';

const DATE_RE = new RegExp(DATE_PATTERN);
const DATE_TIME_RE = new RegExp(DATE_TIME_PATTERN);

/** YYYY-MM-DD naming a day that exists (no February 30th). */
export function isCalendarDate(value: string): boolean {
  if (!DATE_RE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

/** An RFC 3339 date-time with a zone (Z or an offset), on a real calendar day. */
export function isDateTime(value: string): boolean {
  return DATE_TIME_RE.test(value) && isCalendarDate(value.slice(0, 10)) && !Number.isNaN(Date.parse(value));
}

/**
 * RFC 3339 in UTC with milliseconds. Every source's times are normalised to this so that the inbox can
 * order one deal's updates by comparing strings, whatever offset the sender used.
 */
export function toUtc(dateTime: string): string {
  return new Date(dateTime).toISOString();
}

/** A day (YYYY-MM-DD) as a time: midnight UTC. Salesforce's LastActivityDate, for one, is a date. */
export function dayToUtc(day: string): string {
  return `${day}T00:00:00.000Z`;
}

/** Epoch milliseconds as RFC 3339, or undefined when out of Date's range. */
export function epochMsToUtc(ms: number): string | undefined {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Epoch milliseconds as the UTC day: how HubSpot stores date properties (midnight UTC). */
export function epochMsToDay(ms: number): string | undefined {
  return epochMsToUtc(ms)?.slice(0, 10);
}
