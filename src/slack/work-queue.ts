import type { Logger } from "../logger.js";

// One bounded queue per process for everything Slack listeners do after their ack. Slack wants the ack
// within 3 s, so a listener always acks first; what follows (store, coaching, Web API, response_url) runs
// here. Without a bound, a burst that outruns Slack or the store piles up as pending promises that each
// hold their whole request: 10,000 quick /coach once grew the process to 890 MB. Here at most
// `concurrency` jobs run and `maxWaiting` wait; any request beyond that is turned away at once: its job
// closure is dropped unrun and only a short "busy" reply goes out, addressed by a URL or a channel and
// thread, never by the request's text. The busy replies are bounded too (`maxBusyReplies` under way; the
// rest are skipped and counted) so a stalled Slack cannot make them the next pile.
//
// The queue also tracks other Slack handling in flight (`track`), so shutdown can drain both.

export interface WorkLimits {
  /** Jobs running at once. */
  concurrency: number;
  /** Jobs waiting for a free slot; a request beyond this is answered "busy". */
  maxWaiting: number;
  /** Busy replies under way at once; beyond this a busy reply is skipped (the request was still acked). */
  maxBusyReplies: number;
}

/** Busy replies under way at once: enough for a burst, few enough that a stalled Slack cannot pile them up. */
export const MAX_BUSY_REPLIES = 64;

export type Admission = "done" | "busy" | "dropped";

export interface WorkStats {
  running: number;
  waiting: number;
  busyReplies: number;
  tracked: number;
  /** Highest `running` and `waiting` seen since start: a check that the bound held. */
  peakRunning: number;
  peakWaiting: number;
  /** Requests turned away (answered busy or, past `maxBusyReplies`, not answered). */
  turnedAway: number;
  /** Of those, the ones whose busy reply was skipped. */
  busySkipped: number;
}

export class WorkQueue {
  private running = 0;
  /** Wake-ups of admitted jobs waiting for a slot, oldest first. */
  private readonly waiting: Array<() => void> = [];
  private busyReplies = 0;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly idle: Array<() => void> = [];
  private peakRunning = 0;
  private peakWaiting = 0;
  private turnedAway = 0;
  private busySkipped = 0;
  /**
   * Turned away since the queue was last at most half full: logged once when it fills, once when it is
   * half empty again.
   */
  private episode = 0;

  constructor(
    readonly limits: WorkLimits,
    private readonly logger?: Logger,
  ) {
    if (limits.concurrency < 1) throw new Error("work concurrency must be at least 1");
  }

  get stats(): WorkStats {
    return {
      running: this.running,
      waiting: this.waiting.length,
      busyReplies: this.busyReplies,
      tracked: this.inFlight.size,
      peakRunning: this.peakRunning,
      peakWaiting: this.peakWaiting,
      turnedAway: this.turnedAway,
      busySkipped: this.busySkipped,
    };
  }

  /** Everything in flight: running, waiting, busy replies under way and tracked handling. */
  get size(): number {
    return this.running + this.waiting.length + this.busyReplies + this.inFlight.size;
  }

  /**
   * Runs `work` now, or after the jobs ahead of it, and resolves when it has finished ("done"). When the
   * queue is full, `work` is never called: `busy` (if given, and if fewer than `maxBusyReplies` are under
   * way) is started and not awaited, and this resolves at once with "busy" (or "dropped" when no busy
   * reply went out). A job that throws rejects this promise, after giving its slot to the next one.
   */
  async run(work: () => Promise<void>, busy?: () => Promise<unknown>): Promise<Admission> {
    if (this.running < this.limits.concurrency && this.waiting.length === 0) {
      this.running++;
    } else if (this.waiting.length < this.limits.maxWaiting) {
      // The job that frees a slot hands it over directly (`release`): `running` already counts us.
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.peakWaiting = Math.max(this.peakWaiting, this.waiting.length);
      });
    } else {
      return this.turnAway(busy);
    }
    this.peakRunning = Math.max(this.peakRunning, this.running);
    try {
      await work();
    } finally {
      this.release();
    }
    return "done";
  }

  /** Tracks handling that is not queued work (Bolt's middleware chain), so `drain` waits for it. */
  track<T>(work: () => Promise<T>): Promise<T> {
    const promise = work();
    this.inFlight.add(promise);
    const forget = () => {
      this.inFlight.delete(promise);
      this.wakeIfIdle();
    };
    promise.then(forget, forget);
    return promise;
  }

  /** Resolves when nothing is running, waiting or tracked, or after `timeoutMs`; says whether it drained. */
  async drain(timeoutMs: number): Promise<boolean> {
    if (this.size === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      new Promise<boolean>((resolve) => this.idle.push(() => resolve(true))),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return drained;
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
    // Half empty again ends the episode: a queue that hovers at its bound logs once, not per job.
    const { concurrency, maxWaiting } = this.limits;
    if (this.episode > 0 && this.running + this.waiting.length <= (concurrency + maxWaiting) / 2) {
      this.logger?.info({ turnedAway: this.episode }, "Slack work queue has room again");
      this.episode = 0;
    }
    this.wakeIfIdle();
  }

  private turnAway(busy: (() => Promise<unknown>) | undefined): Admission {
    this.turnedAway++;
    if (this.episode++ === 0) {
      this.logger?.warn(
        { running: this.running, waiting: this.waiting.length },
        "Slack work queue is full: answering new requests with a busy reply",
      );
    }
    if (!busy || this.busyReplies >= this.limits.maxBusyReplies) {
      if (busy) this.busySkipped++;
      return "dropped";
    }
    this.busyReplies++;
    const done = () => {
      this.busyReplies--;
      this.wakeIfIdle();
    };
    new Promise((resolve) => resolve(busy())).then(done, (err) => {
      this.logger?.warn({ err: { message: (err as Error)?.message ?? String(err) } }, "busy reply failed");
      done();
    });
    return "busy";
  }

  private wakeIfIdle(): void {
    if (this.size > 0) return;
    for (const wake of this.idle.splice(0)) wake();
  }
}
