import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import {
  countingWindows,
  DEFAULT_POLICY,
  decideNudge,
  type NudgePolicy,
  parseQuietHours,
  resolveZone,
} from "../../src/deals/policy.js";

// Every "now" is fixed; expected instants are written in UTC with the local time alongside.

function decide(
  now: string,
  tz: string | null,
  policy: Partial<NudgePolicy> = {},
  sent: { today?: number; week?: number } = {},
) {
  return decideNudge({
    now: new Date(now),
    tz,
    policy: { ...DEFAULT_POLICY, ...policy },
    sentToday: sent.today ?? 0,
    sentThisWeek: sent.week ?? 0,
  });
}

function deferredTo(decision: ReturnType<typeof decideNudge>): string {
  if (decision.action !== "defer") throw new Error(`expected a deferral, got ${decision.action}`);
  return decision.until.toISOString();
}

const localTime = (iso: string, tz: string) =>
  DateTime.fromISO(iso, { zone: tz }).toFormat("ccc yyyy-MM-dd HH:mm");

describe("parseQuietHours", () => {
  it("reads a range, wrapping or not, and normalises it to HH:MM", () => {
    expect(parseQuietHours("19:00-08:00")).toEqual({ start: "19:00", end: "08:00" });
    expect(parseQuietHours(" 9:00 - 17:30 ")).toEqual({ start: "09:00", end: "17:30" });
    expect(parseQuietHours("00:00-23:59")).toEqual({ start: "00:00", end: "23:59" });
  });

  it('reads "off" in any case', () => {
    expect(parseQuietHours("off")).toBe("off");
    expect(parseQuietHours(" OFF ")).toBe("off");
  });

  it.each([
    "",
    "19:00",
    "on",
    "24:00-08:00",
    "19:00-08:60",
    "7pm-8am",
    "19:00-08:00-09:00",
    "19:00-",
    "19.00-08.00",
  ])("rejects %j with a clear error", (value) => {
    expect(() => parseQuietHours(value)).toThrow(/Invalid quiet hours .*"HH:MM-HH:MM".*"off"/);
  });
});

describe("DEFAULT_POLICY", () => {
  it("is quiet 19:00-08:00, quiet on weekends, 3 a day and 10 a week", () => {
    expect(DEFAULT_POLICY).toEqual({
      quietHours: { start: "19:00", end: "08:00" },
      weekends: "quiet",
      dailyCap: 3,
      weeklyCap: 10,
    });
    expect(Object.isFrozen(DEFAULT_POLICY)).toBe(true);
  });
});

describe("quiet hours in the user's own timezone", () => {
  it("Asia/Kolkata (+05:30): 19:30 is quiet until 08:00 the next morning; 11:30 sends", () => {
    const d = decide("2026-03-11T14:00:00Z", "Asia/Kolkata"); // Wed 19:30 IST
    expect(d).toMatchObject({ action: "defer", reason: "quiet_hours" });
    expect(deferredTo(d)).toBe("2026-03-12T02:30:00.000Z"); // Thu 08:00 IST
    expect(decide("2026-03-11T06:00:00Z", "Asia/Kolkata")).toEqual({ action: "send" }); // 11:30 IST
  });

  it("America/Los_Angeles: 06:00 is quiet until 08:00 the same morning; 13:00 sends", () => {
    const d = decide("2026-03-11T13:00:00Z", "America/Los_Angeles"); // Wed 06:00 PDT
    expect(deferredTo(d)).toBe("2026-03-11T15:00:00.000Z"); // Wed 08:00 PDT
    expect(decide("2026-03-11T20:00:00Z", "America/Los_Angeles")).toEqual({ action: "send" });
  });

  it("Pacific/Auckland: late evening and small hours, on the local date (a day ahead of UTC)", () => {
    const night = decide("2026-03-12T10:30:00Z", "Pacific/Auckland"); // Thu 23:30 NZDT
    expect(deferredTo(night)).toBe("2026-03-12T19:00:00.000Z"); // Fri 08:00 NZDT
    const early = decide("2026-03-11T14:00:00Z", "Pacific/Auckland"); // Thu 03:00 NZDT
    expect(deferredTo(early)).toBe("2026-03-11T19:00:00.000Z"); // Thu 08:00 NZDT
    expect(decide("2026-03-11T22:00:00Z", "Pacific/Auckland")).toEqual({ action: "send" }); // Thu 11:00
  });

  it("the same instant is quiet in one zone and not in another", () => {
    const instant = "2026-03-11T14:00:00Z";
    expect(decide(instant, "Asia/Kolkata").action).toBe("defer"); // 19:30
    expect(decide(instant, "America/Los_Angeles").action).toBe("defer"); // 07:00
    expect(decide(instant, "Europe/London").action).toBe("send"); // 14:00
  });

  it("wrap-around quiet hours: start inclusive, end exclusive, after midnight ends the same day", () => {
    expect(decide("2026-03-11T18:59:00Z", "UTC").action).toBe("send");
    expect(decide("2026-03-11T19:00:00Z", "UTC").action).toBe("defer");
    expect(deferredTo(decide("2026-03-12T02:00:00Z", "UTC"))).toBe("2026-03-12T08:00:00.000Z");
    expect(decide("2026-03-12T07:59:00Z", "UTC").action).toBe("defer");
    expect(decide("2026-03-12T08:00:00Z", "UTC").action).toBe("send");
  });

  it("quiet hours that do not wrap midnight (a lunch break)", () => {
    const lunch = { quietHours: { start: "12:00", end: "13:00" } };
    expect(decide("2026-03-11T11:59:00Z", "UTC", lunch).action).toBe("send");
    const d = decide("2026-03-11T12:30:00Z", "UTC", lunch);
    expect(d).toMatchObject({ action: "defer", reason: "quiet_hours" });
    expect(deferredTo(d)).toBe("2026-03-11T13:00:00.000Z");
    expect(decide("2026-03-11T13:00:00Z", "UTC", lunch).action).toBe("send");
    expect(decide("2026-03-11T23:00:00Z", "UTC", lunch).action).toBe("send");
  });

  it('"off" and start == end mean no quiet hours', () => {
    expect(decide("2026-03-11T03:00:00Z", "UTC", { quietHours: "off" })).toEqual({ action: "send" });
    const same = { quietHours: { start: "09:00", end: "09:00" } };
    expect(decide("2026-03-11T09:00:00Z", "UTC", same)).toEqual({ action: "send" });
    expect(decide("2026-03-11T23:30:00Z", "UTC", same)).toEqual({ action: "send" });
  });

  it("rejects a malformed time in a policy object", () => {
    expect(() =>
      decide("2026-03-11T12:00:00Z", "UTC", { quietHours: { start: "7pm", end: "08:00" } }),
    ).toThrow(/Invalid quiet hours/);
  });
});

describe("weekends", () => {
  const tz = "America/Los_Angeles";

  it("quiet: Friday evening waits for Monday 08:00 local", () => {
    const d = decide("2026-03-14T02:30:00Z", tz); // Fri 19:30 PDT, quiet hours running into the weekend
    expect(d).toMatchObject({ action: "defer", reason: "weekend" });
    expect(deferredTo(d)).toBe("2026-03-16T15:00:00.000Z");
    expect(localTime(deferredTo(d), tz)).toBe("Mon 2026-03-16 08:00");
  });

  it("Friday 18:00 sends under the default 19:00 start, and waits for Monday when quiet starts at 18:00", () => {
    expect(decide("2026-03-14T01:00:00Z", tz)).toEqual({ action: "send" }); // Fri 18:00 PDT
    const early = decide("2026-03-14T01:00:00Z", tz, { quietHours: { start: "18:00", end: "08:00" } });
    expect(early).toMatchObject({ action: "defer", reason: "weekend" });
    expect(localTime(deferredTo(early), tz)).toBe("Mon 2026-03-16 08:00");
  });

  it("on: Friday evening waits only for Saturday 08:00, and Saturday daytime sends", () => {
    const d = decide("2026-03-14T02:30:00Z", tz, { weekends: "on" });
    expect(d).toMatchObject({ action: "defer", reason: "quiet_hours" });
    expect(localTime(deferredTo(d), tz)).toBe("Sat 2026-03-14 08:00");
    expect(decide("2026-03-14T18:00:00Z", tz, { weekends: "on" })).toEqual({ action: "send" }); // Sat 11:00
  });

  it("quiet: Saturday and Sunday daytime wait for Monday", () => {
    for (const now of ["2026-03-14T18:00:00Z", "2026-03-15T22:00:00Z"]) {
      const d = decide(now, tz);
      expect(d).toMatchObject({ action: "defer", reason: "weekend" });
      expect(localTime(deferredTo(d), tz)).toBe("Mon 2026-03-16 08:00");
    }
  });

  it("quiet weekends with quiet hours off: Monday 08:00, and any weekday hour sends", () => {
    const d = decide("2026-03-15T22:00:00Z", tz, { quietHours: "off" }); // Sun 15:00 PDT
    expect(d).toMatchObject({ action: "defer", reason: "weekend" });
    expect(localTime(deferredTo(d), tz)).toBe("Mon 2026-03-16 08:00");
    expect(decide("2026-03-14T06:00:00Z", tz, { quietHours: "off" })).toEqual({ action: "send" }); // Fri 23:00
  });

  it("the weekend ends at the end of a night-time quiet period, whatever it is", () => {
    const d = decide("2026-03-15T22:00:00Z", tz, { quietHours: { start: "21:00", end: "06:30" } });
    expect(localTime(deferredTo(d), tz)).toBe("Mon 2026-03-16 06:30");
  });
});

describe("caps", () => {
  it("daily cap reached: the next local day's start; below it: send", () => {
    expect(decide("2026-03-11T10:00:00Z", "UTC", {}, { today: 2 })).toEqual({ action: "send" });
    const d = decide("2026-03-11T10:00:00Z", "UTC", {}, { today: 3 });
    expect(d).toMatchObject({ action: "defer", reason: "daily_cap" });
    expect(deferredTo(d)).toBe("2026-03-12T08:00:00.000Z");
  });

  it("daily cap on a Friday with quiet weekends: Monday", () => {
    const d = decide("2026-03-13T10:00:00Z", "UTC", {}, { today: 3 });
    expect(d).toMatchObject({ action: "defer", reason: "daily_cap" });
    expect(deferredTo(d)).toBe("2026-03-16T08:00:00.000Z");
    const on = decide("2026-03-13T10:00:00Z", "UTC", { weekends: "on" }, { today: 3 });
    expect(deferredTo(on)).toBe("2026-03-14T08:00:00.000Z");
  });

  it("daily cap uses the user's local day, not UTC's", () => {
    // Wed 20:00 UTC is already Thu 01:30 in Kolkata, so the next local day is Friday.
    const d = decide("2026-03-11T20:00:00Z", "Asia/Kolkata", {}, { today: 3 });
    expect(deferredTo(d)).toBe("2026-03-13T02:30:00.000Z");
    expect(localTime(deferredTo(d), "Asia/Kolkata")).toBe("Fri 2026-03-13 08:00");
  });

  it("daily cap with a custom cap and quiet hours ending at 06:30", () => {
    const policy = { dailyCap: 1, quietHours: { start: "22:00", end: "06:30" } };
    expect(decide("2026-03-11T10:00:00Z", "UTC", policy, { today: 0 })).toEqual({ action: "send" });
    expect(deferredTo(decide("2026-03-11T10:00:00Z", "UTC", policy, { today: 1 }))).toBe(
      "2026-03-12T06:30:00.000Z",
    );
  });

  it("weekly cap reached: the next ISO week's first allowed moment, and it wins over the daily cap", () => {
    const d = decide("2026-03-11T10:00:00Z", "UTC", {}, { today: 3, week: 10 });
    expect(d).toMatchObject({ action: "defer", reason: "weekly_cap" });
    expect(deferredTo(d)).toBe("2026-03-16T08:00:00.000Z");
    expect(decide("2026-03-11T10:00:00Z", "UTC", {}, { week: 9 })).toEqual({ action: "send" });
  });

  it("weekly cap on a Sunday with weekends on: the very next Monday", () => {
    const d = decide("2026-03-15T10:00:00Z", "UTC", { weekends: "on" }, { week: 10 });
    expect(deferredTo(d)).toBe("2026-03-16T08:00:00.000Z");
  });

  it("a cap of 0 defers every nudge; a negative or NaN cap is an error", () => {
    expect(decide("2026-03-11T10:00:00Z", "UTC", { dailyCap: 0 })).toMatchObject({ reason: "daily_cap" });
    expect(() => decide("2026-03-11T10:00:00Z", "UTC", { weeklyCap: -1 })).toThrow(/weeklyCap/);
    expect(() => decide("2026-03-11T10:00:00Z", "UTC", { dailyCap: Number.NaN })).toThrow(/dailyCap/);
  });
});

describe("DST", () => {
  const ny = "America/New_York";
  const london = "Europe/London";
  const weekendsOn = { weekends: "on" as const };

  it("New York spring forward (2026-03-08): Saturday 23:00 EST waits for Sunday 08:00 EDT, not 09:00", () => {
    const d = decide("2026-03-08T04:00:00Z", ny, weekendsOn);
    expect(deferredTo(d)).toBe("2026-03-08T12:00:00.000Z");
    expect(localTime(deferredTo(d), ny)).toBe("Sun 2026-03-08 08:00");
  });

  it("a quiet-hours end of 02:30 on the spring-forward night gives 03:00 EDT, a time that exists", () => {
    const d = decide("2026-03-08T06:15:00Z", ny, {
      ...weekendsOn,
      quietHours: { start: "22:00", end: "02:30" },
    });
    expect(deferredTo(d)).toBe("2026-03-08T07:00:00.000Z"); // the moment the clocks jump
    const until = DateTime.fromISO(deferredTo(d), { zone: ny });
    expect(until.isValid).toBe(true);
    expect(until.toFormat("HH:mm ZZ")).toBe("03:00 -04:00");
  });

  it("New York fall back (2026-11-01): Saturday 23:00 EDT waits for Sunday 08:00 EST", () => {
    const d = decide("2026-11-01T03:00:00Z", ny, weekendsOn);
    expect(deferredTo(d)).toBe("2026-11-01T13:00:00.000Z");
    expect(localTime(deferredTo(d), ny)).toBe("Sun 2026-11-01 08:00");
  });

  it("a quiet-hours end inside the repeated hour: the first 01:30, or the second one on the second pass", () => {
    const quiet = { ...weekendsOn, quietHours: { start: "22:00", end: "01:30" } };
    expect(deferredTo(decide("2026-11-01T04:00:00Z", ny, quiet))).toBe("2026-11-01T05:30:00.000Z"); // 01:30 EDT
    expect(decide("2026-11-01T05:45:00Z", ny, quiet).action).toBe("send"); // 01:45 EDT
    // 01:10 EST comes after 01:45 EDT; by the wall clock it is quiet again, until 01:30 EST.
    expect(deferredTo(decide("2026-11-01T06:10:00Z", ny, quiet))).toBe("2026-11-01T06:30:00.000Z");
  });

  it("New York with quiet weekends: Friday evening before spring forward waits for Monday 08:00 EDT", () => {
    const d = decide("2026-03-07T01:00:00Z", ny); // Fri 20:00 EST
    expect(d).toMatchObject({ reason: "weekend" });
    expect(deferredTo(d)).toBe("2026-03-09T12:00:00.000Z");
  });

  it("London spring forward (2026-03-29): Saturday 20:00 GMT waits for Sunday 08:00 BST", () => {
    const d = decide("2026-03-28T20:00:00Z", london, weekendsOn);
    expect(deferredTo(d)).toBe("2026-03-29T07:00:00.000Z");
    expect(localTime(deferredTo(d), london)).toBe("Sun 2026-03-29 08:00");
  });

  it("London fall back (2026-10-25): Saturday 22:00 BST waits for Sunday 08:00 GMT", () => {
    const d = decide("2026-10-24T21:00:00Z", london, weekendsOn);
    expect(deferredTo(d)).toBe("2026-10-25T08:00:00.000Z");
  });

  it("London weekly cap across the fall-back weekend: Monday 08:00 GMT", () => {
    const d = decide("2026-10-21T11:00:00Z", london, {}, { week: 10 });
    expect(deferredTo(d)).toBe("2026-10-26T08:00:00.000Z");
  });

  it("countingWindows on the spring-forward day", () => {
    expect(countingWindows(new Date("2026-03-08T18:00:00Z"), ny)).toEqual({
      dayStart: new Date("2026-03-08T05:00:00Z"), // 00:00 EST
      weekStart: new Date("2026-03-02T05:00:00Z"), // Monday 00:00 EST
    });
  });
});

describe("timezone fallback", () => {
  it("an invalid or missing timezone is UTC", () => {
    expect(resolveZone("Mars/Olympus_Mons")).toBe("UTC");
    expect(resolveZone(null)).toBe("UTC");
    expect(resolveZone("")).toBe("UTC");
    expect(resolveZone("Asia/Kolkata")).toBe("Asia/Kolkata");
    for (const tz of ["Mars/Olympus_Mons", null]) {
      expect(deferredTo(decide("2026-03-11T20:00:00Z", tz))).toBe("2026-03-12T08:00:00.000Z");
      expect(decide("2026-03-11T12:00:00Z", tz)).toEqual({ action: "send" });
    }
    expect(countingWindows(new Date("2026-03-11T20:00:00Z"), "Not/AZone").dayStart).toEqual(
      new Date("2026-03-11T00:00:00Z"),
    );
  });

  it("an invalid now is an error, not a silent send", () => {
    expect(() => decide("not a date", "UTC")).toThrow(RangeError);
  });
});

describe("countingWindows", () => {
  it("around local midnight in Kolkata", () => {
    expect(countingWindows(new Date("2026-03-11T18:29:00Z"), "Asia/Kolkata").dayStart).toEqual(
      new Date("2026-03-10T18:30:00Z"), // Wed 00:00 IST
    );
    expect(countingWindows(new Date("2026-03-11T18:30:00Z"), "Asia/Kolkata").dayStart).toEqual(
      new Date("2026-03-11T18:30:00Z"), // Thu 00:00 IST
    );
  });

  it("the week starts on Monday 00:00 local, and Sunday night still belongs to the old week", () => {
    expect(countingWindows(new Date("2026-03-16T00:00:00Z"), "UTC")).toEqual({
      dayStart: new Date("2026-03-16T00:00:00Z"),
      weekStart: new Date("2026-03-16T00:00:00Z"),
    });
    expect(countingWindows(new Date("2026-03-15T23:59:00Z"), "UTC").weekStart).toEqual(
      new Date("2026-03-09T00:00:00Z"),
    );
    // Monday 06:00 UTC is still Sunday 23:00 in Los Angeles.
    expect(countingWindows(new Date("2026-03-16T06:00:00Z"), "America/Los_Angeles").weekStart).toEqual(
      new Date("2026-03-09T07:00:00Z"),
    );
    expect(countingWindows(new Date("2026-03-16T07:00:00Z"), "America/Los_Angeles").weekStart).toEqual(
      new Date("2026-03-16T07:00:00Z"),
    );
    // Sunday 11:30 UTC is already Monday 00:30 in Auckland.
    expect(countingWindows(new Date("2026-03-15T11:30:00Z"), "Pacific/Auckland").weekStart).toEqual(
      new Date("2026-03-15T11:00:00Z"),
    );
  });
});

describe("never dropped, never at a forbidden time", () => {
  const zones = [
    "UTC",
    "America/New_York",
    "Europe/London",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "America/Los_Angeles",
    "Australia/Lord_Howe", // a 30-minute DST shift
  ];

  it("every 11 hours through 2026: a deferral lies in the future and is itself a time that sends", () => {
    const start = Date.parse("2026-01-01T00:00:00Z");
    for (const tz of zones) {
      for (let ms = start; ms < start + 365 * 86_400_000; ms += 11 * 3_600_000) {
        const now = new Date(ms);
        const d = decideNudge({ now, tz, policy: DEFAULT_POLICY, sentToday: 0, sentThisWeek: 0 });
        if (d.action === "send") continue;
        expect(d.until.getTime()).toBeGreaterThan(ms);
        const then = decideNudge({ now: d.until, tz, policy: DEFAULT_POLICY, sentToday: 0, sentThisWeek: 0 });
        expect(then, `${tz} ${now.toISOString()} -> ${d.until.toISOString()}`).toEqual({ action: "send" });
        expect(DateTime.fromJSDate(d.until, { zone: tz }).toFormat("HH:mm")).toBe("08:00");
      }
    }
  });
});
