import type { Logger } from "../logger.js";
import { type LoopState, type PassContext, PollingLoop } from "../polling-loop.js";
import type { NudgeSender } from "./nudge-sender.js";
import type { DealProcessor } from "./processor.js";

// The background deal pass: drain the inbox, send due nudges, and now and then sweep for idle deals and won
// follow-ups. The loop itself (one pass at a time, wake, stop) is src/polling-loop.ts; a webhook wakes it
// at once instead of waiting for the next tick.

export interface WorkerOptions {
  pollMs: number;
  sweepMs: number;
  logger: Logger;
}

export class DealWorker {
  private readonly loop: PollingLoop;
  private lastSweep = 0;

  constructor(
    private readonly processor: DealProcessor,
    private readonly sender: NudgeSender,
    private readonly options: WorkerOptions,
  ) {
    this.loop = new PollingLoop({
      pass: (context) => this.pass(context),
      intervalMs: options.pollMs,
      logger: options.logger,
      failureMessage: "deal worker pass failed",
    });
  }

  get state(): LoopState {
    return this.loop.state;
  }

  start(): void {
    this.loop.start();
  }

  /** Runs a pass now (or right after the current one); does nothing unless started. */
  wake(): void {
    this.loop.wake();
  }

  /** Stops the loop and waits for the pass in flight. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  /**
   * One full pass, also callable on its own (tests, the CLI). Between batches it gives up early once the
   * loop is stopping, so that a shutdown does not wait for a long inbox to drain.
   */
  async pass(context: PassContext = { stopping: () => this.loop.state === "stopped" }): Promise<void> {
    while ((await this.processor.processDue()) > 0) {
      if (context.stopping()) return;
    }
    if (Date.now() - this.lastSweep >= this.options.sweepMs) {
      this.lastSweep = Date.now();
      await this.processor.sweep();
    }
    while ((await this.sender.sendDue()) > 0) {
      if (context.stopping()) return;
    }
  }
}
