import { randomUUID } from "node:crypto";

// Per-workspace pacing for bulk DMs (WEEKLY_RATE_PER_SEC, as Slack asks of bulk senders). The pace lives
// in the store, shared by every sender process: each lane reserves a short run of consecutive slots at a
// time, so two senders together still post at the rate, not at twice it. A 429 pauses that workspace, for
// every sender, for Retry-After seconds; no other workspace waits.
//
// Two rules keep the rate a ceiling rather than an average:
// - This process never has more than `rate` posts in any second, counted the way Slack counts them (see
//   `window`). That alone is exact while one sender has the workspace to itself.
// - While other senders reserve slots of the same workspace in between ours, their posts are invisible
//   to that count. Then slots are spaced 5 % wider than the rate and a slot we reach late is given up
//   rather than used (using it would land next to another sender's post).

// The global setTimeout (not node:timers/promises), so that tests can drive the pacer on a fake clock.
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The shared side of a workspace's pace (the store's weekly_pace row). */
export interface PaceBook {
  /**
   * Reserves `count` slots `intervalMs` apart for `holder`; resolves to the first slot's instant and who
   * reserved the slots before them.
   */
  reserve(
    holder: string,
    count: number,
    intervalMs: number,
    now: Date,
  ): Promise<{ start: Date; previousHolder: string | null }>;
  /** No slot before `until`, for any sender. */
  pause(until: Date): Promise<void>;
}

/** Slot spacing while the workspace is shared with other senders (see above). */
const SHARED_HEADROOM = 0.95;
/** How far ahead one reservation reaches: fewer statements, while a lane that stops wastes little. */
const RESERVE_AHEAD_MS = 100;
/** How long another sender's slot keeps the workspace shared: Slack's window, and a margin. */
const SHARED_FOR_MS = 1100;

export class Pacer {
  private readonly perSecond: number;
  private readonly perSecondMax: number;
  private slots: number[] = [];
  private reserving: Promise<void> | undefined;
  private pausedUntil = 0;
  /** Names this pacer in the shared pace, so that it can tell its own reservations from others'. */
  private readonly id = randomUUID();
  /** Until when another sender's posts may still count in Slack's last second. */
  private sharedUntil = 0;
  private inFlight = 0;
  /** How long a reservation takes to come back from the store, smoothed. */
  private roundTripMs = 0;
  /** When this process's recent posts were answered, oldest first (the last second's only). */
  private answered: number[] = [];

  constructor(
    perSecond: number,
    private readonly book: PaceBook,
    /** How many posts are waiting for a slot (the lane's queue): a reservation never reaches past them. */
    private readonly demand: () => number = () => 1,
  ) {
    this.perSecond = Math.max(0.001, perSecond);
    this.perSecondMax = Math.max(1, Math.floor(perSecond));
  }

  /** Runs `call` (one post) in the workspace's next slot, within this process's per-second ceiling. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    await this.slot();
    await this.window();
    try {
      return await call();
    } finally {
      this.inFlight--;
      this.answered.push(Date.now());
    }
  }

  /** Slack said 429: nothing more to this workspace, from any sender, until Retry-After has passed. */
  async pause(seconds: number): Promise<void> {
    const until = Date.now() + seconds * 1000;
    this.pausedUntil = Math.max(this.pausedUntil, until);
    this.slots = [];
    await this.book.pause(new Date(until));
    await sleep(Math.max(0, until - Date.now()));
  }

  /**
   * Waits until fewer than `rate` of this process's posts could still count in Slack's last second, then
   * takes a place (before any other post can look). A post counts from when Slack receives it, which is
   * no later than its answer: so those in flight count, and so do those answered less than a second ago.
   * Slots alone cannot promise this: a post held up on its way out (the event loop busy, a garbage
   * collection) lands next to the one after it.
   */
  private async window(): Promise<void> {
    for (;;) {
      const now = Date.now();
      while (this.answered.length > 0 && (this.answered[0] as number) <= now - 1000) this.answered.shift();
      if (this.inFlight + this.answered.length < this.perSecondMax) {
        this.inFlight++;
        return;
      }
      const oldest = this.answered[0];
      await sleep(oldest === undefined ? 5 : oldest + 1001 - now);
    }
  }

  /** Waits for this workspace's next slot. */
  private async slot(): Promise<void> {
    for (;;) {
      const at = this.slots.shift();
      if (at === undefined) {
        this.reserving ??= this.reserve().finally(() => {
          this.reserving = undefined;
        });
        await this.reserving;
        continue;
      }
      // A slot that a pause has overtaken is void: take a fresh one after the pause.
      if (at < this.pausedUntil || this.missed(at)) continue;
      const wait = at - Date.now();
      if (wait > 0) await sleep(wait);
      // Woken well after the slot (the event loop was held up): the slots behind it have woken too.
      if (at < this.pausedUntil || this.missed(at)) continue;
      return;
    }
  }

  /** A slot gone by more than one interval, while another sender's posts may sit right after it. */
  private missed(at: number): boolean {
    return this.isShared() && Date.now() > at + 1000 / this.perSecond;
  }

  private isShared(): boolean {
    return Date.now() < this.sharedUntil;
  }

  private async reserve(): Promise<void> {
    const interval = 1000 / (this.perSecond * (this.isShared() ? SHARED_HEADROOM : 1));
    const ahead = Math.max(1, Math.floor(RESERVE_AHEAD_MS / interval));
    const count = Math.max(1, Math.min(ahead, this.demand()));
    // Slots start one round trip to the store from now: asked for from "now", they would be in the past
    // by the time the answer came, and a shared workspace gives up past slots (with a slow store, every
    // slot, forever). Never inside our own pause, even before the shared pause has been written.
    const asked = Date.now();
    const from = Math.max(asked + this.roundTripMs, this.pausedUntil);
    const { start, previousHolder } = await this.book.reserve(this.id, count, interval, new Date(from));
    // A smoothed round trip, so that one slow answer does not push every later slot out.
    this.roundTripMs = 0.8 * this.roundTripMs + 0.2 * (Date.now() - asked);
    const first = start.getTime();
    // Another sender reserved the slots just before ours: its posts, up to our first slot, may count in
    // Slack's window for a second after that, so the workspace is shared until then.
    if (previousHolder !== null && previousHolder !== this.id) this.sharedUntil = first + SHARED_FOR_MS;
    // Slots already gone by when the answer came were lost to the round trip: using them now, together,
    // would be a burst next to whatever another sender reserved after them.
    const arrived = Date.now();
    for (let i = 0; i < count; i++) {
      const at = first + i * interval;
      if (at >= arrived - interval) this.slots.push(at);
    }
  }
}

/** The WebClient's rate-limit error (rejectRateLimitedCalls) or an ok:false ratelimited answer. */
export function retryAfterOf(err: unknown): number | undefined {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string } };
  if (e?.code === "slack_webapi_rate_limited_error") return e.retryAfter ?? 1;
  if (e?.data?.error === "ratelimited") return 1;
  return undefined;
}
