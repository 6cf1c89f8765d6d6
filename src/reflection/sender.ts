import type { Library } from "../coaching/library.js";
import type { Coacher } from "../llm/coacher.js";
import type { Logger } from "../logger.js";
import { sleep } from "../sleep.js";
import type { Store } from "../store/types.js";
import { CLAIM_POLL_MS, claimDue } from "./claim.js";
import { RECENT_SENDS_READ } from "./compose.js";
import { deliver } from "./deliver.js";
import { FinishBuffer } from "./finish-buffer.js";
import { WorkspaceLane } from "./lane.js";
import type { WeeklyMessenger } from "./messenger.js";
import { Pacer, storePaceBook } from "./pacer.js";
import { type Pass, type PassResult, PassTally, Wake } from "./pass.js";

// The dispatcher of one weekly pass as of an instant (docs/weekly-sender.md): claiming (claim.ts) runs
// beside delivery; the dispatcher starts a lane (lane.ts) for every workspace with sends free to lease,
// each lane leases batches and delivers each send (deliver.ts) at the workspace's shared pace (pacer.ts),
// and the pass counts what each lane reports (pass.ts). Exactly once: the send row exists before the Web
// API call; a send picked up again after a crash first looks for its own metadata in the DM; several
// senders take disjoint rows (FOR UPDATE SKIP LOCKED).

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
  /**
   * What the pass's clock runs on after its start instant (ms; Date.now by default): when leases were
   * taken and lapse, and who is due. The pace and a lease's safe share stay on real time, as Slack counts
   * it. Tests move it on instead of waiting out a lease (test/integration/weekly.test.ts).
   */
  now?: () => number;
}

export type { PassResult } from "./pass.js";

/**
 * How long a pass waits for sends it cannot take (other senders' leases and workspaces) before it leaves
 * them to the next pass, in lease-quarters of at most a second.
 */
const MAX_IDLE_ROUNDS = 120;
/** How often the pass looks for workspaces with sends to lease (newly claimed, or a dead sender's). */
const DISCOVER_MS = 250;

export class WeeklySender {
  constructor(private readonly deps: WeeklySenderDeps) {}

  /** Claims everyone due at `start`, then delivers every pending send, workspace by workspace. */
  async runOnce(start: Date): Promise<PassResult> {
    const { store, logger } = this.deps;
    const began = Date.now();
    const now = this.deps.now ?? Date.now;
    const t0 = now();
    const leaseMs = this.deps.leaseMs ?? 60_000;
    const pass: Pass = {
      // The pass's clock runs on from the instant it was given, so leases taken by a sender that died
      // lapse during a long pass, not only after it.
      clock: () => new Date(start.getTime() + (now() - t0)),
      leaseMs,
      tally: new PassTally(),
      finishes: new FinishBuffer((batch) => store.weekly.finishSends(batch), logger),
      wake: new Wake(),
      lanes: new Map(),
      pacers: new Map(),
      claiming: true,
    };
    // Claiming (due schedules -> pending sends) runs beside delivery, a little ahead of it.
    const claimed = claimDue({
      weekly: store.weekly,
      at: start,
      clock: pass.clock,
      onRound: () => pass.wake.signal(),
    }).finally(() => {
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
      const tick = (ms: number) => Math.max(10, Math.min(ms, nextFree(pass) - Date.now()));
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
    logger.debug({ ...result, totalMs: Date.now() - began }, "weekly pass");
    return result;
  }

  /** Delivers one workspace's pending sends in a lane of its own, at the workspace's shared pace. */
  private startLane(teamId: string, pass: Pass): void {
    const { store, messenger, library, coacher, coachPatienceMs, logger } = this.deps;
    const pacer = this.pacerFor(teamId, pass);
    const lane = new WorkspaceLane({
      store,
      teamId,
      clock: pass.clock,
      leaseMs: pass.leaseMs,
      batchSize: this.batchSize(pass.leaseMs),
      recentLimit: RECENT_SENDS_READ,
      // Sends under way at once overlap their Slack round trips; the pacer spaces the posts.
      pace: pacer,
      deliver: (item) =>
        deliver(item, {
          weekly: store.weekly,
          messenger,
          composer: { library, coacher, patienceMs: coachPatienceMs },
          logger,
          clock: pass.clock,
          leaseMs: pass.leaseMs,
          finishes: pass.finishes,
          pacer,
        }),
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
          logger.debug({ team: teamId, sends: report.givenBack.length }, "weekly: gave back");
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
      pacer = new Pacer(this.deps.ratePerSec, storePaceBook(this.deps.store.weekly, teamId), waiting);
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
}

/** The earliest instant a workspace held by another sender may be free (Infinity when none is). */
function nextFree(pass: Pass): number {
  let next = Number.POSITIVE_INFINITY;
  for (const pacer of pass.pacers.values()) {
    const at = pacer.freeAt();
    if (at > 0) next = Math.min(next, at);
  }
  return next;
}
