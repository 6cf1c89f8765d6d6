import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { RateLimited } from "../../src/reflection/messenger.js";
import { HOLD_LAPSE_MS, type PaceBook, Pacer, PaceTaken, retryAfterOf } from "../../src/reflection/pacer.js";
import { slackRetryAfter } from "../../src/slack/weekly-messenger.js";
import type { PaceReservation } from "../../src/store/weekly-types.js";

// The pacer against an in-memory weekly_pace row, on a fake clock (setTimeout and Date.now both), so that
// every call's instant is exact. One test runs on real timers, to show the same ceiling holds there.

const T0 = Date.parse("2026-01-05T09:00:00.000Z");
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Milliseconds since the start of the test's (fake) clock. */
const elapsed = () => Date.now() - T0;

interface Reservation {
  holder: string;
  /** False when refused (another holder's hold had not lapsed). */
  granted: boolean;
  count: number;
  intervalMs: number;
  /** When the pacer asked (ms since T0), and the instant it asked from. */
  at: number;
  from: number;
  start: number;
  previousHolder: string | null;
}

/** The weekly_pace row as SqlWeeklyDelivery.reservePace, releasePace and pausePace keep it. */
class MemoryPaceBook implements PaceBook {
  nextAt: number | undefined;
  holder: string | null = null;
  previous: string | null = null;
  readonly reservations: Reservation[] = [];
  /** Each pause's `until`, ms since T0. */
  readonly pauses: number[] = [];
  /** Called as each reservation is made (the test's view of the pacer's demand at that moment). */
  onReserve: (() => void) | undefined;

  constructor(private readonly latencyMs = 0) {}

  async reserve(
    holder: string,
    count: number,
    intervalMs: number,
    now: Date,
    keepMs: number,
  ): Promise<PaceReservation> {
    this.onReserve?.();
    const from = now.getTime();
    const record = { holder, count, intervalMs, at: elapsed(), from: from - T0 };
    // Held by another whose pace is less than keepMs behind now: refused (the UPSERT's WHERE).
    if (this.holder !== null && this.holder !== holder && (this.nextAt ?? 0) + keepMs > from) {
      this.reservations.push({ ...record, granted: false, start: -1, previousHolder: null });
      if (this.latencyMs > 0) await sleep(this.latencyMs);
      return { start: null, holder: this.holder, freeAt: new Date((this.nextAt ?? 0) + keepMs) };
    }
    // INSERT ... VALUES (now + span), or ON CONFLICT: GREATEST(next_at, now) + span;
    // prev_holder = COALESCE(holder, prev_holder).
    const start = this.nextAt === undefined ? from : Math.max(this.nextAt, from);
    const previousHolder = this.holder ?? this.previous;
    this.previous = previousHolder;
    this.nextAt = start + count * intervalMs;
    this.holder = holder;
    this.reservations.push({
      granted: true,
      holder,
      count,
      intervalMs,
      at: elapsed(),
      from: from - T0,
      start: start - T0,
      previousHolder,
    });
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    return { start: new Date(start), previousHolder };
  }

  async release(holder: string): Promise<void> {
    if (this.holder !== holder) return;
    this.previous = holder;
    this.holder = null;
  }

  async pause(until: Date): Promise<void> {
    this.pauses.push(until.getTime() - T0);
    this.nextAt = Math.max(this.nextAt ?? until.getTime(), until.getTime());
  }
}

interface Call {
  lane: string;
  start: number;
  end?: number;
}

/**
 * One workspace's lane in one sender process, as WorkspaceLane drives it: `workers` posts at a time,
 * each through the pacer, and the pacer's demand is what the lane still has to post.
 */
class TestLane {
  queued = 0;
  busy = 0;
  readonly pacer: Pacer;

  constructor(
    readonly name: string,
    rate: number,
    book: PaceBook,
    readonly calls: Call[],
    private readonly answerAfterMs = 0,
  ) {
    this.pacer = new Pacer(rate, book, () => this.waiting());
  }

  waiting(): number {
    return this.queued + this.busy;
  }

  /** Times this lane found the workspace held by another sender (and waited for the hold to lapse). */
  taken = 0;

  /**
   * Posts `n` through the pacer. While another sender holds the workspace it waits for that hold to
   * lapse and tries again, as the weekly pass does; at the end it releases the workspace, as a lane does,
   * unless `release` is false (a sender that dies).
   */
  async post(n: number, workers = 4, call?: () => Promise<void>, release = true): Promise<void> {
    this.queued += n;
    const worker = async () => {
      while (this.queued > 0) {
        this.queued--;
        this.busy++;
        try {
          await this.pacer.run(async () => {
            const record: Call = { lane: this.name, start: elapsed() };
            this.calls.push(record);
            if (this.answerAfterMs > 0) await sleep(this.answerAfterMs);
            record.end = elapsed();
            await call?.();
          });
        } catch (err) {
          if (!(err instanceof PaceTaken)) throw err;
          this.taken++;
          this.queued++;
          await sleep(Math.max(1, err.freeAt - Date.now()));
        } finally {
          this.busy--;
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    if (release) await this.pacer.release();
  }
}

/** The most call starts in any 1000 ms (a window [t, t + 1000)). */
function mostInAnySecond(times: readonly number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  let lo = 0;
  for (let hi = 0; hi < sorted.length; hi++) {
    while ((sorted[hi] as number) - (sorted[lo] as number) >= 1000) lo++;
    most = Math.max(most, hi - lo + 1);
  }
  return most;
}

/** Lets `work` run to its end on the fake clock. */
async function finish<T>(work: Promise<T>): Promise<T> {
  await vi.runAllTimersAsync();
  return work;
}

describe("Pacer: one sender", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("posts 100 at 50/s: never more than 50 in any second, about 2 s in all", async () => {
    const book = new MemoryPaceBook();
    const calls: Call[] = [];
    const lane = new TestLane("a", 50, book, calls);
    await finish(lane.post(100));

    const starts = calls.map((c) => c.start);
    expect(starts).toHaveLength(100);
    expect(mostInAnySecond(starts)).toBe(50);
    // One slot every 20 ms: no two calls closer than that.
    for (let i = 1; i < starts.length; i++) {
      expect(
        (starts[i] as number) - (starts[i - 1] as number),
        `gap before call ${i}`,
      ).toBeGreaterThanOrEqual(20);
    }
    const took = (starts.at(-1) as number) - (starts[0] as number);
    expect(took).toBeGreaterThanOrEqual(1900);
    expect(took).toBeLessThan(2500);
    expect(starts[0]).toBe(0); // an idle workspace starts at once
    // Alone in the workspace: the full rate, never the shared headroom.
    for (const r of book.reservations) expect(r.intervalMs).toBe(20);
    expect(new Set(book.reservations.map((r) => r.holder)).size).toBe(1);
  });

  it("holds the rate when the posts come one at a time (default demand)", async () => {
    const book = new MemoryPaceBook();
    const pacer = new Pacer(10, book);
    const starts: number[] = [];
    const posts = Array.from({ length: 25 }, () => pacer.run(async () => starts.push(elapsed())));
    await finish(Promise.all(posts));
    expect(starts).toHaveLength(25);
    expect(mostInAnySecond(starts)).toBe(10);
    expect(starts.at(-1)).toBeGreaterThanOrEqual(2400);
    for (const r of book.reservations) expect(r.count).toBe(1);
  });

  it("returns the call's value and passes its error on", async () => {
    const pacer = new Pacer(50, new MemoryPaceBook());
    await expect(finish(pacer.run(async () => "posted"))).resolves.toBe("posted");
    const failing = pacer.run(async () => {
      throw new Error("channel_not_found");
    });
    failing.catch(() => undefined);
    await expect(finish(failing)).rejects.toThrow("channel_not_found");
    // A failed call still counts as answered and frees its place: the next post goes.
    await expect(finish(pacer.run(async () => 7))).resolves.toBe(7);
  });

  it("never has more than `rate` posts in flight or answered within the last second", async () => {
    for (const answerAfterMs of [300, 1500]) {
      const rate = 10;
      const calls: Call[] = [];
      const lane = new TestLane("a", rate, new MemoryPaceBook(), calls, answerAfterMs);
      await finish(lane.post(35, 12));
      expect(calls).toHaveLength(35);
      for (const [k, call] of calls.entries()) {
        // Posts that may still count in Slack's second when this one starts: in flight, or answered
        // less than a second ago.
        const counting = calls.slice(0, k).filter((c) => (c.end as number) > call.start - 1000).length;
        expect(counting, `call ${k} (answers after ${answerAfterMs} ms)`).toBeLessThan(rate);
      }
      // Slots alone would put call 10 at 1000 ms; it waits until call 0's answer is a second old.
      expect(calls[rate]?.start).toBeGreaterThanOrEqual(1000 + answerAfterMs);
    }
  });

  it("wantedInFlight(): 4 until Slack is slow, then a round trip's worth of slots and half again, at most 32", async () => {
    const wanted: Record<string, number> = {};
    for (const [rate, answerAfterMs] of [
      [50, 10],
      [40, 250],
      [1, 300],
      [200, 1000],
    ] as const) {
      const lane = new TestLane("a", rate, new MemoryPaceBook(), [], answerAfterMs);
      expect(lane.pacer.wantedInFlight()).toBe(4); // nothing answered yet
      await finish(lane.post(10, 4));
      wanted[`${rate}/s, ${answerAfterMs} ms`] = lane.pacer.wantedInFlight();
    }
    expect(wanted).toEqual({
      "50/s, 10 ms": 4, // 50 x 0.010 x 1.5 + 1 = 1.75
      "40/s, 250 ms": 16, // 40 x 0.250 x 1.5 = 15, + 1
      "1/s, 300 ms": 4,
      "200/s, 1000 ms": 32, // 301, capped
    });
  });

  it("pause(1): no call starts before the pause ends, and the pause is in the book", async () => {
    const book = new MemoryPaceBook();
    const calls: Call[] = [];
    const lane = new TestLane("a", 50, book, calls);
    let paused = false;
    const pausing = lane.pacer.pause(1).then(() => {
      paused = true;
    });
    const posting = lane.post(20);
    expect(book.pauses).toEqual([1000]);
    expect(book.nextAt).toBeGreaterThanOrEqual(T0 + 1000);

    await vi.advanceTimersByTimeAsync(999);
    expect(paused).toBe(false);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(paused).toBe(true);
    await finish(Promise.all([pausing, posting]));

    expect(calls).toHaveLength(20);
    for (const c of calls) expect(c.start).toBeGreaterThanOrEqual(1000);
    // Every slot actually used was reserved from the pause's end, not from before it.
    expect(mostInAnySecond(calls.map((c) => c.start))).toBeLessThanOrEqual(50);
  });

  it("never reserves inside its own pause, even before the book has the pause", async () => {
    const book = new MemoryPaceBook(1);
    const writePause = book.pause.bind(book);
    // The pause statement takes 50 ms to land.
    book.pause = async (until) => {
      await sleep(50);
      await writePause(until);
    };
    const calls: Call[] = [];
    const lane = new TestLane("a", 50, book, calls);
    const pausing = lane.pacer.pause(1);
    await finish(Promise.all([pausing, lane.post(10)]));

    expect(book.pauses).toEqual([1000]);
    expect(book.reservations.length).toBeGreaterThan(0);
    for (const r of book.reservations) expect(r.from).toBeGreaterThanOrEqual(1000);
    for (const c of calls) expect(c.start).toBeGreaterThanOrEqual(1000);
    // Nothing wasted: every slot reserved went to a post.
    expect(book.reservations.reduce((sum, r) => sum + r.count, 0)).toBeLessThanOrEqual(10 + 3);
  });

  it("a 429 in mid-run: the slots already reserved are given up, nothing starts until Retry-After", async () => {
    const book = new MemoryPaceBook();
    const calls: Call[] = [];
    const pacer = new Pacer(50, book, () => 4);
    let limitedAt: number | undefined;
    let retries = 0;
    // As WeeklySender.post: a rate-limited call pauses the pacer and is tried again in a fresh slot.
    const post = async (): Promise<void> => {
      for (;;) {
        try {
          await pacer.run(async () => {
            calls.push({ lane: "a", start: elapsed() });
            if (calls.length === 10) {
              limitedAt = elapsed();
              throw new RateLimited(2);
            }
          });
          return;
        } catch (err) {
          const retryAfter = retryAfterOf(err);
          if (retryAfter === undefined) throw err;
          retries++;
          await pacer.pause(retryAfter);
        }
      }
    };
    const workers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = w; i < 30; i += 4) await post();
    });
    await finish(Promise.all(workers));

    expect(retries).toBe(1);
    expect(calls).toHaveLength(31); // 30 posts and the retry of the rate-limited one
    const at = limitedAt as number;
    expect(at).toBe(180); // the 10th slot
    expect(book.pauses).toEqual([at + 2000]);
    const after = calls.filter((c) => c.start > at);
    expect(after).toHaveLength(21);
    for (const c of after) expect(c.start).toBeGreaterThanOrEqual(at + 2000);
    expect(mostInAnySecond(calls.map((c) => c.start))).toBeLessThanOrEqual(50);
  });

  it("a pause written by another sender holds this one's new reservations", async () => {
    const book = new MemoryPaceBook();
    const calls: Call[] = [];
    const a = new TestLane("a", 50, book, calls);
    const other = new Pacer(50, book);
    const posting = a.post(60);
    await vi.advanceTimersByTimeAsync(300);
    const pausing = other.pause(1);
    const reservedBefore = book.reservations.length;
    await finish(Promise.all([posting, pausing]));

    expect(book.pauses).toEqual([1300]);
    expect(calls).toHaveLength(60);
    // Every reservation made after the pause starts at its end. Only slots reserved before it (a
    // reservation reaches ~100 ms ahead, and each waiting worker holds one) may still be used.
    for (const r of book.reservations.slice(reservedBefore)) expect(r.start).toBeGreaterThanOrEqual(1300);
    const during = calls.filter((c) => c.start >= 500 && c.start < 1300);
    expect(during).toEqual([]);
    expect(calls.filter((c) => c.start >= 1300).length).toBeGreaterThan(30);
  });

  it("never reserves past demand(): at least 1, at most what is waiting (and ~100 ms ahead)", async () => {
    const cases: Array<{ rate: number; demand: number; count: number }> = [
      { rate: 50, demand: 0, count: 1 },
      { rate: 50, demand: 1, count: 1 },
      { rate: 50, demand: 3, count: 3 },
      { rate: 50, demand: 1000, count: 5 }, // 100 ms of 20 ms slots
      { rate: 100, demand: 1000, count: 10 },
      { rate: 100, demand: 7, count: 7 },
      { rate: 5, demand: 1000, count: 1 }, // a slot is 200 ms: one at a time
    ];
    for (const { rate, demand, count } of cases) {
      const book = new MemoryPaceBook();
      const pacer = new Pacer(rate, book, () => demand);
      await finish(pacer.run(async () => undefined));
      expect(
        book.reservations.map((r) => r.count),
        `rate ${rate}, demand ${demand}`,
      ).toEqual([count]);
    }
  });

  it("follows demand() as a lane drains: every reservation within what the lane still has", async () => {
    const book = new MemoryPaceBook();
    const calls: Call[] = [];
    const lane = new TestLane("a", 50, book, calls);
    const demandAtReserve: number[] = [];
    book.onReserve = () => demandAtReserve.push(lane.waiting());
    await finish(lane.post(21, 4));

    expect(calls).toHaveLength(21);
    expect(demandAtReserve).toHaveLength(book.reservations.length);
    for (const [i, r] of book.reservations.entries()) {
      const demand = demandAtReserve[i] as number;
      expect(r.count, `reservation ${i}`).toBeGreaterThanOrEqual(1);
      expect(r.count, `reservation ${i}`).toBeLessThanOrEqual(Math.max(1, demand));
      // 100 ms of 20 ms slots, fewer when fewer are waiting.
      expect(r.count, `reservation ${i}`).toBe(Math.max(1, Math.min(5, demand)));
    }
    // Near the end the lane has fewer than 5 left, and the reservation shrinks with it.
    expect(demandAtReserve.some((d) => d < 5)).toBe(true);
    expect(book.reservations.at(-1)?.count).toBeLessThan(5);
    // Slots given up are few: no more reserved than posted plus what the other workers were holding.
    const reserved = book.reservations.reduce((sum, r) => sum + r.count, 0);
    expect(reserved).toBeGreaterThanOrEqual(21);
    expect(reserved).toBeLessThanOrEqual(21 + 3);
  });

  it("propagates a failing book and recovers on the next post", async () => {
    const book = new MemoryPaceBook();
    const reserve = book.reserve.bind(book);
    let fail = true;
    book.reserve = async (...args) => {
      if (fail) throw new Error("connection reset");
      return reserve(...args);
    };
    const pacer = new Pacer(50, book);
    const call = vi.fn(async () => "ok");
    const first = pacer.run(call);
    first.catch(() => undefined);
    await expect(finish(first)).rejects.toThrow("connection reset");
    expect(call).not.toHaveBeenCalled();
    fail = false;
    await expect(finish(pacer.run(call))).resolves.toBe("ok");
    expect(call).toHaveBeenCalledTimes(1);
  });
});

describe("Pacer: two senders, one workspace", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** The start of each call of a lane. */
  const startsOf = (calls: Call[], lane: string) => calls.filter((c) => c.lane === lane).map((c) => c.start);

  it("one holds the workspace at a time: the other waits, then takes over when it is released", async () => {
    const book = new MemoryPaceBook();
    const calls: Call[] = [];
    const a = new TestLane("a", 50, book, calls);
    const b = new TestLane("b", 50, book, calls);
    await finish(Promise.all([a.post(60), b.post(60)]));

    const aStarts = startsOf(calls, "a");
    const bStarts = startsOf(calls, "b");
    expect(aStarts).toHaveLength(60);
    expect(bStarts).toHaveLength(60);
    // Never interleaved: all of a's posts, then all of b's.
    expect(Math.min(...bStarts)).toBeGreaterThan(Math.max(...aStarts));
    expect(b.taken).toBeGreaterThan(0);
    expect(a.taken).toBe(0);
    const starts = calls.map((c) => c.start);
    expect(mostInAnySecond(starts)).toBeLessThanOrEqual(50);
    // a alone at the full rate until it let go; b waited no longer than a hold lasts after that.
    const granted = book.reservations.filter((r) => r.granted);
    const takeover = granted.findIndex((r) => r.previousHolder !== null && r.previousHolder !== r.holder);
    expect(takeover).toBeGreaterThan(0);
    for (const r of granted.slice(0, takeover)) expect(r.intervalMs).toBe(20);
    expect(new Set(granted.slice(0, takeover).map((r) => r.holder)).size).toBe(1);
    const handOver = Math.min(...bStarts) - Math.max(...aStarts);
    expect(handOver).toBeLessThanOrEqual(HOLD_LAPSE_MS + 100);
    // 120 posts at no more than 50/s, with no more than a hand-over lost between them.
    const took = Math.max(...starts) - Math.min(...starts);
    expect(took).toBeGreaterThanOrEqual(2300);
    expect(took).toBeLessThan(2400 + HOLD_LAPSE_MS + 200);
    // Refusals say who holds the workspace and grant nothing.
    const refused = book.reservations.filter((r) => !r.granted);
    expect(refused.length).toBeGreaterThan(0);
  });

  it("right after a hand-over, the new holder spaces its slots 5 % wider for a second, then the full rate", async () => {
    const book = new MemoryPaceBook();
    const calls: Call[] = [];
    const a = new TestLane("a", 50, book, calls);
    const b = new TestLane("b", 50, book, calls);
    await finish(a.post(50));
    const aLast = Math.max(...startsOf(calls, "a"));
    const from = book.reservations.length;
    await finish(b.post(150));

    const bs = book.reservations.slice(from).filter((r) => r.granted);
    expect(new Set(bs.map((r) => r.holder)).size).toBe(1);
    expect(bs[0]?.previousHolder).not.toBeNull();
    // Its first reservation learns that a reserved just before it (and picks up right after a's last slot);
    // from the next on, slots are wider while a's posts may count in Slack's second, then the full rate.
    expect(bs[0]?.intervalMs).toBe(20);
    expect(bs[1]?.intervalMs).toBeCloseTo(1000 / 47.5, 6);
    const late = bs.filter((r) => r.start > aLast + 1200);
    expect(late.length).toBeGreaterThan(0);
    for (const r of late) expect(r.intervalMs).toBe(20);
    expect(mostInAnySecond(calls.map((c) => c.start))).toBeLessThanOrEqual(50);
  });

  it("takes over from a holder that stops without letting go (it died) once its hold lapses", async () => {
    const book = new MemoryPaceBook();
    const calls: Call[] = [];
    const a = new TestLane("a", 50, book, calls);
    const b = new TestLane("b", 50, book, calls);
    // a posts 20 and is gone; b starts wanting the workspace at once.
    await finish(Promise.all([a.post(20, 4, undefined, false), b.post(20)]));

    const aLast = Math.max(...startsOf(calls, "a"));
    const bFirst = Math.min(...startsOf(calls, "b"));
    expect(bFirst).toBeGreaterThan(aLast);
    // b took it when a's last reservation ended plus the lapse: not before, and not long after.
    const granted = book.reservations.filter((r) => r.granted);
    const takeover = granted.findIndex((r) => r.previousHolder !== null && r.previousHolder !== r.holder);
    const aLastReservation = granted[takeover - 1];
    if (!aLastReservation) throw new Error("no hand-over");
    const aEnd = aLastReservation.start + aLastReservation.count * aLastReservation.intervalMs;
    expect(bFirst).toBeGreaterThanOrEqual(aEnd + HOLD_LAPSE_MS);
    expect(bFirst).toBeLessThanOrEqual(aEnd + HOLD_LAPSE_MS + 30);
    expect(mostInAnySecond(calls.map((c) => c.start))).toBeLessThanOrEqual(50);
  });

  it("a holder held up for longer than its hold loses the workspace: its next post throws PaceTaken", async () => {
    const book = new MemoryPaceBook();
    const calls: Call[] = [];
    const a = new Pacer(50, book, () => 1);
    const b = new TestLane("b", 50, book, calls);
    await finish(a.run(async () => calls.push({ lane: "a", start: elapsed() })));
    // a is stalled past its hold (its slots run out 20 ms in, the hold lapses 250 ms after that).
    await vi.advanceTimersByTimeAsync(20 + HOLD_LAPSE_MS + 1);
    const taking = b.post(30);
    await vi.advanceTimersByTimeAsync(5);
    expect(calls.filter((c) => c.lane === "b").length).toBeGreaterThan(0);
    const late = a.run(async () => calls.push({ lane: "a", start: elapsed() }));
    late.catch(() => undefined);
    await vi.advanceTimersByTimeAsync(1);
    await expect(late).rejects.toBeInstanceOf(PaceTaken);
    expect(await a.hold()).toBe(false);
    expect(a.freeAt()).toBeGreaterThan(Date.now());
    await finish(taking);
    expect(calls.filter((c) => c.lane === "a")).toHaveLength(1);
    expect(calls.filter((c) => c.lane === "b")).toHaveLength(30);
    // Once b has let go, a may post again.
    expect(await finish(a.hold())).toBe(true);
  });

  it("a post held up in the window (slow answers) until its hold lapsed never goes out next to the new holder's", async () => {
    const book = new MemoryPaceBook();
    const calls: Call[] = [];
    // a: 5 a second, answers take 1.5 s, 12 workers: after 5 posts every worker waits in the window, no
    // slot is reserved for over a second, and a's hold lapses.
    const a = new TestLane("a", 5, book, calls, 1500);
    const b = new TestLane("b", 5, book, calls);
    const aPosting = a.post(12, 12);
    await vi.advanceTimersByTimeAsync(1500);
    const bPosting = b.post(5);
    await finish(Promise.all([aPosting, bPosting]));

    expect(calls.filter((c) => c.lane === "a")).toHaveLength(12);
    expect(calls.filter((c) => c.lane === "b")).toHaveLength(5);
    const bStarts = startsOf(calls, "b");
    // a found the workspace taken when its window let it go, and waited for b rather than post beside it.
    expect(a.taken).toBeGreaterThan(0);
    const aDuringB = calls.filter(
      (c) => c.lane === "a" && c.start >= Math.min(...bStarts) && c.start <= Math.max(...bStarts),
    );
    expect(aDuringB).toEqual([]);
    expect(mostInAnySecond(calls.map((c) => c.start))).toBeLessThanOrEqual(5 + 1);
  });

  it("hold() reserves only when no slot is in hand, and says false while another holds the workspace", async () => {
    const book = new MemoryPaceBook();
    const a = new Pacer(50, book, () => 3);
    const b = new Pacer(50, book, () => 3);
    expect(await finish(a.hold())).toBe(true);
    expect(book.reservations).toHaveLength(1);
    expect(await finish(a.hold())).toBe(true); // slots in hand: no statement
    expect(book.reservations).toHaveLength(1);
    expect(await finish(b.hold())).toBe(false);
    expect(b.freeAt()).toBe(T0 + 60 + HOLD_LAPSE_MS);
    // Asked again before then: refused without asking the book.
    expect(await finish(b.hold())).toBe(false);
    expect(book.reservations).toHaveLength(2);
    await a.release();
    // Released: b gets it at once, after a's reserved slots (a's 3 slots of 20 ms).
    vi.setSystemTime(T0 + 70);
    expect(b.freeAt()).toBeGreaterThan(0);
    vi.setSystemTime(b.freeAt());
    expect(await finish(b.hold())).toBe(true);
    const last = book.reservations.at(-1);
    expect(last).toMatchObject({
      holder: expect.any(String),
      granted: true,
      previousHolder: expect.any(String),
    });
  });

  it("holds the rate with a slow book (a round trip of a few ms)", async () => {
    const book = new MemoryPaceBook(8);
    const calls: Call[] = [];
    const a = new TestLane("a", 50, book, calls);
    const b = new TestLane("b", 50, book, calls);
    await finish(Promise.all([a.post(50), b.post(50)]));
    expect(calls).toHaveLength(100);
    expect(mostInAnySecond(calls.map((c) => c.start))).toBeLessThanOrEqual(50);
    expect(Math.max(...calls.map((c) => c.start))).toBeLessThan(2000 + HOLD_LAPSE_MS + 300);
  });

  it("keeps posting after a hand-over when the book's round trip is longer than a slot", async () => {
    // 50 ms to the store and back is two and a half slots at 50/s. Slots asked for from "now" would all
    // be in the past on arrival, and right after a hand-over past slots are given up: it used to stall.
    const book = new MemoryPaceBook(50);
    const calls: Call[] = [];
    const a = new TestLane("a", 50, book, calls);
    const b = new TestLane("b", 50, book, calls);
    await finish(a.post(30, 1));
    await finish(b.post(30, 1));
    expect(calls).toHaveLength(60);
    expect(mostInAnySecond(calls.map((c) => c.start))).toBeLessThanOrEqual(50);
    // One post per round trip, at most: 30 posts take at least 30 round trips, and not three times that.
    const bStarts = startsOf(calls, "b");
    expect(Math.max(...bStarts) - Math.min(...bStarts)).toBeLessThan(30 * 3 * 50);
  });
});

describe("Pacer on real timers", () => {
  it("keeps 100/s a ceiling over 104 posts", async () => {
    const book = new MemoryPaceBook();
    const pacer = new Pacer(100, book, () => 10);
    const starts: number[] = [];
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 104 }, () => pacer.run(async () => starts.push(Date.now()))));
    expect(starts).toHaveLength(104);
    expect(mostInAnySecond(starts)).toBeLessThanOrEqual(100);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
  });
});

describe("retryAfterOf", () => {
  it("reads RateLimited, and nothing else (Slack's shapes are the messenger's to translate)", () => {
    expect(retryAfterOf(new RateLimited(3))).toBe(3);
    expect(retryAfterOf({ code: "slack_webapi_rate_limited_error", retryAfter: 3 })).toBeUndefined();
    expect(retryAfterOf(new Error("boom"))).toBeUndefined();
  });
});

describe("slackRetryAfter (src/slack/weekly-messenger.ts)", () => {
  it("reads Retry-After from the WebClient's rate-limit error", () => {
    expect(slackRetryAfter({ code: "slack_webapi_rate_limited_error", retryAfter: 3 })).toBe(3);
    expect(slackRetryAfter({ code: "slack_webapi_rate_limited_error", retryAfter: 30 })).toBe(30);
    expect(
      slackRetryAfter(
        Object.assign(new Error("rate limited"), { code: "slack_webapi_rate_limited_error", retryAfter: 2 }),
      ),
    ).toBe(2);
    expect(slackRetryAfter({ code: "slack_webapi_rate_limited_error" })).toBe(1);
  });

  it("treats an ok:false ratelimited answer as 1 s", () => {
    expect(slackRetryAfter({ data: { error: "ratelimited" } })).toBe(1);
    expect(
      slackRetryAfter(
        Object.assign(new Error("An API error occurred: ratelimited"), {
          data: { ok: false, error: "ratelimited" },
        }),
      ),
    ).toBe(1);
  });

  it("is undefined for anything else", () => {
    for (const err of [
      new Error("boom"),
      { code: "slack_webapi_platform_error", data: { error: "channel_not_found" } },
      { code: "slack_webapi_request_error" },
      { data: { error: "invalid_auth" } },
      { data: {} },
      { retryAfter: 3 },
      "ratelimited",
      42,
      null,
      undefined,
    ]) {
      expect(slackRetryAfter(err), JSON.stringify(err)).toBeUndefined();
    }
  });
});
