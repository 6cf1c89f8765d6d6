import type { Library } from "../coaching/library.js";
import type { Coacher } from "../llm/coacher.js";
import type { Logger } from "../logger.js";
import { sleep } from "../sleep.js";
import type { Store, UserKey } from "../store/types.js";
import type { SendFinish } from "../store/weekly-types.js";
import { composeWeekly, RECENT_SENDS_READ } from "./compose.js";
import { FinishBuffer } from "./finish-buffer.js";
import { type Leased, type Outcome, WorkspaceLane } from "./lane.js";
import type { WeeklyMessenger } from "./messenger.js";
import { type PaceBook, Pacer, PaceTaken, retryAfterOf } from "./pacer.js";
import { type Pass, type PassResult, PassTally, Wake } from "./pass.js";
import { effectiveZone, isoWeekKey, isTooLate, nextRunAt } from "./schedule.js";

// One pass of the weekly sender as of an instant: claim who is due (writing a pending send per rep and
// ISO week first), then deliver pending sends, paced per workspace. Exactly once: the send row exists
// before the Web API call; a send picked up again after a crash first looks for its own metadata in the
// DM; several senders take disjoint rows (FOR UPDATE SKIP LOCKED).

export interface WeeklySenderDeps {
  store: Store;
  library: Library;
  /** Where the weekly prompt comes from. */
  coacher: Coacher;
  /** How long to wait for the coacher before the library chooses (DEFAULT_PATIENCE_MS). */
  coachPatienceMs?: number;
  logger: Logger;
  /** Renders and posts the DMs, and finds one again after a crash (src/slack/weekly-messenger.ts). */
  messenger: WeeklyMessenger;
  ratePerSec: number;
  leaseMs?: number;
}

export type { PassResult } from "./pass.js";

const MAX_ATTEMPTS = 3;
/** Due schedules claimed (and turned into pending sends) per transaction. */
const CLAIM_BATCH = 200;
/** Pending sends nobody has leased yet beyond which claiming waits (a second of 10 lanes at 50/s). */
const CLAIM_AHEAD = 500;
const CLAIM_POLL_MS = 100;
/**
 * How long a pass waits for sends it cannot take (other senders' leases and workspaces) before it leaves
 * them to the next pass, in lease-quarters of at most a second.
 */
const MAX_IDLE_ROUNDS = 120;
/** How often the pass looks for workspaces with sends to lease (newly claimed, or a dead sender's). */
const DISCOVER_MS = 250;
/** A send is posted only within this share of its lease, so it is never posted after another took it. */
const LEASE_SAFE_SHARE = 0.8;

export class WeeklySender {
  constructor(private readonly deps: WeeklySenderDeps) {}

  /** Claims everyone due at `start`, then delivers every pending send, workspace by workspace. */
  async runOnce(start: Date): Promise<PassResult> {
    const { store, logger } = this.deps;
    const t0 = Date.now();
    const leaseMs = this.deps.leaseMs ?? 60_000;
    const pass: Pass = {
      // The pass's clock runs on from the instant it was given, so leases taken by a sender that died
      // lapse during a long pass, not only after it.
      clock: () => new Date(start.getTime() + (Date.now() - t0)),
      leaseMs,
      tally: new PassTally(),
      finishes: new FinishBuffer((batch) => store.weekly.finishSends(batch), logger),
      wake: new Wake(),
      lanes: new Map(),
      pacers: new Map(),
      claiming: true,
    };
    // Claiming (due schedules -> pending sends) runs beside delivery, a little ahead of it.
    const claimed = this.claim(start, pass).finally(() => {
      pass.claiming = false;
      pass.wake.signal();
    });
    const idleTick = Math.min(1000, leaseMs / 4);
    for (let idleSince: number | undefined; ; ) {
      for (const teamId of await store.weekly.pendingTeams(pass.clock())) {
        // A workspace another sender holds is left to it until its hold may have lapsed.
        if (!pass.lanes.has(teamId) && this.pacerFor(teamId, pass).freeAt() === 0)
          this.startLane(teamId, pass);
      }
      if (pass.failure) break;
      // Look again when the next hold held by another sender may lapse (if that comes before the tick).
      const tick = (ms: number) => Math.max(10, Math.min(ms, this.nextFree(pass) - Date.now()));
      if (pass.lanes.size > 0 || pass.claiming) {
        idleSince = undefined;
        await pass.wake.wait(tick(DISCOVER_MS));
        continue;
      }
      // Nothing we may lease. Done when nothing is pending at all; otherwise another sender holds leases
      // or workspaces (alive, or dead and lapsing): wait for them rather than leave them for the next pass.
      await pass.finishes.flush();
      if (!(await store.weekly.hasPending())) break;
      idleSince ??= Date.now();
      if (Date.now() - idleSince >= MAX_IDLE_ROUNDS * idleTick) break;
      await sleep(tick(idleTick));
    }
    await Promise.allSettled([claimed, ...[...pass.lanes.values()].map((l) => l.running)]);
    await pass.finishes.flush();
    if (pass.failure) throw pass.failure;
    await claimed;
    const { result } = pass.tally;
    logger.debug({ ...result, totalMs: Date.now() - t0 }, "weekly pass");
    return result;
  }

  /** The earliest instant a workspace held by another sender may be free (Infinity when none is). */
  private nextFree(pass: Pass): number {
    let next = Number.POSITIVE_INFINITY;
    for (const pacer of pass.pacers.values()) {
      const at = pacer.freeAt();
      if (at > 0) next = Math.min(next, at);
    }
    return next;
  }

  /** Delivers one workspace's pending sends in a lane of its own, at the workspace's shared pace. */
  private startLane(teamId: string, pass: Pass): void {
    const lane = new WorkspaceLane({
      store: this.deps.store,
      teamId,
      clock: pass.clock,
      leaseMs: pass.leaseMs,
      batchSize: this.batchSize(pass.leaseMs),
      recentLimit: RECENT_SENDS_READ,
      // Sends under way at once overlap their Slack round trips; the pacer spaces the posts.
      pace: this.pacerFor(teamId, pass),
      deliver: (item) => this.deliver(item, pass, this.pacerFor(teamId, pass)),
      moreComing: async () => {
        if (!pass.claiming) return false;
        await sleep(CLAIM_POLL_MS);
        return true;
      },
    });
    const running = lane
      .run()
      .then((report) => {
        if (report.givenBack.length > 0)
          this.deps.logger.debug({ team: teamId, sends: report.givenBack.length }, "weekly: gave back");
        pass.tally.add(report);
      })
      .catch((err) => {
        pass.failure ??= err;
      })
      .finally(() => {
        pass.lanes.delete(teamId);
        pass.wake.signal();
      });
    pass.lanes.set(teamId, { lane, running });
  }

  /** One pace per workspace for the whole pass: a lane that ends and starts again keeps its place. */
  private pacerFor(teamId: string, pass: Pass): Pacer {
    let pacer = pass.pacers.get(teamId);
    if (!pacer) {
      const waiting = () => pass.lanes.get(teamId)?.lane.waiting() ?? 1;
      pacer = new Pacer(this.deps.ratePerSec, this.paceBook(teamId), waiting);
      pass.pacers.set(teamId, pacer);
    }
    return pacer;
  }

  /**
   * A lane leases a sixth of what it can post within a lease: a batch never outlives its lease, and a
   * sender that dies holds few sends (they wait out the lease and then cost a history lookup each).
   */
  private batchSize(leaseMs: number): number {
    return Math.max(1, Math.min(100, Math.floor((this.deps.ratePerSec * leaseMs) / 1000 / 6)));
  }

  private paceBook(teamId: string): PaceBook {
    const { weekly } = this.deps.store;
    return {
      reserve: (holder, count, intervalMs, now, keepMs) =>
        weekly.reservePace(teamId, holder, count, intervalMs, now, keepMs),
      pause: (until) => weekly.pausePace(teamId, until),
      release: (holder) => weekly.releasePace(teamId, holder),
    };
  }

  private async claim(at: Date, pass: Pass): Promise<void> {
    // Most reps share a day, time and zone (the workspace default), so their next run and ISO week are
    // worked out once per pass, not once per rep.
    const plans = new Map<string, { week: string; nextRunAt: Date }>();
    const { weekly } = this.deps.store;
    for (let round = 0; ; round++) {
      // A small first round, so that every workspace's lane can start while the rest is claimed.
      const { claimed } = await weekly.claimDue(at, round === 0 ? CLAIM_BATCH / 4 : CLAIM_BATCH, (row) => {
        const zone = effectiveZone(row.tz, row.workspaceTz);
        const dueAt = row.nextRunAt ?? at;
        const { day, time } = row.settings.weekly;
        const key = [day, time, zone, dueAt.getTime(), row.snoozedUntil?.getTime(), row.skipWeek].join("|");
        let plan = plans.get(key);
        if (!plan) {
          const from = new Date(Math.max(at.getTime(), dueAt.getTime()));
          plan = {
            week: isoWeekKey(dueAt, zone),
            nextRunAt: nextRunAt(
              { day, time, tz: zone, snoozedUntil: row.snoozedUntil, skipWeekOf: row.skipWeek },
              from,
            ),
          };
          plans.set(key, plan);
        }
        return plan;
      });
      pass.wake.signal();
      if (claimed === 0) return;
      // Claim only a little ahead of delivery. Claiming is most of the CPU at the start of a big pass;
      // done all at once, it starved the first seconds of posting.
      while ((await weekly.pendingCount(pass.clock())) >= CLAIM_AHEAD) await sleep(CLAIM_POLL_MS);
    }
  }

  private async deliver({ send, context, leasedAt }: Leased, pass: Pass, pacer: Pacer): Promise<Outcome> {
    const { clock, leaseMs, finishes } = pass;
    const { logger } = this.deps;
    const key: UserKey = { teamId: send.teamId, userId: send.userId };
    const finish = (outcome: Omit<SendFinish, "teamId" | "userId" | "week">) =>
      finishes.add({ ...key, week: send.week, ...outcome });
    try {
      // Missed by more than a day (the app was down): that week is skipped, not sent late.
      const schedule = context?.schedule;
      if (!context || !schedule?.enabled || isTooLate(send.dueAt, clock())) {
        finish({ status: "skipped" });
        return "skipped";
      }
      const dms = await this.deps.messenger.workspace(send.teamId);
      if (send.attempts > 1) {
        // After a crash between claim and send: did the prompt for this week reach the DM already?
        const found = await this.withRetry(pacer, () => dms.findSent(send.userId, send.week, send.dueAt));
        if (found) {
          finish({ status: "sent", channel: found.channel, ts: found.ts });
          return "sent";
        }
      }
      // The coacher is asked before the post and outside any transaction; a slow one only uses up lease,
      // and the check below leaves a send whose lease may be running out.
      const { library, coacher, coachPatienceMs } = this.deps;
      const message = await composeWeekly(
        { library, coacher, patienceMs: coachPatienceMs },
        send,
        context,
        schedule,
        clock(),
      );
      if (message.trouble)
        logger.warn(
          { team: send.teamId, user: send.userId, week: send.week, trouble: message.trouble },
          "coacher failed; the library answered",
        );
      const leaseSafeUntil = leasedAt + leaseMs * LEASE_SAFE_SHARE;
      // Posted in the workspace's next slot; after a 429 the retry waits for a fresh slot like any other
      // post (retrying at the end of the pause, on top of the paced posts, would draw the next 429).
      const posted = await this.withRetry(pacer, () =>
        pacer.run(async () =>
          // Past most of its lease (long 429 pauses), another sender may take the send at any moment:
          // leave it. It comes back when the lease lapses and is checked against the DM first.
          Date.now() > leaseSafeUntil ? undefined : dms.post(send.userId, message.message),
        ),
      );
      if (!posted) return "retry";
      const moved =
        message.kind === "keep_going"
          ? { awaitingChoice: true }
          : message.unanswered !== schedule.unanswered
            ? { unanswered: message.unanswered }
            : undefined;
      finish({
        status: "sent",
        channel: posted.channel,
        ts: posted.ts,
        promptId: message.promptId,
        kind: message.kind,
        ...(moved ? { schedule: moved } : {}),
      });
      return "sent";
    } catch (err) {
      // Another sender holds the workspace: nothing was posted; the lane gives the send back.
      if (err instanceof PaceTaken) throw err;
      logger.warn(
        { team: send.teamId, user: send.userId, week: send.week, err: { message: (err as Error).message } },
        "weekly prompt failed",
      );
      if (send.attempts >= MAX_ATTEMPTS) {
        finish({ status: "failed" });
        return "failed";
      }
      // Try again shortly, in this pass, rather than when the lease would have run out.
      await this.deps.store.weekly.releaseSend(key, send.week, new Date(clock().getTime() + 1000));
      return "retry";
    }
  }

  /** Retries a call after Retry-After when Slack rate-limits it, pausing only this workspace. */
  private async withRetry<T>(lane: Pacer, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        const retryAfter = retryAfterOf(err);
        if (retryAfter === undefined || attempt >= 10) throw err;
        await lane.pause(retryAfter);
      }
    }
  }
}
