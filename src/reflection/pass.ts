import type { WeeklySend } from "../store/weekly-types.js";
import type { FinishBuffer } from "./finish-buffer.js";
import type { LaneReport, WorkspaceLane } from "./lane.js";
import type { Pacer } from "./pacer.js";

// The state one pass of the weekly sender shares between its dispatcher (sender.ts), its claimer
// (claim.ts) and its lanes (lane.ts), and the pass's counts, which only the pass writes (from each lane's
// report as the lane ends). docs/weekly-sender.md follows one pass through them.

export interface PassResult {
  due: number;
  sent: number;
  skipped: number;
  failed: number;
}

/**
 * One pass's shared state, built by `WeeklySender.runOnce()` and dropped when it returns. Who writes each
 * field is said beside it; everything not said is set once and only read.
 */
export interface Pass {
  /** The pass's "as of" instant plus the time the pass has taken, so a dead sender's leases lapse mid-pass. */
  clock: () => Date;
  /** How long a lease on a send lasts (WEEKLY_LEASE_MS). */
  leaseMs: number;
  /** The pass's counts: added to by the dispatcher from each lane's report as the lane ends. */
  tally: PassTally;
  /** Finished sends, written a few dozen at a time: added to by deliver(), flushed by the dispatcher. */
  finishes: FinishBuffer;
  /** Wakes the dispatcher: signalled by each claim round, by the end of claiming, and by a lane ending. */
  wake: Wake;
  /** The lanes running now, by workspace: the dispatcher adds one, and removes it when it ends. */
  lanes: Map<string, { lane: WorkspaceLane; running: Promise<void> }>;
  /**
   * One pace per workspace for the whole pass, kept when its lane ends and another starts: added to by
   * the dispatcher the first time it looks at a workspace.
   */
  pacers: Map<string, Pacer>;
  /** Due reps are still being claimed (a lane with nothing to lease waits for them): cleared once, when claiming ends. */
  claiming: boolean;
  /** The first lane failure: set by the dispatcher when a lane rejects; the pass stops and rethrows it. */
  failure?: unknown;
}

/** A rep's send of one ISO week, as a set key. */
const sendKey = (send: WeeklySend) => `${send.teamId}:${send.userId}:${send.week}`;

/**
 * The pass's counts. Due: the sends this pass leased, each once however often it was leased, less those
 * it gave back to another sender unposted (that sender counts them). Sent, skipped, failed: each send
 * once, by its first final outcome (a send whose "sent" was lost and then found in the DM is one prompt).
 */
export class PassTally {
  readonly result: PassResult = { due: 0, sent: 0, skipped: 0, failed: 0 };
  private readonly seen = new Set<string>();
  private readonly counted = new Set<string>();

  /** Counts one lane run. A workspace's runs are added in the order they ran. */
  add(report: LaneReport): void {
    for (const send of report.leased) this.seen.add(sendKey(send));
    for (const { send, outcome } of report.settled) {
      const key = sendKey(send);
      if (outcome === "retry" || this.counted.has(key)) continue;
      this.counted.add(key);
      this.result[outcome]++;
    }
    for (const send of report.givenBack)
      if (!this.counted.has(sendKey(send))) this.seen.delete(sendKey(send));
    this.result.due = this.seen.size;
  }
}

/**
 * Wakes the pass when something is worth a look (a claim round landed, a lane ended), or after a tick.
 * A signal with nobody waiting is kept for the next wait.
 */
export class Wake {
  private waiter: (() => void) | undefined;
  private signalled = false;

  signal(): void {
    if (this.waiter) this.waiter();
    else this.signalled = true;
  }

  wait(ms: number): Promise<void> {
    if (this.signalled) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiter = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiter = done;
    });
  }
}
