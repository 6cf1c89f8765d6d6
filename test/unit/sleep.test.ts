import { afterEach, describe, expect, it, vi } from "vitest";
import { sleep } from "../../src/sleep.js";

describe("sleep", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("resolves after the time on a fake clock, not before", async () => {
    vi.useFakeTimers();
    let done = false;
    const pause = sleep(1000).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await pause;
    expect(done).toBe(true);
  });

  it("ends early when its signal aborts, and leaves no listener behind", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    let done = false;
    const pause = sleep(60_000, { signal: controller.signal }).then(() => {
      done = true;
    });
    await vi.advanceTimersByTimeAsync(10);
    expect(done).toBe(false);
    controller.abort();
    await pause;
    expect(done).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("does not wait when the signal has already aborted", async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    controller.abort();
    await sleep(60_000, { signal: controller.signal });
    expect(vi.getTimerCount()).toBe(0);
  });

  it("keeps the process alive by default and lets it go when unref is asked", async () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    await sleep(1);
    const kept = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(kept.hasRef()).toBe(true);
    await sleep(1, { unref: true });
    const released = spy.mock.results[1]?.value as NodeJS.Timeout;
    expect(released.hasRef()).toBe(false);
    spy.mockRestore();
  });
});
