import type { IsoWeekday, UserSettings } from "../../store/types.js";
import { option } from "./kit.js";

// The choices offered for settings, shared by App Home and the settings modal.

export const WEEKDAYS: Array<[IsoWeekday, string]> = [
  [1, "Monday"],
  [2, "Tuesday"],
  [3, "Wednesday"],
  [4, "Thursday"],
  [5, "Friday"],
  [6, "Saturday"],
  [7, "Sunday"],
];

export const TIMES = Array.from({ length: 29 }, (_, i) => {
  const minutes = 6 * 60 + i * 30; // 06:00 to 20:00 every half hour
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
});

/** Quiet-hours choices; "default" means the workspace's NUDGE_QUIET_HOURS. */
export const QUIET_HOURS: Array<[string, string]> = [
  ["default", "Workspace default"],
  ["18:00-09:00", "18:00 to 09:00"],
  ["19:00-08:00", "19:00 to 08:00"],
  ["20:00-07:00", "20:00 to 07:00"],
  ["22:00-07:00", "22:00 to 07:00"],
  ["off", "No quiet hours"],
];

export const dayOptions = () => WEEKDAYS.map(([d, label]) => option(label, String(d)));
export const timeOptions = () => TIMES.map((t) => option(t, t));
export const quietOptions = () => QUIET_HOURS.map(([v, label]) => option(label, v));

export function quietValue(settings: UserSettings): string {
  const q = settings.quietHours;
  if (!q) return "default";
  if (q.start === q.end) return "off";
  return `${q.start}-${q.end}`;
}

/** Parses a quiet-hours choice back into settings; undefined for a value we never offered. */
export function parseQuiet(value: string): UserSettings["quietHours"] | undefined {
  if (value === "default") return null;
  if (value === "off") return { start: "00:00", end: "00:00" };
  const m = value.match(/^(\d{2}:\d{2})-(\d{2}:\d{2})$/);
  return m?.[1] && m[2] ? { start: m[1], end: m[2] } : undefined;
}

export function parseDay(value: string): IsoWeekday | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= 7 ? (n as IsoWeekday) : undefined;
}

export const parseTime = (value: string) => (TIMES.includes(value) ? value : undefined);

export const dayLabel = (day: IsoWeekday) => WEEKDAYS.find(([d]) => d === day)?.[1] ?? "Friday";
