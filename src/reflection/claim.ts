import { sleep } from "../sleep.js";
import type { DueRow, WeeklyStore } from "../store/weekly-types.js";
import { effectiveZone, isoWeekKey, nextRunAt } from "./schedule.js";

// Step 1 of a weekly pass (docs/weekly-sender.md "Claim"): turn every schedule due at the pass's instant
// into a pending send (one per rep and ISO week) and move the schedule to its next run, in one
// transaction per round. It runs beside delivery, a little ahead of it, so that lanes start posting while
// the rest is still being claimed.

/** Due schedules claimed (and turned into pending sends) per transaction. */
const CLAIM_BATCH = 200;
/** Pending sends nobody has leased yet beyond which claiming waits (a second of 10 lanes at 50/s). */
const CLAIM_AHEAD = 500;
/** How often claiming (and a lane waiting for claimed sends) looks again. */
export const CLAIM_POLL_MS = 100;

export interface ClaimInputs {
  weekly: Pick<WeeklyStore, "claimDue" | "pendingCount">;
  /** The pass's "as of" instant: everyone due at it is claimed. */
  at: Date;
  /** The pass's clock (`at` plus the time the pass has taken), for counting what is free to lease. */
  clock: () => Date;
  /** Called after every round, so that the dispatcher looks for workspaces to start lanes for. */
  onRound: () => void;
}

/** A claimed schedule's ISO week (the send's key) and the schedule's next run. */
export interface Plan {
  week: string;
  nextRunAt: Date;
}

/** Claims everyone due at `at`, in rounds, never more than CLAIM_AHEAD ahead of delivery. */
export async function claimDue({ weekly, at, clock, onRound }: ClaimInputs): Promise<void> {
  const plan = planner(at);
  for (let round = 0; ; round++) {
    // A small first round, so that every workspace's lane can start while the rest is claimed.
    const { claimed } = await weekly.claimDue(at, round === 0 ? CLAIM_BATCH / 4 : CLAIM_BATCH, plan);
    onRound();
    if (claimed === 0) return;
    // Claim only a little ahead of delivery. Claiming is most of the CPU at the start of a big pass;
    // done all at once, it starved the first seconds of posting.
    while ((await weekly.pendingCount(clock())) >= CLAIM_AHEAD) await sleep(CLAIM_POLL_MS);
  }
}

/**
 * The plan of each due row. Most reps share a day, time and zone (the workspace default), so their next
 * run and ISO week are worked out once per pass, not once per rep.
 */
export function planner(at: Date): (row: DueRow) => Plan {
  const plans = new Map<string, Plan>();
  return (row) => {
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
  };
}
