import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_WEEKLY,
  describeNext,
  effectiveZone,
  type IsoWeekday,
  isoWeekKey,
  isTooLate,
  nextRunAt,
  parseWeeklyCommand,
  startOfLocalDay,
  validTimezone,
  type WeeklyPlan,
} from "../../src/reflection/schedule.js";

// Every instant is fixed; expected runs are written in UTC with the local time alongside.

function next(
  plan: Partial<WeeklyPlan> & Pick<WeeklyPlan, "tz">,
  after: string,
  workspaceTz?: string | null,
): string {
  return nextRunAt({ ...DEFAULT_WEEKLY, ...plan }, new Date(after), workspaceTz).toISOString();
}

const local = (iso: string, tz: string) =>
  DateTime.fromISO(iso, { zone: tz }).toFormat("ccc yyyy-MM-dd HH:mm");

const LONDON = "Europe/London";
const NY = "America/New_York";
const SYDNEY = "Australia/Sydney";

describe("nextRunAt: the default Friday 15:00 and each weekday", () => {
  it("defaults to Friday 15:00", () => {
    expect(DEFAULT_WEEKLY).toEqual({ day: 5, time: "15:00" });
    const at = next({ tz: LONDON }, "2026-11-23T10:00:00Z"); // Monday
    expect(at).toBe("2026-11-27T15:00:00.000Z");
    expect(local(at, LONDON)).toBe("Fri 2026-11-27 15:00");
  });

  it("finds each weekday from a Wednesday noon", () => {
    const after = "2026-11-25T12:00:00Z"; // Wed
    const expected: Record<IsoWeekday, string> = {
      1: "2026-11-30T09:00:00.000Z",
      2: "2026-12-01T09:00:00.000Z",
      3: "2026-12-02T09:00:00.000Z", // today's 09:00 has passed
      4: "2026-11-26T09:00:00.000Z",
      5: "2026-11-27T09:00:00.000Z",
      6: "2026-11-28T09:00:00.000Z",
      7: "2026-11-29T09:00:00.000Z",
    };
    for (const day of [1, 2, 3, 4, 5, 6, 7] as const) {
      const at = next({ tz: "UTC", day, time: "09:00" }, after);
      expect(at, `day ${day}`).toBe(expected[day]);
      expect(DateTime.fromISO(at, { zone: "UTC" }).weekday).toBe(day);
    }
    expect(next({ tz: "UTC", day: 3, time: "15:00" }, after)).toBe("2026-11-25T15:00:00.000Z"); // later today
  });

  it("gives next week when `after` is exactly the run, and this week a millisecond before", () => {
    expect(next({ tz: LONDON }, "2026-11-27T15:00:00.000Z")).toBe("2026-12-04T15:00:00.000Z");
    expect(next({ tz: LONDON }, "2026-11-27T14:59:59.999Z")).toBe("2026-11-27T15:00:00.000Z");
  });

  it("accepts H:MM and rejects bad times and days", () => {
    expect(next({ tz: "UTC", time: "9:05" }, "2026-11-23T00:00:00Z")).toBe("2026-11-27T09:05:00.000Z");
    for (const time of ["25:00", "3pm", "15:60", ""]) {
      expect(() => next({ tz: "UTC", time }, "2026-11-23T00:00:00Z"), time).toThrow(RangeError);
    }
    expect(() => next({ tz: "UTC", day: 8 as IsoWeekday }, "2026-11-23T00:00:00Z")).toThrow(RangeError);
    expect(() => nextRunAt({ ...DEFAULT_WEEKLY, tz: "UTC" }, new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe("nextRunAt across DST changes", () => {
  it("New York spring forward (2026-03-08): Friday 15:00 EST, then Friday 15:00 EDT", () => {
    const at = next({ tz: NY }, "2026-03-06T20:00:00Z"); // exactly Fri 15:00 EST
    expect(at).toBe("2026-03-13T19:00:00.000Z"); // Fri 15:00 EDT: 6 days 23 hours later
    expect(local(at, NY)).toBe("Fri 2026-03-13 15:00");
  });

  it("New York fall back (2026-11-01): Friday 15:00 EDT, then Friday 15:00 EST", () => {
    const at = next({ tz: NY }, "2026-10-30T19:00:00Z"); // exactly Fri 15:00 EDT
    expect(at).toBe("2026-11-06T20:00:00.000Z"); // Fri 15:00 EST: 7 days 1 hour later
    expect(local(at, NY)).toBe("Fri 2026-11-06 15:00");
  });

  it("a Sunday 02:30 that does not exist on the spring-forward day runs at 03:00 EDT, then 02:30 again", () => {
    const plan = { tz: NY, day: 7 as const, time: "02:30" };
    const at = next(plan, "2026-03-07T12:00:00Z");
    expect(at).toBe("2026-03-08T07:00:00.000Z"); // the instant the clocks jump to 03:00 EDT
    expect(local(at, NY)).toBe("Sun 2026-03-08 03:00");
    expect(next(plan, at)).toBe("2026-03-15T06:30:00.000Z"); // 02:30 EDT
  });

  it("a Sunday 01:30 repeated on the fall-back day runs once, at its first occurrence (EDT)", () => {
    const plan = { tz: NY, day: 7 as const, time: "01:30" };
    expect(next(plan, "2026-10-31T12:00:00Z")).toBe("2026-11-01T05:30:00.000Z"); // 01:30 EDT
    // After the first 01:30, the second one (06:30Z, 01:30 EST) is not a second run this week.
    expect(next(plan, "2026-11-01T05:30:00Z")).toBe("2026-11-08T06:30:00.000Z");
    expect(next(plan, "2026-11-01T06:00:00Z")).toBe("2026-11-08T06:30:00.000Z"); // 01:00 EST, between them
  });

  it("London spring forward (2026-03-29): Friday 15:00 GMT, then 15:00 BST; 01:30 Sunday does not exist", () => {
    expect(next({ tz: LONDON }, "2026-03-27T15:00:00Z")).toBe("2026-04-03T14:00:00.000Z");
    const gap = next({ tz: LONDON, day: 7, time: "01:30" }, "2026-03-28T12:00:00Z");
    expect(gap).toBe("2026-03-29T01:00:00.000Z"); // 02:00 BST, the jump
    expect(local(gap, LONDON)).toBe("Sun 2026-03-29 02:00");
    // 02:30 exists in London that day (the gap is 01:00-02:00).
    expect(next({ tz: LONDON, day: 7, time: "02:30" }, "2026-03-28T12:00:00Z")).toBe(
      "2026-03-29T01:30:00.000Z",
    );
  });

  it("London fall back (2026-10-25): Friday 15:00 BST, then 15:00 GMT; 01:30 Sunday runs at BST", () => {
    expect(next({ tz: LONDON }, "2026-10-23T14:00:00Z")).toBe("2026-10-30T15:00:00.000Z");
    const plan = { tz: LONDON, day: 7 as const, time: "01:30" };
    expect(next(plan, "2026-10-24T12:00:00Z")).toBe("2026-10-25T00:30:00.000Z"); // 01:30 BST
    expect(next(plan, "2026-10-25T00:30:00Z")).toBe("2026-11-01T01:30:00.000Z"); // 01:30 GMT, next week
  });

  it("Australia/Sydney (southern hemisphere): summer time ends in April and starts in October", () => {
    // 2026-04-05 03:00 AEDT -> 02:00 AEST.
    expect(next({ tz: SYDNEY }, "2026-04-03T04:00:00Z")).toBe("2026-04-10T05:00:00.000Z"); // Fri 15:00 AEST
    expect(next({ tz: SYDNEY, day: 7, time: "02:30" }, "2026-04-03T00:00:00Z")).toBe(
      "2026-04-04T15:30:00.000Z", // the first 02:30, AEDT
    );
    // 2026-10-04 02:00 AEST -> 03:00 AEDT.
    expect(next({ tz: SYDNEY }, "2026-10-02T05:00:00Z")).toBe("2026-10-09T04:00:00.000Z"); // Fri 15:00 AEDT
    const gap = next({ tz: SYDNEY, day: 7, time: "02:30" }, "2026-10-02T00:00:00Z");
    expect(gap).toBe("2026-10-03T16:00:00.000Z");
    expect(local(gap, SYDNEY)).toBe("Sun 2026-10-04 03:00");
  });

  it("Asia/Kolkata (+05:30)", () => {
    const at = next({ tz: "Asia/Kolkata" }, "2026-11-23T00:00:00Z");
    expect(at).toBe("2026-11-27T09:30:00.000Z");
    expect(next({ tz: "Asia/Kolkata" }, at)).toBe("2026-12-04T09:30:00.000Z");
  });

  it("Pacific/Chatham (+12:45, +13:45 in summer), including its 02:45 -> 03:45 jump", () => {
    expect(next({ tz: "Pacific/Chatham" }, "2026-06-22T00:00:00Z")).toBe("2026-06-26T02:15:00.000Z");
    expect(next({ tz: "Pacific/Chatham" }, "2026-11-23T00:00:00Z")).toBe("2026-11-27T01:15:00.000Z");
    // Summer time starts on Sunday 2026-09-27: 03:00 does not exist, so the run is at the jump (03:45).
    const gap = next({ tz: "Pacific/Chatham", day: 7, time: "03:00" }, "2026-09-24T00:00:00Z");
    expect(gap).toBe("2026-09-26T14:00:00.000Z");
    expect(local(gap, "Pacific/Chatham")).toBe("Sun 2026-09-27 03:45");
  });

  it("a year of weekly runs stays on the same local day and time in every zone", () => {
    for (const tz of [NY, LONDON, SYDNEY, "Asia/Kolkata", "Pacific/Chatham", "Australia/Lord_Howe"]) {
      let at = new Date("2026-01-01T00:00:00Z");
      let previous: DateTime | undefined;
      for (let week = 0; week < 53; week++) {
        at = nextRunAt({ day: 5, time: "15:00", tz }, at);
        const time = DateTime.fromJSDate(at, { zone: tz });
        expect(time.toFormat("ccc HH:mm"), `${tz} week ${week}`).toBe("Fri 15:00");
        if (previous) expect(time.startOf("day").diff(previous.startOf("day"), "days").days).toBe(7);
        previous = time;
      }
    }
  });
});

describe("snooze and skip", () => {
  const plan: WeeklyPlan = { day: 5, time: "15:00", tz: LONDON };
  const after = new Date("2026-11-23T10:00:00Z");

  it("waits until the snooze has ended, and runs at it when it ends exactly at a run", () => {
    const until = new Date("2026-12-10T00:00:00Z"); // Thursday
    expect(nextRunAt({ ...plan, snoozedUntil: until }, after).toISOString()).toBe("2026-12-11T15:00:00.000Z");
    const atRun = new Date("2026-12-04T15:00:00Z");
    expect(nextRunAt({ ...plan, snoozedUntil: atRun }, after).toISOString()).toBe("2026-12-04T15:00:00.000Z");
    const past = new Date("2026-11-01T00:00:00Z");
    expect(nextRunAt({ ...plan, snoozedUntil: past }, after).toISOString()).toBe("2026-11-27T15:00:00.000Z");
    expect(nextRunAt({ ...plan, snoozedUntil: null }, after).toISOString()).toBe("2026-11-27T15:00:00.000Z");
  });

  it("snoozes until a local date", () => {
    const until = startOfLocalDay("2026-12-11", LONDON);
    expect(until.toISOString()).toBe("2026-12-11T00:00:00.000Z");
    expect(nextRunAt({ ...plan, snoozedUntil: until }, after).toISOString()).toBe("2026-12-11T15:00:00.000Z");
    expect(startOfLocalDay("2026-07-01", NY).toISOString()).toBe("2026-07-01T04:00:00.000Z");
    // Midnight does not exist in Santiago on its spring-forward day: the day starts at 01:00.
    expect(local(startOfLocalDay("2026-09-06", "America/Santiago").toISOString(), "America/Santiago")).toBe(
      "Sun 2026-09-06 01:00",
    );
    for (const bad of ["2026-02-30", "tomorrow", "2026-1-5"]) {
      expect(() => startOfLocalDay(bad, LONDON), bad).toThrow(RangeError);
    }
  });

  it("skips one ISO week and only that one", () => {
    expect(nextRunAt({ ...plan, skipWeekOf: "2026-W48" }, after).toISOString()).toBe(
      "2026-12-04T15:00:00.000Z",
    );
    expect(nextRunAt({ ...plan, skipWeekOf: "2026-W47" }, after).toISOString()).toBe(
      "2026-11-27T15:00:00.000Z",
    );
    expect(nextRunAt({ ...plan, skipWeekOf: "2026-W49" }, after).toISOString()).toBe(
      "2026-11-27T15:00:00.000Z",
    );
  });

  it("reads the skipped week in the rep's zone", () => {
    // Monday 00:30 in Auckland is still Sunday (ISO week 48) in UTC; the rep's week is 49.
    const auckland: WeeklyPlan = { day: 1, time: "00:30", tz: "Pacific/Auckland", skipWeekOf: "2026-W49" };
    expect(nextRunAt(auckland, after).toISOString()).toBe("2026-12-06T11:30:00.000Z");
    expect(nextRunAt({ ...auckland, skipWeekOf: "2026-W48" }, after).toISOString()).toBe(
      "2026-11-29T11:30:00.000Z",
    );
  });

  it("combines a snooze with a skipped week", () => {
    const snoozed = { ...plan, snoozedUntil: new Date("2026-12-01T00:00:00Z"), skipWeekOf: "2026-W49" };
    expect(nextRunAt(snoozed, after).toISOString()).toBe("2026-12-11T15:00:00.000Z");
  });
});

describe("timezones", () => {
  it("validTimezone accepts IANA names luxon knows and nothing else", () => {
    expect(validTimezone(LONDON)).toBe(LONDON);
    expect(validTimezone(" Asia/Kolkata ")).toBe("Asia/Kolkata");
    expect(validTimezone("UTC")).toBe("UTC");
    for (const bad of ["", "   ", "Mars/Olympus", "+05:00", "GMT+5:30", null, undefined]) {
      expect(validTimezone(bad), String(bad)).toBeNull();
    }
  });

  it("effectiveZone: the rep's, else the workspace default, else UTC", () => {
    expect(effectiveZone(NY, LONDON)).toBe(NY);
    expect(effectiveZone("Mars/Olympus", LONDON)).toBe(LONDON);
    expect(effectiveZone(null, LONDON)).toBe(LONDON);
    expect(effectiveZone("Mars/Olympus", "Nowhere/Else")).toBe("UTC");
    expect(effectiveZone(null, null)).toBe("UTC");
  });

  it("nextRunAt uses the workspace default for an invalid or missing tz, then UTC", () => {
    const after = "2026-11-23T00:00:00Z";
    expect(next({ tz: "Mars/Olympus" }, after, "Asia/Kolkata")).toBe("2026-11-27T09:30:00.000Z");
    expect(next({ tz: null }, after, "Asia/Kolkata")).toBe("2026-11-27T09:30:00.000Z");
    expect(next({ tz: "Mars/Olympus" }, after, "Nowhere/Else")).toBe("2026-11-27T15:00:00.000Z");
    expect(next({ tz: null }, after)).toBe("2026-11-27T15:00:00.000Z");
    expect(next({ tz: NY }, after, "Asia/Kolkata")).toBe("2026-11-27T20:00:00.000Z");
  });
});

describe("isoWeekKey", () => {
  it("is the ISO week of the local date, zero-padded", () => {
    expect(isoWeekKey(new Date("2026-11-27T15:00:00Z"), LONDON)).toBe("2026-W48");
    expect(isoWeekKey(new Date("2026-01-05T12:00:00Z"), "UTC")).toBe("2026-W02");
  });

  it("2026 has 53 weeks: 31 December 2026 and 1 January 2027 are both in 2026-W53", () => {
    const newYearsEve = new Date("2026-12-31T23:30:00Z");
    expect(isoWeekKey(newYearsEve, LONDON)).toBe("2026-W53"); // Thu 31 Dec
    expect(isoWeekKey(newYearsEve, "Asia/Tokyo")).toBe("2026-W53"); // Fri 1 Jan 08:30
    expect(isoWeekKey(newYearsEve, "America/Los_Angeles")).toBe("2026-W53"); // Thu 31 Dec 15:30
    expect(isoWeekKey(new Date("2027-01-01T12:00:00Z"), "UTC")).toBe("2026-W53");
  });

  it("the week year changes on a Monday, which comes earlier in zones east of UTC", () => {
    const sunday = new Date("2027-01-03T12:00:00Z");
    expect(isoWeekKey(sunday, "UTC")).toBe("2026-W53"); // Sun 3 Jan
    expect(isoWeekKey(sunday, "America/Los_Angeles")).toBe("2026-W53"); // Sun 3 Jan 04:00
    expect(isoWeekKey(sunday, "Pacific/Auckland")).toBe("2027-W01"); // Mon 4 Jan 01:00
    expect(isoWeekKey(sunday, "Pacific/Kiritimati")).toBe("2027-W01"); // Mon 4 Jan 02:00
    // 2025 -> 2026: 2025-12-29 (Monday) is already 2026-W01.
    const lateSunday = new Date("2025-12-28T20:00:00Z");
    expect(isoWeekKey(lateSunday, "UTC")).toBe("2025-W52");
    expect(isoWeekKey(lateSunday, "Asia/Tokyo")).toBe("2026-W01");
    expect(isoWeekKey(lateSunday, "Mars/Olympus")).toBe("2025-W52"); // invalid -> UTC
  });
});

describe("parseWeeklyCommand", () => {
  it("reads on and off", () => {
    expect(parseWeeklyCommand("on")).toEqual({ on: true });
    expect(parseWeeklyCommand("  ON ")).toEqual({ on: true });
    expect(parseWeeklyCommand("off")).toEqual({ on: false });
    expect(parseWeeklyCommand("Off")).toEqual({ on: false });
  });

  it("reads a day and a time in any of the usual spellings", () => {
    expect(parseWeeklyCommand("on fri 15:00")).toEqual({ on: true, day: 5, time: "15:00" });
    expect(parseWeeklyCommand("on Friday 3pm")).toEqual({ on: true, day: 5, time: "15:00" });
    expect(parseWeeklyCommand("on monday 09:30")).toEqual({ on: true, day: 1, time: "09:30" });
    expect(parseWeeklyCommand("on mon 9:30")).toEqual({ on: true, day: 1, time: "09:30" });
    expect(parseWeeklyCommand("on 15:00 fri")).toEqual({ on: true, day: 5, time: "15:00" });
    expect(parseWeeklyCommand("on fri at 3:30 pm")).toEqual({ on: true, day: 5, time: "15:30" });
    expect(parseWeeklyCommand("on Tues, 12am")).toEqual({ on: true, day: 2, time: "00:00" });
    expect(parseWeeklyCommand("on thursdays 12pm")).toEqual({ on: true, day: 4, time: "12:00" });
    expect(parseWeeklyCommand("on wed 8.15")).toEqual({ on: true, day: 3, time: "08:15" });
    expect(parseWeeklyCommand("on sun noon")).toEqual({ on: true, day: 7, time: "12:00" });
    expect(parseWeeklyCommand("on sat 11 a.m.")).toEqual({ on: true, day: 6, time: "11:00" });
    expect(parseWeeklyCommand("on saturday")).toEqual({ on: true, day: 6 });
    expect(parseWeeklyCommand("on 16:45")).toEqual({ on: true, time: "16:45" });
  });

  it("gives a one-line error with an example otherwise", () => {
    for (const text of [
      "",
      "   ",
      "maybe",
      "fri 15:00",
      "off now",
      "on fryday 15:00",
      "on fri 25:00",
      "on fri 15",
      "on fri 13pm",
      "on fri 0am",
      "on fri mon",
      "on fri 15:00 16:00",
    ]) {
      const result = parseWeeklyCommand(text);
      expect(result, JSON.stringify(text)).toHaveProperty("error");
      if (!("error" in result)) continue;
      expect(result.error).toContain("/coach weekly on fri 15:00");
      expect(result.error).not.toContain("\n");
    }
    expect(parseWeeklyCommand("on fryday")).toEqual({
      error: '"fryday" is not a day of the week. Try /coach weekly on fri 15:00, or /coach weekly off',
    });
    expect(parseWeeklyCommand("on fri 25:00")).toMatchObject({ error: expect.stringContaining('"25:00"') });
  });
});

describe("describeNext", () => {
  it("says the local weekday, date and time, and the zone", () => {
    const at = new Date("2026-11-27T15:00:00Z");
    expect(describeNext(at, LONDON, new Date("2026-11-23T10:00:00Z"))).toBe(
      "Friday 27 November at 15:00 (Europe/London)",
    );
    expect(describeNext(at, "Asia/Kolkata", new Date("2026-11-23T10:00:00Z"))).toBe(
      "Friday 27 November at 20:30 (Asia/Kolkata)",
    );
  });

  it("says today and tomorrow by the rep's own calendar", () => {
    const at = new Date("2026-11-27T15:00:00Z");
    expect(describeNext(at, LONDON, new Date("2026-11-27T08:00:00Z"))).toBe("today at 15:00 (Europe/London)");
    expect(describeNext(at, LONDON, new Date("2026-11-26T23:59:00Z"))).toBe(
      "tomorrow at 15:00 (Europe/London)",
    );
    expect(describeNext(at, LONDON, new Date("2026-11-25T23:59:00Z"))).toBe(
      "Friday 27 November at 15:00 (Europe/London)",
    );
    // 23:30 UTC Thursday is already Friday in Tokyo, so a Saturday run there is "tomorrow".
    expect(
      describeNext(new Date("2026-11-28T06:00:00Z"), "Asia/Tokyo", new Date("2026-11-26T23:30:00Z")),
    ).toBe("tomorrow at 15:00 (Asia/Tokyo)");
  });

  it("adds the year when it is not this year, and falls back to UTC for an invalid zone", () => {
    expect(describeNext(new Date("2027-01-01T15:00:00Z"), LONDON, new Date("2026-12-28T10:00:00Z"))).toBe(
      "Friday 1 January 2027 at 15:00 (Europe/London)",
    );
    expect(
      describeNext(new Date("2026-11-27T15:00:00Z"), "Mars/Olympus", new Date("2026-11-23T10:00:00Z")),
    ).toBe("Friday 27 November at 15:00 (UTC)");
  });
});

describe("isTooLate", () => {
  const due = new Date("2026-11-27T15:00:00Z");
  const later = (ms: number) => new Date(due.getTime() + ms);
  const MIN = 60_000;
  const HOUR = 60 * MIN;

  it("sends a missed prompt up to 24 hours late and skips it after", () => {
    expect(isTooLate(due, later(23 * HOUR + 59 * MIN))).toBe(false);
    expect(isTooLate(due, later(24 * HOUR))).toBe(false);
    expect(isTooLate(due, later(24 * HOUR + MIN))).toBe(true);
    expect(isTooLate(due, due)).toBe(false);
    expect(isTooLate(due, later(-HOUR))).toBe(false);
  });

  it("takes another limit", () => {
    expect(isTooLate(due, later(2 * HOUR), HOUR)).toBe(true);
    expect(isTooLate(due, later(30 * MIN), HOUR)).toBe(false);
  });
});
