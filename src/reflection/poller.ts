import type { Logger } from "../logger.js";
import { type LoopState, PollingLoop } from "../polling-loop.js";
import type { WeeklySender } from "./sender.js";

// Runs the weekly sender every `intervalMs` inside the app, on the process's one loop (src/polling-loop.ts).
// Several instances may run it at once: the sender's claims keep them from sending anything twice
// (docs/weekly-sender.md).

/** The first pass comes a second after start-up, as it always has (test/integration/weekly-switch.test.ts). */
const FIRST_DELAY_MS = 1000;

export class WeeklyPoller {
  private readonly loop: PollingLoop;

  constructor(
    private readonly sender: WeeklySender,
    private readonly logger: Logger,
    intervalMs: number,
  ) {
    this.loop = new PollingLoop({
      pass: () => this.pass(),
      intervalMs,
      firstDelayMs: FIRST_DELAY_MS,
      logger,
      failureMessage: "weekly sender failed",
    });
  }

  get state(): LoopState {
    return this.loop.state;
  }

  start(): void {
    this.loop.start();
  }

  /** Stops the loop and waits for the pass in flight. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  private async pass(): Promise<void> {
    const r = await this.sender.runOnce(new Date());
    if (r.due > 0) this.logger.info({ ...r }, "weekly prompts");
  }
}
