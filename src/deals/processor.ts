import type { Logger } from "../logger.js";
import type { DealHistoryEntry, InboxRow, NewNudge } from "../store/deal-types.js";
import type { Store } from "../store/types.js";
import { dealFields } from "./deal-fields.js";
import { forEachLimit } from "./limit.js";
import { situationText } from "./situation.js";
import { detectTriggers, followUpsDue, idleTrigger } from "./triggers.js";
import type { DealSnapshot, DealState, DealUpdate, Trigger } from "./types.js";

// Turns committed inbox rows into deal state and nudges. At-least-once processing with effects keyed so
// that a repeat is harmless (the nudge table's (source, deal, trigger key) is unique), and committed
// together with the row's completion, so that a process killed at any point leaves all of them or none.

export interface ProcessorDeps {
  store: Store;
  logger: Logger;
  now: () => Date;
  /** Completes a partial update from the CRM's API (owner email, deal fields); may throw to retry. */
  enrich: (update: DealUpdate) => Promise<DealUpdate>;
  /** CRM email -> Slack user id in a team, or null when it can't be mapped (yet). */
  resolveOwner: (teamId: string, email: string) => Promise<string | null>;
  idleBusinessDays: number;
  maxAttempts?: number;
  /** How long a claimed inbox row is held before another pass may take it (default a minute). */
  leaseMs?: number;
}

const TRACKED: Array<keyof DealSnapshot> = [
  "stage",
  "closeDate",
  "amount",
  "lastActivityAt",
  "status",
  "ownerEmail",
  "discountPercent",
];
const DEFAULT_LEASE_MS = 60_000;
const PARALLEL = 4;

function historyOf(before: DealSnapshot | undefined, after: DealSnapshot, at: Date): DealHistoryEntry[] {
  const entries: DealHistoryEntry[] = [];
  for (const field of TRACKED) {
    const old = before?.[field];
    const now = after[field];
    if (now !== undefined && String(now) !== String(old ?? "")) {
      entries.push({
        field,
        oldValue: old === undefined ? null : String(old),
        newValue: String(now),
        occurredAt: at,
      });
    }
  }
  return entries;
}

export function mergeTriggers(triggers: readonly Trigger[]): Trigger {
  const [first, ...rest] = triggers as [Trigger, ...Trigger[]];
  if (rest.length === 0) return first;
  return {
    kind: first.kind,
    themes: [...new Set(triggers.flatMap((t) => t.themes))],
    key: triggers.map((t) => t.key).join("+"),
    summary: first.summary,
  };
}

/** The update without the owner e-mails that were forgotten, as it is stored once processed. */
function withoutForgotten(update: DealUpdate, forgotten: { owner: boolean; previous: boolean }): DealUpdate {
  const { ownerEmail: _owner, ...anonymousDeal } = update.deal;
  const deal = forgotten.owner ? anonymousDeal : update.deal;
  if (!update.previous || !forgotten.previous) return { ...update, deal };
  const { ownerEmail: _previous, ...previous } = update.previous;
  return { ...update, deal, previous };
}

/** Retry after 5 s, 20 s, 80 s, ... capped at an hour. */
export function backoff(attempt: number, now: Date): Date {
  return new Date(now.getTime() + Math.min(3_600_000, 5_000 * 4 ** Math.max(0, attempt - 1)));
}

export class DealProcessor {
  constructor(private readonly deps: ProcessorDeps) {}

  /** One pass over due inbox rows; returns how many were handled (done or failed). */
  async processDue(limit = 50): Promise<number> {
    // At most one row per deal is claimed, so rows can be processed side by side without breaking a
    // deal's order; the CRM and Slack lookups of different deals overlap.
    const rows = await this.deps.store.deals.claimInbox(limit, this.deps.leaseMs ?? DEFAULT_LEASE_MS);
    await forEachLimit(rows, PARALLEL, (row) => this.processRow(row));
    return rows.length;
  }

  private async processRow(row: InboxRow): Promise<void> {
    const { store, logger } = this.deps;
    try {
      await this.apply(row);
    } catch (err) {
      const message = (err as Error).message;
      // The CRM's own words go to the inbox for operators, never to the log (CrmApiError.detail).
      const detail = (err as { detail?: unknown }).detail;
      const stored = typeof detail === "string" ? `${message}: ${detail}` : message;
      // A CRM answer that will never change (a 404, a malformed reply) is not worth retrying.
      const retryable = (err as { retryable?: boolean }).retryable !== false;
      const dead = !retryable || row.attempts >= (this.deps.maxAttempts ?? 5);
      await store.deals.failInbox(row.id, stored, dead ? null : backoff(row.attempts, this.deps.now()));
      logger.warn(
        { inbox: row.id, source: row.source, attempts: row.attempts, dead, err: { message } },
        "deal update failed",
      );
    }
  }

  private async apply(row: InboxRow): Promise<void> {
    const { store, now } = this.deps;
    const update = await this.deps.enrich(row.update);
    const existing = await store.deals.getDeal(update.source, update.deal.id);
    const occurredAt = new Date(update.occurredAt);
    // An update older than what we already applied (delivered out of order) must not roll the deal back.
    if (existing && existing.lastEventAt.getTime() > occurredAt.getTime()) {
      await store.deals.completeInbox(row.id);
      return;
    }
    const { triggers, after } = detectTriggers(update, existing?.state, now());
    // Lookups first (the owner's Slack id), then one transaction for the deal's new state, the nudges it
    // raises and the row's completion: were the state saved alone and the process killed before the
    // nudge, the replay would find the state already there, detect no change and nudge nobody.
    // An owner who asked to be forgotten is neither nudged nor kept: the deal goes on without their
    // e-mail, in its state, its history and the stored update (README "Forget"). A deal handed over from
    // them nudges its new owner as usual; only the stored update loses their e-mail.
    // The owner is looked up first: a lookup that finds a forgotten user suppresses that e-mail too.
    let history = historyOf(existing?.state.snapshot, after.snapshot, occurredAt);
    let nudges = await this.nudgesFor(row.teamId, after, triggers, update, history);
    const forgotten = {
      owner: await this.isForgotten(row.teamId, after.snapshot.ownerEmail),
      previous: await this.isForgotten(row.teamId, update.previous?.ownerEmail),
    };
    if (forgotten.owner) {
      nudges = [];
      delete after.snapshot.ownerEmail;
      history = historyOf(existing?.state.snapshot, after.snapshot, occurredAt);
    }
    await store.deals.applyUpdate({
      inboxId: row.id,
      teamId: row.teamId,
      deal: { state: after, lastEventAt: occurredAt, history },
      nudges,
      ...(forgotten.owner || forgotten.previous ? { storedUpdate: withoutForgotten(update, forgotten) } : {}),
    });
  }

  private async isForgotten(teamId: string, email: string | undefined): Promise<boolean> {
    return email !== undefined && email !== "" && this.deps.store.deals.isForgotten(teamId, { email });
  }

  /** Creates a nudge per trigger for the deal's owner (or waiting for one); returns how many were new. */
  async nudge(
    teamId: string,
    state: DealState,
    triggers: readonly Trigger[],
    update?: DealUpdate,
  ): Promise<number> {
    let created = 0;
    for (const nudge of await this.nudgesFor(teamId, state, triggers, update))
      if (await this.deps.store.deals.addNudge(nudge)) created++;
    return created;
  }

  /**
   * The nudges these triggers raise, addressed to the deal's owner once Slack has told us who that is.
   * `pending`: history this update adds, not stored yet (it is committed with the nudges).
   */
  private async nudgesFor(
    teamId: string,
    state: DealState,
    triggers: readonly Trigger[],
    update?: DealUpdate,
    pending: readonly DealHistoryEntry[] = [],
  ): Promise<NewNudge[]> {
    if (triggers.length === 0) return [];
    const history = [...(await this.deps.store.deals.dealHistory(state.source, state.dealId)), ...pending];
    const email = state.snapshot.ownerEmail?.toLowerCase() ?? null;
    const userId = email ? await this.deps.resolveOwner(teamId, email) : null;
    // No nudge waits under a forgotten owner's e-mail.
    if (email && !userId && (await this.deps.store.deals.isForgotten(teamId, { email }))) return [];
    // One change, one message: triggers raised together (moved to negotiation with no risk recorded)
    // become one nudge that leads with the most pressing one.
    const trigger = mergeTriggers(triggers);
    return [
      {
        teamId,
        userId,
        ownerEmail: email,
        source: state.source,
        dealId: state.dealId,
        dueAt: this.deps.now(),
        payload: {
          trigger,
          dealName: state.snapshot.name ?? state.dealId,
          situation: situationText(trigger, state.snapshot, update, state.closeDateMoves),
          stage: state.snapshot.stage,
          // The deal as it stood when the change was seen, so the nudge asks about that, even if sent later.
          deal: dealFields(state, history, this.deps.now()),
        },
      },
    ];
  }

  /** The periodic sweep: idle deals and the won +30 / +90 day follow-ups. */
  async sweep(): Promise<number> {
    const now = this.deps.now();
    let created = 0;
    for (const { teamId, state } of await this.deps.store.deals.allDeals()) {
      const due: Trigger[] = [...followUpsDue(state, now)];
      const idle =
        state.snapshot.status === "open" || state.snapshot.status === undefined
          ? idleTrigger(state, now, this.deps.idleBusinessDays)
          : undefined;
      if (idle) due.push(idle);
      created += await this.nudge(teamId, state, due);
    }
    return created;
  }
}
