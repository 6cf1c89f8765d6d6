import type { Logger } from "../logger.js";
import type { WeeklySender } from "./sender.js";

// Runs the weekly sender every `intervalMs` inside the app. Several instances may run it at once: the
// sender's claims keep them from sending anything twice.

export class WeeklyPoller {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly sender: WeeklySender,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(1000);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.running = this.sender
        .runOnce(new Date())
        .then((r) => {
          if (r.due > 0) this.logger.info({ ...r }, "weekly prompts");
        })
        .catch((err) =>
          this.logger.error({ err: { message: (err as Error).message } }, "weekly sender failed"),
        )
        .finally(() => {
          this.running = undefined;
          if (!this.stopped) this.schedule(this.intervalMs);
        });
    }, delay);
    this.timer.unref?.();
  }
}
