import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Logger } from "../../src/logger.js";
import { FinishBuffer } from "../../src/reflection/finish-buffer.js";
import type { SendFinish } from "../../src/store/weekly-types.js";

// Finished sends are written in batches: 50 at once, or whatever has come after 100 ms; one write at a
// time, in order. On a fake clock, so "after 100 ms" is exact.

const finish = (n: number): SendFinish => ({
  teamId: "T1",
  userId: `U${n}`,
  week: "2026-W02",
  status: "sent",
  channel: `D${n}`,
  ts: `1700000000.${String(n).padStart(6, "0")}`,
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => finish(from + i));

function fakeLogger() {
  const warn = vi.fn();
  return { warn, logger: { warn } as unknown as Logger };
}

/** A write that records each batch (the user ids) as it starts. */
function recordingWrite() {
  const batches: string[][] = [];
  const write = vi.fn(async (finishes: SendFinish[]) => {
    batches.push(finishes.map((f) => f.userId));
  });
  return { batches, write };
}

const ids = (finishes: SendFinish[]) => finishes.map((f) => f.userId);

/** Resolves once `promise` has; reports whether it did within the microtasks run so far. */
function track(promise: Promise<unknown>) {
  const state = { done: false };
  void promise.then(() => {
    state.done = true;
  });
  return state;
}

describe("FinishBuffer", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse("2026-01-05T09:00:00Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes 50 at once, without waiting for the timer", async () => {
    const { batches, write } = recordingWrite();
    const buffer = new FinishBuffer(write, fakeLogger().logger);
    for (const f of range(0, 49)) buffer.add(f);
    expect(vi.getTimerCount()).toBe(1);
    buffer.add(finish(49));
    // The 50th cleared the timer and started the write: no time needs to pass.
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(write).toHaveBeenCalledTimes(1);
    expect(batches).toEqual([ids(range(0, 50))]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(write).toHaveBeenCalledTimes(1);
  });

  it("writes fewer than 50 once 100 ms have passed since the first", async () => {
    const { batches, write } = recordingWrite();
    const buffer = new FinishBuffer(write, fakeLogger().logger);
    buffer.add(finish(1));
    await vi.advanceTimersByTimeAsync(60);
    buffer.add(finish(2));
    buffer.add(finish(3));
    // The timer runs from the first add; later adds do not push it back.
    await vi.advanceTimersByTimeAsync(39);
    expect(write).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([["U1", "U2", "U3"]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(write).toHaveBeenCalledTimes(1);
  });

  it("splits 120 adds into 50, 50 and the 20 left after 100 ms", async () => {
    const { batches, write } = recordingWrite();
    const buffer = new FinishBuffer(write, fakeLogger().logger);
    for (const f of range(0, 120)) buffer.add(f);
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([ids(range(0, 50)), ids(range(50, 100))]);
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toEqual([ids(range(0, 50)), ids(range(50, 100)), ids(range(100, 120))]);
    expect(write).toHaveBeenCalledTimes(3);
  });

  it("flush() writes everything added so far and resolves once the write is done", async () => {
    const written: string[][] = [];
    let release: () => void = () => undefined;
    const write = vi.fn(
      (finishes: SendFinish[]) =>
        new Promise<void>((resolve) => {
          release = () => {
            written.push(ids(finishes));
            resolve();
          };
        }),
    );
    const buffer = new FinishBuffer(write, fakeLogger().logger);
    for (const f of range(0, 7)) buffer.add(f);
    const flushed = track(buffer.flush());
    expect(vi.getTimerCount()).toBe(0); // no timed write left behind
    await vi.advanceTimersByTimeAsync(0);
    expect(write).toHaveBeenCalledTimes(1);
    expect(ids(write.mock.calls[0]?.[0] ?? [])).toEqual(ids(range(0, 7)));
    expect(flushed.done).toBe(false);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed.done).toBe(true);
    expect(written).toEqual([ids(range(0, 7))]);
    // Nothing is written twice: the timer of the first add was cleared.
    await vi.advanceTimersByTimeAsync(500);
    expect(write).toHaveBeenCalledTimes(1);
  });

  it("flush() with nothing added writes nothing, but still waits for a write under way", async () => {
    let release: () => void = () => undefined;
    const write = vi.fn(
      () =>
        new Promise<void>((resolve) => {
          release = resolve;
        }),
    );
    const buffer = new FinishBuffer(write, fakeLogger().logger);
    await expect(buffer.flush()).resolves.toBeUndefined();
    expect(write).not.toHaveBeenCalled();

    buffer.add(finish(1));
    await vi.advanceTimersByTimeAsync(100);
    expect(write).toHaveBeenCalledTimes(1);
    const flushed = track(buffer.flush());
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed.done).toBe(false);
    expect(write).toHaveBeenCalledTimes(1);
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(flushed.done).toBe(true);
  });

  it("writes one after another: a slow first write ends before the second starts", async () => {
    const events: string[] = [];
    const write = vi.fn(async (finishes: SendFinish[]) => {
      const name = finishes.map((f) => f.userId).join(",");
      events.push(`start ${name}`);
      // The first write is slow, the second fast.
      await new Promise((resolve) => setTimeout(resolve, name === "U1" ? 500 : 10));
      events.push(`end ${name}`);
    });
    const buffer = new FinishBuffer(write, fakeLogger().logger);
    buffer.add(finish(1));
    const first = track(buffer.flush());
    buffer.add(finish(2));
    const second = track(buffer.flush());
    await vi.advanceTimersByTimeAsync(499);
    expect(events).toEqual(["start U1"]);
    expect(first.done).toBe(false);
    expect(second.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual(["start U1", "end U1", "start U2"]);
    expect(first.done).toBe(true);
    expect(second.done).toBe(false);
    await vi.advanceTimersByTimeAsync(10);
    expect(events).toEqual(["start U1", "end U1", "start U2", "end U2"]);
    expect(second.done).toBe(true);
  });

  it("a batch of 50 waits for a timed write still under way", async () => {
    const events: string[] = [];
    const write = vi.fn(async (finishes: SendFinish[]) => {
      events.push(`start ${finishes.length}`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      events.push(`end ${finishes.length}`);
    });
    const buffer = new FinishBuffer(write, fakeLogger().logger);
    buffer.add(finish(0));
    await vi.advanceTimersByTimeAsync(100);
    expect(events).toEqual(["start 1"]);
    for (const f of range(1, 51)) buffer.add(f);
    await vi.advanceTimersByTimeAsync(299);
    expect(events).toEqual(["start 1"]);
    await vi.advanceTimersByTimeAsync(1);
    expect(events).toEqual(["start 1", "end 1", "start 50"]);
    const flushed = track(buffer.flush());
    await vi.advanceTimersByTimeAsync(299);
    expect(flushed.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(flushed.done).toBe(true);
    expect(events).toEqual(["start 1", "end 1", "start 50", "end 50"]);
    expect(write).toHaveBeenCalledTimes(2);
  });

  it("logs a failed write, resolves flush() anyway, and goes on writing", async () => {
    const { warn, logger } = fakeLogger();
    const batches: string[][] = [];
    let calls = 0;
    const write = vi.fn(async (finishes: SendFinish[]) => {
      calls++;
      if (calls === 1) throw new Error("connection terminated");
      batches.push(ids(finishes));
    });
    const buffer = new FinishBuffer(write, logger);
    for (const f of range(0, 3)) buffer.add(f);
    await expect(buffer.flush()).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(
      { count: 3, err: { message: "connection terminated" } },
      "weekly finish not saved",
    );
    expect(batches).toEqual([]);

    // Later batches, timed and flushed, are still written.
    buffer.add(finish(10));
    await vi.advanceTimersByTimeAsync(100);
    buffer.add(finish(11));
    await buffer.flush();
    expect(batches).toEqual([["U10"], ["U11"]]);
    expect(write).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it("a failed timed write is logged too, and does not hold up the next", async () => {
    const { warn, logger } = fakeLogger();
    const batches: number[] = [];
    const write = vi.fn(async (finishes: SendFinish[]) => {
      if (finishes.length === 2) throw new Error("deadlock detected");
      batches.push(finishes.length);
    });
    const buffer = new FinishBuffer(write, logger);
    buffer.add(finish(1));
    buffer.add(finish(2));
    await vi.advanceTimersByTimeAsync(100);
    expect(warn).toHaveBeenCalledWith(
      { count: 2, err: { message: "deadlock detected" } },
      "weekly finish not saved",
    );
    for (const f of range(10, 60)) buffer.add(f);
    await buffer.flush();
    expect(batches).toEqual([50]);
  });
});
