import { readFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../../src/logger.js";
import { PACKAGE_ROOT } from "../../src/paths.js";
import { type PassContext, PollingLoop } from "../../src/polling-loop.js";

// The one background loop (src/polling-loop.ts), on a fake clock: passes never overlap, a wake during a
// pass gives exactly one more, stop waits for the pass in flight and nothing runs after it, a failed pass
// is logged with its constant message and the loop goes on.

const INTERVAL = 1000;

/** A pass whose runs the test finishes by hand, one at a time. */
function gatedPass() {
  const runs: Array<{ finish: () => void; fail: (err: Error) => void; context: PassContext }> = [];
  let active = 0;
  let maxActive = 0;
  const pass = (context: PassContext) =>
    new Promise<void>((resolve, reject) => {
      active++;
      maxActive = Math.max(maxActive, active);
      const done = () => active--;
      runs.push({
        finish: () => {
          done();
          resolve();
        },
        fail: (err) => {
          done();
          reject(err);
        },
        context,
      });
    });
  return {
    pass,
    runs,
    get maxActive() {
      return maxActive;
    },
    last() {
      const run = runs.at(-1);
      if (!run) throw new Error("no pass has started");
      return run;
    },
  };
}

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new PassThrough();
  stream.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(line));
  });
  return { logger: createLogger("info", stream, { pretty: false }), lines };
}

/** Lets the promise callbacks queued by a finished pass run (the loop's catch/finally). */
const settle = () => vi.advanceTimersByTimeAsync(0);

describe("PollingLoop", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function loopWith(pass: (c: PassContext) => Promise<void>, firstDelayMs?: number) {
    const log = capturedLogger();
    const loop = new PollingLoop({
      pass,
      intervalMs: INTERVAL,
      firstDelayMs,
      logger: log.logger,
      failureMessage: "test loop pass failed",
    });
    return { loop, lines: log.lines };
  }

  it("goes idle -> running -> stopped, runs the first pass after firstDelayMs, then every interval", async () => {
    const gate = gatedPass();
    const { loop } = loopWith(gate.pass, 500);
    expect(loop.state).toBe("idle");
    loop.start();
    expect(loop.state).toBe("running");
    await vi.advanceTimersByTimeAsync(499);
    expect(gate.runs).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(gate.runs).toHaveLength(1);
    expect(loop.busy).toBe(true);
    gate.last().finish();
    await settle();
    expect(loop.busy).toBe(false);
    expect(loop.state).toBe("running");
    // The interval counts from the end of the pass.
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(gate.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(gate.runs).toHaveLength(2);
    gate.last().finish();
    await settle();
    await loop.stop();
    expect(loop.state).toBe("stopped");
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(gate.runs).toHaveLength(2);
  });

  it("a wake during a pass gives exactly one more pass right after it, never two at once", async () => {
    const gate = gatedPass();
    const { loop } = loopWith(gate.pass);
    loop.start();
    await settle();
    expect(gate.runs).toHaveLength(1);
    loop.wake();
    loop.wake();
    loop.wake();
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(gate.runs).toHaveLength(1);
    gate.last().finish();
    await settle();
    expect(gate.runs).toHaveLength(2);
    gate.last().finish();
    await settle();
    // The three wakes made one extra pass: the next one waits out the interval.
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(gate.runs).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(gate.runs).toHaveLength(3);
    expect(gate.maxActive).toBe(1);
    gate.last().finish();
    await loop.stop();
  });

  it("a wake between passes runs one at once instead of waiting for the interval", async () => {
    const gate = gatedPass();
    const { loop } = loopWith(gate.pass);
    loop.start();
    await settle();
    gate.last().finish();
    await settle();
    expect(gate.runs).toHaveLength(1);
    loop.wake();
    await settle();
    expect(gate.runs).toHaveLength(2);
    gate.last().finish();
    await loop.stop();
  });

  it("stop during a pass waits for it, tells it the loop is stopping, and no pass follows", async () => {
    const gate = gatedPass();
    const { loop } = loopWith(gate.pass);
    loop.start();
    await settle();
    const run = gate.last();
    expect(run.context.stopping()).toBe(false);
    loop.wake(); // would ask for another pass; stop must cancel it
    let stopped = false;
    const stopping = loop.stop().then(() => {
      stopped = true;
    });
    expect(loop.state).toBe("stopping");
    expect(run.context.stopping()).toBe(true);
    await vi.advanceTimersByTimeAsync(INTERVAL * 3);
    expect(stopped).toBe(false);
    loop.wake();
    run.finish();
    await stopping;
    expect(loop.state).toBe("stopped");
    await vi.advanceTimersByTimeAsync(INTERVAL * 10);
    expect(gate.runs).toHaveLength(1);
  });

  it("stop between passes cancels the timer; stop before start never runs a pass", async () => {
    const gate = gatedPass();
    const { loop } = loopWith(gate.pass);
    loop.start();
    await settle();
    gate.last().finish();
    await settle();
    await loop.stop();
    expect(loop.state).toBe("stopped");
    await vi.advanceTimersByTimeAsync(INTERVAL * 10);
    expect(gate.runs).toHaveLength(1);

    const never = gatedPass();
    const idle = loopWith(never.pass).loop;
    await idle.stop();
    expect(idle.state).toBe("stopped");
    idle.start();
    idle.wake();
    await vi.advanceTimersByTimeAsync(INTERVAL * 10);
    expect([idle.state, never.runs.length]).toEqual(["stopped", 0]);
  });

  it("an error in a pass is logged with the constant message and the loop goes on", async () => {
    let calls = 0;
    const { loop, lines } = loopWith(async () => {
      calls++;
      if (calls === 1) throw new Error("database went away");
    });
    loop.start();
    await settle();
    expect(calls).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 50,
      msg: "test loop pass failed",
      err: { message: "database went away" },
    });
    expect(loop.state).toBe("running");
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(calls).toBe(2);
    expect(lines).toHaveLength(1);
    await loop.stop();
  });

  it("a pass that throws before its first await is caught the same way", async () => {
    let calls = 0;
    const { loop, lines } = loopWith(() => {
      calls++;
      throw new Error("sync");
    });
    loop.start();
    await settle();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(calls).toBe(2);
    expect(lines.map((l) => l.msg)).toEqual(["test loop pass failed", "test loop pass failed"]);
    await loop.stop();
  });

  it("start twice is harmless: one timer, one pass at a time", async () => {
    const gate = gatedPass();
    const { loop } = loopWith(gate.pass);
    loop.start();
    loop.start();
    await settle();
    expect(gate.runs).toHaveLength(1);
    loop.start();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(gate.runs).toHaveLength(1);
    gate.last().finish();
    await settle();
    loop.start();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(gate.runs).toHaveLength(2);
    expect(gate.maxActive).toBe(1);
    gate.last().finish();
    await loop.stop();
  });

  it("concurrent stops share one promise; wake before start does nothing", async () => {
    const gate = gatedPass();
    const { loop } = loopWith(gate.pass);
    loop.wake();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(gate.runs).toHaveLength(0);
    loop.start();
    await settle();
    const a = loop.stop();
    expect(loop.stop()).toBe(a);
    gate.last().finish();
    await a;
    expect(loop.state).toBe("stopped");
  });

  it("its timer does not keep the process alive (unref'd)", async () => {
    vi.useRealTimers();
    const timers = vi.spyOn(globalThis, "setTimeout");
    const { loop } = loopWith(async () => {}, 60_000);
    loop.start();
    const timer = timers.mock.results.at(-1)?.value as NodeJS.Timeout;
    timers.mockRestore();
    expect(timer.hasRef()).toBe(false);
    await loop.stop();
  });

  it("sits below deals/ and reflection/: it imports only the logger's type", () => {
    const text = readFileSync(path.join(PACKAGE_ROOT, "src", "polling-loop.ts"), "utf8");
    expect([...text.matchAll(/\bfrom\s*"([^"]+)"/g)].map((m) => m[1])).toEqual(["./logger.js"]);
  });
});
