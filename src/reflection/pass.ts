import type { FinishBuffer } from "./finish-buffer.js";
import type { WorkspaceLane } from "./lane.js";
import type { Pacer } from "./pacer.js";
import type { PassResult } from "./sender.js";

// The state one pass of the weekly sender shares between its dispatcher, its claimer and its lanes.

/** One pass's shared state. */
export interface Pass {
  t0: number;
  clock: () => Date;
  leaseMs: number;
  result: PassResult;
  /** Sends leased in this pass (rep and week), counted once however often they were leased. */
  seen: Set<string>;
  /** Sends whose outcome is counted in the result. */
  counted: Set<string>;
  finishes: FinishBuffer;
  wake: Wake;
  lanes: Map<string, { lane: WorkspaceLane; running: Promise<void> }>;
  /** One pace per workspace for the whole pass, kept when its lane ends and another starts. */
  pacers: Map<string, Pacer>;
  /** Due reps are still being claimed: a lane with nothing to lease waits for them. */
  claiming: boolean;
  failure?: unknown;
  firstSentMs?: number;
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
