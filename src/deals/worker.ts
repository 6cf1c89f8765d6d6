import type { Logger } from "../logger.js";
import type { NudgeSender } from "./nudge-sender.js";
import type { DealProcessor } from "./processor.js";

// The background loop: drain the inbox, send due nudges, and now and then sweep for idle deals and won
// follow-ups. One pass at a time; a webhook wakes it at once instead of waiting for the next tick.

export interface WorkerOptions {
  pollMs: number;
  sweepMs: number;
  logger: Logger;
}

export class DealWorker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  private lastSweep = 0;

  constructor(
    private readonly processor: DealProcessor,
    private readonly sender: NudgeSender,
    private readonly options: WorkerOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /** Runs a pass now (or right after the current one); does nothing unless started. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /** Stops the loop and waits for the pass in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One full pass, also used by tests and the CLI. */
  async pass(): Promise<void> {
    while ((await this.processor.processDue()) > 0) {
      if (this.stopped) return;
    }
    if (Date.now() - this.lastSweep >= this.options.sweepMs) {
      this.lastSweep = Date.now();
      await this.processor.sweep();
    }
    while ((await this.sender.sendDue()) > 0) {
      if (this.stopped) return;
    }
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.running = this.pass()
        .catch((err) =>
          this.options.logger.error({ err: { message: (err as Error).message } }, "deal worker pass failed"),
        )
        .finally(() => {
          this.running = undefined;
          if (this.stopped) return;
          const next = this.again ? 0 : this.options.pollMs;
          this.again = false;
          this.schedule(next);
        });
    }, delay);
    this.timer.unref?.();
  }
}
