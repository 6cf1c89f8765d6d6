import type { Logger } from "./logger.js";

// The one background loop of the process (docs/architecture.md "Background loops"): the deal worker and
// the weekly poller each hand it a pass and an interval. It runs one pass at a time, then waits
// `intervalMs` (or runs again at once if woken meanwhile), and stops cleanly: `stop()` waits for the pass
// in flight and no pass starts after it. It sits below deals/ and reflection/ and imports neither.
//
// States:
//   idle      built, not started; `wake()` does nothing, `stop()` goes straight to stopped.
//   running   started: a pass is in flight or the timer waits for the next one.
//   stopping  `stop()` was called while a pass was in flight; the pass is told (`stopping()` is true) and
//             waited for; no timer is set and no pass starts.
//   stopped   final: the loop never runs again (`start()` and `wake()` do nothing).

export type LoopState = "idle" | "running" | "stopping" | "stopped";

/** What a pass can ask of its loop: whether to cut a long drain short because the loop is stopping. */
export interface PassContext {
  stopping(): boolean;
}

export interface PollingLoopOptions {
  /** One pass. A rejection is logged with `failureMessage` and the loop goes on. */
  pass: (context: PassContext) => Promise<void>;
  /** The wait between the end of one pass and the start of the next. */
  intervalMs: number;
  /** The wait before the first pass after `start()` (default 0). */
  firstDelayMs?: number;
  logger: Logger;
  /** A constant log message for a failed pass (docs/logging.md: values go in fields). */
  failureMessage: string;
}

export class PollingLoop {
  private current: LoopState = "idle";
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  /** Woken during a pass: run once more right after it instead of waiting `intervalMs`. */
  private again = false;
  private stopped: Promise<void> | undefined;
  private readonly context: PassContext;

  constructor(private readonly options: PollingLoopOptions) {
    this.context = { stopping: () => this.current === "stopping" || this.current === "stopped" };
  }

  get state(): LoopState {
    return this.current;
  }

  /** Whether a pass is running now. */
  get busy(): boolean {
    return this.inFlight !== undefined;
  }

  /** Starts the loop; a second call, or a call after `stop()`, does nothing. */
  start(): void {
    if (this.current !== "idle") return;
    this.current = "running";
    this.schedule(this.options.firstDelayMs ?? 0);
  }

  /** Runs a pass now, or once more right after the pass in flight; never two at once. Only while running. */
  wake(): void {
    if (this.current !== "running") return;
    if (this.inFlight) this.again = true;
    else this.schedule(0);
  }

  /** Stops the loop: waits for the pass in flight; no pass starts after it. Every call gets the same promise. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      clearTimeout(this.timer);
      this.timer = undefined;
      if (this.current === "running" && this.inFlight) {
        this.current = "stopping";
        await this.inFlight;
      }
      this.current = "stopped";
    })();
    return this.stopped;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.run(), delayMs);
    // A waiting loop must not keep a stopping process alive.
    this.timer.unref?.();
  }

  private run(): void {
    this.timer = undefined;
    if (this.current !== "running" || this.inFlight) return;
    // Through a promise executor, so that a pass that throws before its first await is caught too.
    this.inFlight = new Promise<void>((resolve) => resolve(this.options.pass(this.context)))
      .catch((err) =>
        this.options.logger.error({ err: { message: (err as Error).message } }, this.options.failureMessage),
      )
      .finally(() => {
        this.inFlight = undefined;
        if (this.current !== "running") return;
        const next = this.again ? 0 : this.options.intervalMs;
        this.again = false;
        this.schedule(next);
      });
  }
}
