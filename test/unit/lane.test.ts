import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type LaneDeps, type LaneReport, type Outcome, WorkspaceLane } from "../../src/reflection/lane.js";
import { PaceTaken } from "../../src/reflection/pacer.js";
import type { Store } from "../../src/store/types.js";
import type { WeeklySend } from "../../src/store/weekly-types.js";
import { storeKind, testStore } from "../support/store.js";

// WorkspaceLane against the real store (PGlite, or PostgreSQL with TEST_STORE=postgres): it leases only
// while its sender holds the workspace's pace, gives back what it leased and did not post when another
// sender holds it, and lets the workspace go when it has nothing left.

const DUE = new Date("2026-11-27T15:00:00.000Z");
const AT = new Date("2026-11-27T15:00:30.000Z");
const LEASE = 60_000;

let store: Store;

beforeEach(async () => {
  store = await testStore();
  for (let i = 0; i < 12; i++) {
    const key = { teamId: "T1", userId: `U${String(i).padStart(2, "0")}` };
    await store.upsertUser(key);
    await store.weekly.saveSchedule(key, { enabled: true, nextRunAt: new Date(DUE.getTime() + i) });
  }
  await store.weekly.claimDue(AT, 100, () => ({
    week: "2026-W48",
    nextRunAt: new Date("2026-12-04T15:00:00Z"),
  }));
});
afterEach(() => store.close());

/** A lane over T1 whose hold and delivery are the test's; records what it did, and its reports. */
function lane(opts: {
  hold: () => Promise<boolean>;
  deliver: (send: WeeklySend) => Promise<Outcome>;
  inFlight?: () => number;
}) {
  const seen = { delivered: [] as string[], given: [] as string[], released: 0, outcomes: [] as Outcome[] };
  const deps: LaneDeps = {
    store,
    teamId: "T1",
    clock: () => AT,
    leaseMs: LEASE,
    batchSize: 5,
    recentLimit: 9,
    pace: {
      hold: opts.hold,
      release: async () => {
        seen.released++;
      },
      wantedInFlight: opts.inFlight ?? (() => 2),
    },
    deliver: async ({ send }) => {
      const outcome = await opts.deliver(send);
      seen.delivered.push(send.userId);
      return outcome;
    },
    moreComing: async () => false,
  };
  const lane = new WorkspaceLane(deps);
  /** Runs the lane; its report's outcomes and given-back reps go into `seen`. */
  const run = async (): Promise<LaneReport> => {
    const report = await lane.run();
    seen.outcomes.push(...report.settled.map((s) => s.outcome));
    seen.given.push(...report.givenBack.map((s) => s.userId));
    return report;
  };
  return { lane: { run }, seen };
}

describe(`WorkspaceLane and the workspace's hold (${storeKind})`, () => {
  it("delivers every pending send while it holds the workspace, then releases it once", async () => {
    const { lane: l, seen } = lane({ hold: async () => true, deliver: async () => "sent" });
    const report = await l.run();
    expect(seen.delivered.sort()).toHaveLength(12);
    expect(report.leased.map((s) => s.userId).sort()).toEqual(seen.delivered);
    expect(seen.outcomes.every((o) => o === "sent")).toBe(true);
    expect(seen.released).toBe(1);
    expect(seen.given).toEqual([]);
  });

  it("leases nothing while another sender holds the workspace", async () => {
    const { lane: l, seen } = lane({ hold: async () => false, deliver: async () => "sent" });
    await l.run();
    expect(seen.delivered).toEqual([]);
    expect(seen.released).toBe(0);
    expect(await store.weekly.pendingCount(AT)).toBe(12);
  });

  it("taken over mid-run: gives back what it leased and did not post, at once and with the attempt undone", async () => {
    let posts = 0;
    const { lane: l, seen } = lane({
      hold: async () => true,
      deliver: async () => {
        // The 4th post finds the workspace taken (the pacer throws before posting).
        if (++posts >= 4) throw new PaceTaken(Date.now() + 250);
        return "sent";
      },
    });
    await l.run();
    expect(seen.outcomes).toEqual(["sent", "sent", "sent"]);
    expect(seen.released).toBe(0);
    // Leased 5, then 5 more while those went out: all but the 3 posted go back.
    const leasedCount = 3 + seen.given.length;
    expect(seen.given.length).toBeGreaterThanOrEqual(2);
    expect(leasedCount).toBeLessThanOrEqual(12);
    expect(new Set([...seen.delivered.slice(0, 3), ...seen.given]).size).toBe(leasedCount);
    // Free to lease again at once (nothing waits for the lease to run out), attempts back to 0.
    const free = await store.weekly.claimPending(AT, 100, LEASE, "T1");
    expect(free.map((s) => s.userId).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `U${String(i).padStart(2, "0")}`)
        .filter((u) => !seen.delivered.slice(0, 3).includes(u))
        .sort(),
    );
    // Given-back sends were never posted: their next lease is their first attempt.
    for (const send of free) expect(send.attempts, send.userId).toBe(1);
  });

  it("adds sends under way as far as asked (slow answers), never stops one, and delivers each once", async () => {
    let wanted = 2;
    let under = 0;
    const most: number[] = [];
    const { lane: l, seen } = lane({
      hold: async () => true,
      inFlight: () => wanted,
      deliver: async () => {
        under++;
        most.push(under);
        // After the first answer, the pacer finds Slack slow and asks for 4.
        await new Promise((r) => setTimeout(r, 20));
        wanted = 4;
        under--;
        return "sent";
      },
    });
    await l.run();
    expect(seen.delivered).toHaveLength(12);
    expect(new Set(seen.delivered).size).toBe(12);
    expect(Math.max(...most.slice(0, 2))).toBe(2);
    expect(Math.max(...most)).toBe(4);
    expect(seen.released).toBe(1);
  });

  it("a failed lease ends the lane with that failure, after the sends already leased", async () => {
    let leases = 0;
    const claimPending = store.weekly.claimPending.bind(store.weekly);
    store.weekly.claimPending = async (...args) => {
      if (++leases >= 2) throw new Error("connection lost");
      return claimPending(...args);
    };
    const { lane: l, seen } = lane({ hold: async () => true, deliver: async () => "sent" });
    await expect(l.run()).rejects.toThrow("connection lost");
    expect(seen.delivered).toHaveLength(5);
    expect(seen.released).toBe(0);
  });

  it("a hold lost between batches: the next batch is never leased", async () => {
    let holds = 0;
    const { lane: l, seen } = lane({ hold: async () => ++holds === 1, deliver: async () => "sent" });
    await l.run();
    expect(seen.delivered).toHaveLength(5);
    expect(seen.given).toEqual([]);
    expect(seen.released).toBe(0);
    expect(await store.weekly.pendingCount(AT)).toBe(7);
  });
});
