import type { Store } from "../store/types.js";
import type { WeeklyContext, WeeklySend } from "../store/weekly-types.js";
import { type Pacer, PaceTaken } from "./pacer.js";

// One workspace's prompts within a pass. The lane leases its workspace's pending sends a batch at a time,
// reads what their prompts need in a few statements, and hands each to `deliver` with a few in flight, so
// the workspace's pace (not the database) sets the speed. The next batch is leased while this one goes
// out, so there is no pause between batches. Workspaces have lanes of their own: a slow or rate-limited
// one never holds up another.
//
// A lane leases only while its sender holds the workspace's pace (one sender posts to a workspace at a
// time). If another sender has it, or takes it over, the lane gives back what it leased and did not post,
// at once and with the attempt undone, and ends; the pass starts it again when that hold lapses.
// A lane reports what it did when it ends (LaneReport); the pass keeps the counts. docs/weekly-sender.md
// "Lane" and "Lease" place it in the pass.

export type Outcome = "sent" | "skipped" | "failed" | "retry";

export interface Leased {
  send: WeeklySend;
  context: WeeklyContext | undefined;
  /** Wall-clock ms when the lease was taken: a send is never posted once its lease may have run out. */
  leasedAt: number;
}

/** What one run of a lane did, for the pass to count. */
export interface LaneReport {
  /** Every send leased, in order (a send retried within the run is leased, and listed, again). */
  leased: WeeklySend[];
  /** The outcome of every delivery, in order. */
  settled: Array<{ send: WeeklySend; outcome: Outcome }>;
  /** Sends leased and never posted, given back because another sender holds the workspace. */
  givenBack: WeeklySend[];
}

/** The workspace's pace as a lane uses it (pacer.ts). */
export type LanePace = Pick<Pacer, "hold" | "release" | "wantedInFlight">;

export interface LaneDeps {
  store: Store;
  teamId: string;
  /** The pass's clock ("as of" instant plus the time the pass has taken). */
  clock: () => Date;
  leaseMs: number;
  batchSize: number;
  recentLimit: number;
  /**
   * The workspace's pace: `hold()` is true while this sender may post there; `release()` lets another
   * sender take it at once; `wantedInFlight()` is how many sends are under way at once (the lane starts
   * with that many and adds one, after a delivery, while it asks for more: slow Slack answers need more
   * in flight to keep the pace; it never drops below).
   */
  pace: LanePace;
  deliver: (item: Leased) => Promise<Outcome>;
  /**
   * Asked when nothing is free to lease: resolves true, after a short wait, while more sends may still
   * come (the pass is still claiming due reps), so the lane waits for them rather than ending.
   */
  moreComing: () => Promise<boolean>;
}

export class WorkspaceLane {
  private readonly queue: Leased[] = [];
  private busy = 0;
  private readonly report: LaneReport = { leased: [], settled: [], givenBack: [] };

  constructor(private readonly deps: LaneDeps) {}

  /** Sends leased and not yet delivered (how many slots the pacer may reserve ahead). */
  waiting(): number {
    return this.queue.length + this.busy;
  }

  /**
   * Delivers the workspace's pending sends until none is free to lease, or until another sender holds
   * the workspace (then what was leased and not posted is given back). Rejects with the first failure.
   */
  async run(): Promise<LaneReport> {
    const { pace } = this.deps;
    let filling: Promise<void> | undefined;
    let exhausted = false;
    let taken = false;
    const returned: Leased[] = [];
    // One lease at a time; every worker that runs dry waits for the same one.
    const fill = () => {
      filling ??= (async () => {
        if (!(await pace.hold())) {
          taken = exhausted = true;
          return;
        }
        const batch = await this.lease();
        if (batch.length > 0) this.queue.push(...batch);
        else if (!(await this.deps.moreComing())) exhausted = true;
      })().finally(() => {
        filling = undefined;
      });
      return filling;
    };
    await fill();
    const worker = async () => {
      for (;;) {
        // Lease the next batch while this one is still going out, so that there is no gap between them.
        // A failed early lease is simply tried again when the queue runs dry (and then it throws).
        if (!exhausted && this.queue.length < pace.wantedInFlight()) fill().catch(() => undefined);
        const item = this.queue.shift();
        if (item && taken) returned.push(item);
        else if (item) {
          this.busy++;
          try {
            this.report.settled.push({ send: item.send, outcome: await this.deps.deliver(item) });
          } catch (err) {
            if (!(err instanceof PaceTaken)) throw err;
            taken = exhausted = true;
            returned.push(item);
          } finally {
            this.busy--;
          }
          if (!exhausted && workers.length < pace.wantedInFlight()) start();
          continue;
        }
        if (exhausted) return;
        await fill();
      }
    };
    // A worker that fails stops the lane's leasing; the others finish what was leased, then the first
    // failure is the lane's.
    let failure: unknown;
    const workers: Promise<void>[] = [];
    const start = () => {
      workers.push(
        worker().catch((err) => {
          failure ??= err;
          exhausted = true;
        }),
      );
    };
    for (let i = pace.wantedInFlight(); i > 0; i--) start();
    // Workers may be added while these run: wait for every one, however many there end up.
    for (let i = 0; i < workers.length; i++) await workers[i];
    if (failure !== undefined) throw failure;
    if (!taken) {
      await pace.release();
      return this.report;
    }
    // A lease may have landed after the workers stopped: it goes back too.
    await filling?.catch(() => undefined);
    returned.push(...this.queue.splice(0));
    const givenBack = returned.map((item) => item.send);
    await this.deps.store.weekly.returnSends(givenBack);
    this.report.givenBack.push(...givenBack);
    return this.report;
  }

  private async lease(): Promise<Leased[]> {
    const { store, teamId } = this.deps;
    const sends = await store.weekly.claimPending(
      this.deps.clock(),
      this.deps.batchSize,
      this.deps.leaseMs,
      teamId,
    );
    const leasedAt = Date.now();
    if (sends.length === 0) return [];
    this.report.leased.push(...sends);
    const contexts = await store.weekly.contexts(
      teamId,
      sends.map((s) => s.userId),
      this.deps.recentLimit,
    );
    return sends.map((send) => ({ send, context: contexts.get(send.userId), leasedAt }));
  }
}
