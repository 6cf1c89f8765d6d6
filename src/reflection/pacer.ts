import { randomUUID } from "node:crypto";
import { sleep } from "../sleep.js";
import type { PaceReservation, WeeklyStore } from "../store/weekly-types.js";
import { RateLimited } from "./messenger.js";

// Per-workspace pacing for bulk DMs (WEEKLY_RATE_PER_SEC, as Slack asks of bulk senders). The pace lives
// in the store, shared by every sender process: each lane reserves a short run of consecutive slots at a
// time. A 429 pauses that workspace, for every sender, for Retry-After seconds; no other workspace waits.
//
// One sender posts to a workspace at a time. The pacer that reserved last holds the workspace while it
// keeps reserving; another sender's reservation is refused until that hold lapses (HOLD_LAPSE_MS after
// its last reserved slot: the holder died, stalled, or ran out of posts) or is released. So this
// process's own count of its posts is Slack's count, and the rate is a ceiling rather than an average:
// - This process never has more than `rate` posts in any second, counted the way Slack counts them (see
//   `window`).
// - Right after a hand-over, the last holder's posts may still count in Slack's second, invisible to that
//   count: for that second, slots are spaced 5 % wider than the rate and a slot reached late is given up
//   rather than used (using it would land next to the other sender's last posts).
// Senders sharing a workspace slot by slot (as an earlier version did) drew 429s whenever one of them
// was held up on a busy machine, and cost the 5 % for as long as both ran.
// docs/weekly-sender.md "Pace" places the pacer in a pass.

/** Another sender holds the workspace's pace: this pacer may not post there before `freeAt`. */
export class PaceTaken extends Error {
  constructor(readonly freeAt: number) {
    super("another sender holds this workspace's pace");
  }
}

/** The shared side of a workspace's pace (the store's weekly_pace row). */
export interface PaceBook {
  /**
   * Reserves `count` slots `intervalMs` apart for `holder`; resolves to the first slot's instant and who
   * reserved the slots before them, or, while another holder's last slot is less than `keepMs` ago, to
   * when that hold lapses.
   */
  reserve(
    holder: string,
    count: number,
    intervalMs: number,
    now: Date,
    keepMs: number,
  ): Promise<PaceReservation>;
  /** No slot before `until`, for any sender. */
  pause(until: Date): Promise<void>;
  /** `holder` is done with the workspace for now: another sender may reserve at once. */
  release(holder: string): Promise<void>;
}

/** A workspace's row of the store's shared pace (weekly_pace), as a PaceBook. */
export function storePaceBook(
  weekly: Pick<WeeklyStore, "reservePace" | "pausePace" | "releasePace">,
  teamId: string,
): PaceBook {
  return {
    reserve: (holder, count, intervalMs, now, keepMs) =>
      weekly.reservePace(teamId, holder, count, intervalMs, now, keepMs),
    pause: (until) => weekly.pausePace(teamId, until),
    release: (holder) => weekly.releasePace(teamId, holder),
  };
}

/** Slot spacing while the workspace is shared with other senders (see above). */
const SHARED_HEADROOM = 0.95;
/** How far ahead one reservation reaches: fewer statements, while a lane that stops wastes little. */
const RESERVE_AHEAD_MS = 100;
/** How long another sender's slot keeps the workspace shared: Slack's window, and a margin. */
const SHARED_FOR_MS = 1100;
/**
 * How long after its last reserved slot a holder keeps the workspace. Longer than the event-loop stalls
 * of a busy machine (else senders hand the workspace back and forth), short because it is the gap in a
 * workspace's posts when its holder dies.
 */
export const HOLD_LAPSE_MS = 250;
/** Of a hold, what this sender does not count on: another's clock may run this far ahead of ours. */
const HOLD_MARGIN_MS = 50;

export class Pacer {
  private readonly perSecond: number;
  private readonly perSecondMax: number;
  private slots: number[] = [];
  private reserving: Promise<boolean> | undefined;
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
  /** Until when another sender holds the workspace (its hold lapses then, unless renewed). */
  private takenUntil = 0;
  /** How long a post takes from leaving to its answer, smoothed (0 until the first answer). */
  private postMs = 0;
  /**
   * Until when this sender surely still holds the workspace: the end of its last reservation plus the
   * lapse, less a margin for the other senders' clocks and round trips.
   */
  private heldUntil = 0;

  constructor(
    perSecond: number,
    private readonly book: PaceBook,
    /** How many posts are waiting for a slot (the lane's queue): a reservation never reaches past them. */
    private readonly demand: () => number = () => 1,
  ) {
    this.perSecond = Math.max(0.001, perSecond);
    this.perSecondMax = Math.max(1, Math.floor(perSecond));
  }

  /**
   * Whether this sender may post to the workspace: it has a slot in hand, or could reserve one. False
   * while another sender holds the workspace (see `freeAt`).
   */
  async hold(): Promise<boolean> {
    while (this.slots.length > 0 && this.missed(this.slots[0] as number)) this.slots.shift();
    if (this.slots.length > 0) return true;
    if (Date.now() < this.takenUntil) return false;
    return await this.reserveOnce();
  }

  /** When another sender's hold on the workspace lapses, if not renewed (0 when no other holds it). */
  freeAt(): number {
    return this.takenUntil > Date.now() ? this.takenUntil : 0;
  }

  /** Done with the workspace for now (nothing left to post): another sender may take it at once. */
  async release(): Promise<void> {
    this.slots = [];
    this.heldUntil = 0;
    await this.book.release(this.id);
  }

  /**
   * Runs `call` (one post) in the workspace's next slot, within this process's per-second ceiling.
   * Throws PaceTaken, without calling, when another sender holds the workspace.
   */
  async run<T>(call: () => Promise<T>): Promise<T> {
    for (;;) {
      await this.slot();
      await this.window();
      // Held up in the window (slow answers) until this sender's hold may have lapsed: another sender
      // may have the workspace now. Give the place back and take a fresh slot (or learn who has it).
      if (Date.now() <= this.heldUntil) break;
      this.inFlight--;
    }
    const sent = Date.now();
    try {
      return await call();
    } finally {
      this.inFlight--;
      const now = Date.now();
      this.answered.push(now);
      this.postMs = this.postMs === 0 ? now - sent : 0.8 * this.postMs + 0.2 * (now - sent);
    }
  }

  /**
   * How many posts should be under way at once to keep the rate, given how long Slack takes to answer:
   * a round trip's worth of slots, half as many again for the slow ones, and one being prepared. At
   * least 4, at most 32 (and the per-second ceiling still holds whatever this says).
   */
  wantedInFlight(): number {
    const roundTrip = Math.ceil((this.perSecond * this.postMs * 1.5) / 1000);
    return Math.min(32, Math.max(4, roundTrip + 1));
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
        if (Date.now() >= this.takenUntil && (await this.reserveOnce())) continue;
        throw new PaceTaken(this.takenUntil);
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

  /**
   * A slot gone by more than one interval while another sender's posts may sit right after it, or
   * reached when this sender's hold may have lapsed (another sender may have taken the workspace since).
   */
  private missed(at: number): boolean {
    const now = Date.now();
    return now > this.heldUntil || (this.isShared() && now > at + 1000 / this.perSecond);
  }

  private isShared(): boolean {
    return Date.now() < this.sharedUntil;
  }

  /** One reservation at a time, however many posts are waiting for it. */
  private reserveOnce(): Promise<boolean> {
    this.reserving ??= this.reserve().finally(() => {
      this.reserving = undefined;
    });
    return this.reserving;
  }

  /** Reserves the next few slots; false (and `takenUntil` set) while another sender holds the workspace. */
  private async reserve(): Promise<boolean> {
    const interval = 1000 / (this.perSecond * (this.isShared() ? SHARED_HEADROOM : 1));
    const ahead = Math.max(1, Math.floor(RESERVE_AHEAD_MS / interval));
    const count = Math.max(1, Math.min(ahead, this.demand()));
    // Slots start one round trip to the store from now: asked for from "now", they would be in the past
    // by the time the answer came, and a shared workspace gives up past slots (with a slow store, every
    // slot, forever). Never inside our own pause, even before the shared pause has been written.
    const asked = Date.now();
    const from = Math.max(asked + this.roundTripMs, this.pausedUntil);
    const reserved = await this.book.reserve(this.id, count, interval, new Date(from), HOLD_LAPSE_MS);
    // A smoothed round trip, so that one slow answer does not push every later slot out.
    this.roundTripMs = 0.8 * this.roundTripMs + 0.2 * (Date.now() - asked);
    if (reserved.start === null) {
      this.takenUntil = reserved.freeAt.getTime();
      return false;
    }
    const { start, previousHolder } = reserved;
    const first = start.getTime();
    this.heldUntil = first + count * interval + HOLD_LAPSE_MS - HOLD_MARGIN_MS;
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
    return true;
  }
}

/** Seconds to wait before trying a rate-limited call again; undefined when `err` is no rate limit. */
export function retryAfterOf(err: unknown): number | undefined {
  return err instanceof RateLimited ? err.retryAfterSec : undefined;
}
