import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../src/slack/work-queue.js";

/** A promise and the function that settles it: a job that finishes when the test says so. */
function gate() {
  let open!: () => void;
  let fail!: (err: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("WorkQueue", () => {
  it("runs at most `concurrency` jobs, queues `maxWaiting` in order and turns the rest away", async () => {
    const q = new WorkQueue({ concurrency: 2, maxWaiting: 3, maxBusyReplies: 10 });
    const release = gate();
    const started: number[] = [];
    const busy: number[] = [];
    const outcomes = Array.from({ length: 8 }, (_, i) =>
      q.run(
        async () => {
          started.push(i);
          await release.promise;
        },
        async () => {
          busy.push(i);
        },
      ),
    );
    await tick();
    expect(started).toEqual([0, 1]);
    expect(busy).toEqual([5, 6, 7]);
    expect(q.stats).toMatchObject({ running: 2, waiting: 3, turnedAway: 3 });
    release.open();
    expect(await Promise.all(outcomes)).toEqual([
      "done",
      "done",
      "done",
      "done",
      "done",
      "busy",
      "busy",
      "busy",
    ]);
    // First come, first served once slots free up.
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(q.stats).toMatchObject({ running: 0, waiting: 0, peakRunning: 2, peakWaiting: 3 });
  });

  it("never calls the work of a request it turned away", async () => {
    const q = new WorkQueue({ concurrency: 1, maxWaiting: 0, maxBusyReplies: 1 });
    const release = gate();
    const first = q.run(() => release.promise);
    let called = false;
    expect(
      await q.run(async () => {
        called = true;
      }),
    ).toBe("dropped");
    release.open();
    await first;
    expect(called).toBe(false);
  });

  it("bounds the busy replies too: past `maxBusyReplies` under way, they are skipped and counted", async () => {
    const q = new WorkQueue({ concurrency: 1, maxWaiting: 0, maxBusyReplies: 2 });
    const release = gate();
    const stalled = gate();
    const running = q.run(() => release.promise);
    let sent = 0;
    const reply = () => {
      sent++;
      return stalled.promise;
    };
    const answers = await Promise.all(Array.from({ length: 5 }, () => q.run(async () => {}, reply)));
    expect(answers).toEqual(["busy", "busy", "dropped", "dropped", "dropped"]);
    expect(sent).toBe(2);
    expect(q.stats).toMatchObject({ busyReplies: 2, turnedAway: 5, busySkipped: 3 });
    stalled.open();
    await tick();
    expect(q.stats.busyReplies).toBe(0);
    expect(await q.run(async () => {}, reply)).toBe("busy");
    release.open();
    await running;
  });

  it("gives the slot to the next job when one throws, and rejects with its error", async () => {
    const q = new WorkQueue({ concurrency: 1, maxWaiting: 1, maxBusyReplies: 1 });
    const release = gate();
    const failing = q.run(async () => {
      await release.promise;
      throw new Error("boom");
    });
    const next = q.run(async () => {});
    release.open();
    await expect(failing).rejects.toThrow("boom");
    expect(await next).toBe("done");
    expect(q.stats).toMatchObject({ running: 0, waiting: 0 });
  });

  it("a busy reply that throws (or rejects) frees its slot", async () => {
    const q = new WorkQueue({ concurrency: 1, maxWaiting: 0, maxBusyReplies: 1 });
    const release = gate();
    const running = q.run(() => release.promise);
    expect(
      await q.run(
        async () => {},
        () => {
          throw new Error("sync");
        },
      ),
    ).toBe("busy");
    await tick();
    expect(
      await q.run(
        async () => {},
        () => Promise.reject(new Error("async")),
      ),
    ).toBe("busy");
    await tick();
    expect(q.stats.busyReplies).toBe(0);
    release.open();
    await running;
  });

  it("drain waits for running, waiting, tracked work and busy replies; or says it timed out", async () => {
    const q = new WorkQueue({ concurrency: 1, maxWaiting: 1, maxBusyReplies: 1 });
    expect(await q.drain(10)).toBe(true);
    const job = gate();
    const tracked = gate();
    const reply = gate();
    let waitedRan = false;
    void q.run(() => job.promise);
    void q.run(async () => {
      waitedRan = true;
    });
    void q.run(
      async () => {},
      () => reply.promise,
    );
    void q.track(() => tracked.promise);
    expect(await q.drain(50)).toBe(false);
    job.open();
    await tick();
    expect(waitedRan).toBe(true);
    expect(await q.drain(50)).toBe(false);
    tracked.open();
    expect(await q.drain(50)).toBe(false);
    const drained = q.drain(5000);
    reply.open();
    expect(await drained).toBe(true);
    expect(q.size).toBe(0);
  });
});

describe("WorkQueue logging", () => {
  it("logs once when it fills and once when it is half empty again, not once per job at the bound", async () => {
    const lines: Array<{ level: string; msg: string; turnedAway?: number }> = [];
    const logger = {
      warn: (o: object, msg: string) => lines.push({ level: "warn", msg, ...o }),
      info: (o: object, msg: string) => lines.push({ level: "info", msg, ...o }),
    } as unknown as ConstructorParameters<typeof WorkQueue>[1];
    const q = new WorkQueue({ concurrency: 2, maxWaiting: 4, maxBusyReplies: 100 }, logger);
    const gates = Array.from({ length: 12 }, () => gate());
    const runs: Promise<unknown>[] = [];
    let next = 0;
    const submit = () => {
      const g = gates[next++ % gates.length] as ReturnType<typeof gate>;
      runs.push(
        q.run(
          () => g.promise,
          async () => {},
        ),
      );
    };
    for (let i = 0; i < 6; i++) submit(); // full: 2 running, 4 waiting
    // Hovering at the bound: each finished job lets one more in, and one more is turned away.
    for (let i = 0; i < 3; i++) {
      submit();
      gates[i]?.open();
      await tick();
      submit();
    }
    expect(lines.filter((l) => l.msg.includes("is full"))).toHaveLength(1);
    expect(lines.filter((l) => l.msg.includes("room again"))).toHaveLength(0);
    for (const g of gates) g.open();
    await Promise.all(runs);
    const room = lines.filter((l) => l.msg.includes("room again"));
    expect(room).toHaveLength(1);
    expect(room[0]?.turnedAway).toBe(q.stats.turnedAway);
  });
});
