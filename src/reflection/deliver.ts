import type { Logger } from "../logger.js";
import type { UserKey } from "../store/types.js";
import type { SendFinish, WeeklyStore } from "../store/weekly-types.js";
import { type Composer, composeWeekly } from "./compose.js";
import type { FinishBuffer } from "./finish-buffer.js";
import type { Leased, Outcome } from "./lane.js";
import type { WeeklyMessenger } from "./messenger.js";
import { type Pacer, PaceTaken, retryAfterOf } from "./pacer.js";
import { isTooLate } from "./schedule.js";

// One send, start to end (docs/weekly-sender.md "Deliver"): skip it if it is too late, look in the DM
// first if an earlier attempt may have posted it, compose the prompt, post it in the workspace's next
// paced slot while its lease is safe, and hand its finish to the buffer. The lane calls this for every
// send it leased and counts the outcome it returns.

/** A send that failed this often is finished as failed; before that, it is tried again in this pass. */
const MAX_ATTEMPTS = 3;
/** A send is posted only within this share of its lease, so it is never posted after another took it. */
const LEASE_SAFE_SHARE = 0.8;
/** 429s in a row on one call before its error is the send's. */
const MAX_RATE_LIMITED = 10;

export interface DeliverInputs {
  /** Where a send that failed is released to be tried again. */
  weekly: Pick<WeeklyStore, "releaseSend">;
  /** Renders and posts the DM, and finds one posted before a crash (src/slack/weekly-messenger.ts). */
  messenger: WeeklyMessenger;
  /** What chooses the prompt (the coacher, with the library as fallback). */
  composer: Composer;
  logger: Logger;
  /** The pass's clock ("as of" instant plus the time the pass has taken). */
  clock: () => Date;
  leaseMs: number;
  /** Where finished sends go, written in batches (finish-buffer.ts). */
  finishes: Pick<FinishBuffer, "add">;
  /** The workspace's pace: every post (and a lookup after a crash) goes through it. */
  pacer: Pick<Pacer, "run" | "pause">;
}

/**
 * Delivers one leased send and says what became of it: sent, skipped, failed, or retry (left for a later
 * lease: posting was no longer safe within its lease, or it failed and will be tried again). Throws
 * PaceTaken when another sender holds the workspace: nothing was posted and the lane gives the send back.
 */
export async function deliver({ send, context, leasedAt }: Leased, inputs: DeliverInputs): Promise<Outcome> {
  const { clock, leaseMs, finishes, pacer, logger } = inputs;
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
    const dms = await inputs.messenger.workspace(send.teamId);
    if (send.attempts > 1) {
      // After a crash between claim and send: did the prompt for this week reach the DM already?
      const found = await withRetry(pacer, () => dms.findSent(send.userId, send.week, send.dueAt));
      if (found) {
        finish({ status: "sent", channel: found.channel, ts: found.ts });
        return "sent";
      }
    }
    // The coacher is asked before the post and outside any transaction; a slow one only uses up lease,
    // and the check below leaves a send whose lease may be running out.
    const message = await composeWeekly(inputs.composer, send, context, schedule, clock());
    if (message.trouble)
      logger.warn(
        { team: send.teamId, user: send.userId, week: send.week, trouble: message.trouble },
        "coacher failed; the library answered",
      );
    const leaseSafeUntil = leasedAt + leaseMs * LEASE_SAFE_SHARE;
    // Posted in the workspace's next slot; after a 429 the retry waits for a fresh slot like any other
    // post (retrying at the end of the pause, on top of the paced posts, would draw the next 429).
    const posted = await withRetry(pacer, () =>
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
    await inputs.weekly.releaseSend(key, send.week, new Date(clock().getTime() + 1000));
    return "retry";
  }
}

/** Retries a call after Retry-After when Slack rate-limits it, pausing only this workspace. */
export async function withRetry<T>(pacer: Pick<Pacer, "pause">, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const retryAfter = retryAfterOf(err);
      if (retryAfter === undefined || attempt >= MAX_RATE_LIMITED) throw err;
      await pacer.pause(retryAfter);
    }
  }
}
