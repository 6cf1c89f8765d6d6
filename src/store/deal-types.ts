import type { DealFields } from "../coaching/deal.js";
import type { DealSource, DealState, DealUpdate, Trigger } from "../domain/deal-update.js";
import type { OwnerLinkStore } from "./link-types.js";

// The part of the store that deal updates use (docs/architecture.md, "Journey 2"). Reached as `store.deals`.

export type InboxStatus = "pending" | "processing" | "done" | "dead";

export interface InboxRow {
  id: string;
  source: DealSource;
  eventId: string;
  teamId: string;
  dealKey: string;
  occurredAt: Date;
  receivedAt: Date;
  update: DealUpdate;
  status: InboxStatus;
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
}

/** awaiting_choice: held until the rep chooses whether they want nudges (README "Deal nudges"). */
export type NudgeStatus =
  | "waiting_owner"
  | "pending"
  | "sending"
  | "awaiting_choice"
  | "sent"
  | "skipped"
  | "failed";

/** The one-time introduction to nudges a rep gets: the invitation, or the notice on a default-on first nudge. */
export type NudgeIntroKind = "invitation" | "notice";

export interface NudgeIntro {
  inviteNudgeId: string | null;
  noticeNudgeId: string | null;
}

/** What a nudge needs to be rendered later, whatever happens to the deal meanwhile. */
export interface NudgePayload {
  trigger: Trigger;
  dealName: string;
  /** Text for the coach: the note and a description of the change. */
  situation: string;
  stage?: string;
  /** The deal's structured fields for the coach; absent on nudges stored before they were kept. */
  deal?: DealFields;
  /** Where to post: a deal channel's thread instead of the owner's DM. */
  channel?: string;
  threadTs?: string;
}

export interface NudgeRow {
  id: string;
  teamId: string;
  userId: string | null;
  ownerEmail: string | null;
  source: DealSource;
  dealId: string;
  triggerKey: string;
  payload: NudgePayload;
  status: NudgeStatus;
  dueAt: Date;
  deferReason: string | null;
  sentAt: Date | null;
  /** When a post of this nudge was last begun; set means it may be in Slack already. */
  postingAt: Date | null;
}

/** A nudge to insert; (source, dealId, payload.trigger.key) makes it unique. */
export interface NewNudge {
  teamId: string;
  userId: string | null;
  ownerEmail: string | null;
  source: DealSource;
  dealId: string;
  payload: NudgePayload;
  dueAt: Date;
}

/** Everything one processed inbox row changes, committed together or not at all. */
export interface AppliedUpdate {
  inboxId: string;
  teamId: string;
  /** Absent when the update changes nothing (an older update delivered late): only the row completes. */
  deal?: { state: DealState; lastEventAt: Date; history: readonly DealHistoryEntry[] };
  nudges: readonly NewNudge[];
  /** Replaces the inbox row's update as stored (the owner's e-mail taken out: they asked to be forgotten). */
  storedUpdate?: DealUpdate;
}

export interface DealHistoryEntry {
  field: string;
  oldValue: string | null;
  newValue: string | null;
  occurredAt: Date;
}

export interface DealStore {
  /** Who may link a CRM e-mail: requests, approvals, unlinks (see link-types.ts). */
  readonly links: OwnerLinkStore;
  /** Commits verified updates to the inbox in one transaction; a (source, event id) seen before is a duplicate. */
  accept(teamId: string, updates: readonly DealUpdate[]): Promise<{ accepted: number; duplicates: number }>;
  /**
   * Leases up to `limit` due inbox rows, oldest occurrence first, at most one per deal so that a deal's
   * updates are processed in order. A lease that expires (the process died) makes the row due again.
   */
  claimInbox(limit: number, leaseMs: number): Promise<InboxRow[]>;
  completeInbox(id: string): Promise<void>;
  /**
   * In one transaction: saves the deal and its history, inserts its nudges (a repeat of one is
   * ignored) and marks the inbox row done, so that a crash leaves either all of it or none. Returns how
   * many nudges were new.
   */
  applyUpdate(applied: AppliedUpdate): Promise<number>;
  /** Records a failed attempt: due again at `retryAt`, or dead when `retryAt` is null. */
  failInbox(id: string, error: string, retryAt: Date | null): Promise<void>;
  listInbox(statuses: readonly InboxStatus[]): Promise<InboxRow[]>;
  /** Makes a dead (or done) row pending again; false when there is no such row. */
  replayInbox(id: string): Promise<boolean>;

  getDeal(source: DealSource, dealId: string): Promise<{ state: DealState; lastEventAt: Date } | undefined>;
  /** A deal of this team only (a link pasted in one workspace never reads another's deal). */
  teamDeal(teamId: string, source: DealSource, dealId: string): Promise<DealState | undefined>;
  saveDeal(
    teamId: string,
    state: DealState,
    lastEventAt: Date,
    history: readonly DealHistoryEntry[],
  ): Promise<void>;
  dealHistory(source: DealSource, dealId: string): Promise<DealHistoryEntry[]>;
  /** Every deal with its team, for the periodic sweep (idle deals, won follow-ups). */
  allDeals(): Promise<Array<{ teamId: string; state: DealState }>>;

  ownerLink(
    teamId: string,
    email: string,
  ): Promise<{ userId: string; origin: "link" | "approved" | "lookup" } | undefined>;
  /**
   * Saves a link as is (tests, and the lookup cache: a lookup never overwrites a confirmed link).
   * `/coach link` goes through `links.claim`, which never replaces another user's confirmed link.
   * A link (origin "link") ends a forget's suppression of the e-mail and the user: they chose to be
   * linked again. A lookup of a forgotten e-mail or user is not saved.
   */
  saveOwnerLink(teamId: string, email: string, userId: string, origin: "link" | "lookup"): Promise<void>;
  /** Whether /coach forget has suppressed this CRM e-mail or Slack user (until they link again). */
  isForgotten(teamId: string, who: { email?: string; userId?: string }): Promise<boolean>;
  /** Suppresses another CRM e-mail of a forgotten user (a lookup found it is theirs). */
  forgetEmail(teamId: string, email: string): Promise<void>;

  /** Inserts a nudge unless one exists for (source, deal, trigger key); says whether it was new. */
  addNudge(nudge: NewNudge): Promise<boolean>;
  claimDueNudges(limit: number, leaseMs: number): Promise<NudgeRow[]>;
  /** Records that a post is about to be made (see NudgeRow.postingAt). */
  markNudgePosting(id: string): Promise<void>;
  deferNudge(id: string, until: Date, reason: string): Promise<void>;
  finishNudge(id: string, status: "sent" | "skipped" | "failed", reason?: string): Promise<void>;
  /** Nudges sent to a user since an instant (for the daily and weekly caps). */
  countSent(teamId: string, userId: string, since: Date): Promise<number>;
  /** Nudges whose owner could not be mapped to a Slack user yet. */
  waitingForOwner(teamId: string): Promise<NudgeRow[]>;
  /** Hands waiting nudges for this email to the user; returns how many. */
  assignOwner(teamId: string, email: string, userId: string): Promise<number>;

  dealPref(
    teamId: string,
    userId: string,
    source: DealSource,
    dealId: string,
  ): Promise<{ snoozedUntil: Date | null; muted: boolean }>;
  setDealPref(
    teamId: string,
    userId: string,
    source: DealSource,
    dealId: string,
    pref: { snoozedUntil?: Date | null; muted?: boolean },
  ): Promise<void>;

  /** Deals whose owner email is linked to this Slack user (for the weekly prompt's view of their week). */
  dealsOwnedBy(teamId: string, userId: string): Promise<Array<{ state: DealState; lastEventAt: Date }>>;
  dealChannels(teamId: string): Promise<string[]>;
  setDealChannel(teamId: string, channelId: string, on: boolean, userId?: string): Promise<void>;

  /**
   * Claims the rep's one-time introduction of this kind for a nudge. True when it is this nudge's (newly,
   * or already: a retry of the same nudge); false when another nudge has it.
   */
  claimNudgeIntro(teamId: string, userId: string, nudgeId: string, kind: NudgeIntroKind): Promise<boolean>;
  nudgeIntro(teamId: string, userId: string): Promise<NudgeIntro | undefined>;
  /** Holds a nudge until its rep chooses (status awaiting_choice). */
  holdNudge(id: string): Promise<void>;
  /**
   * The rep chose: held nudges created since `freshSince` become due now, older ones are skipped (when
   * `keep`); or all of them are skipped. Returns how many were released.
   */
  settleHeldNudges(teamId: string, userId: string, keep: boolean, freshSince: Date): Promise<number>;
  /** Whether an admin made nudges on by default in this workspace. */
  nudgesDefaultOn(teamId: string): Promise<boolean>;
  setNudgesDefaultOn(teamId: string, on: boolean): Promise<void>;
  forgetTeam(teamId: string): Promise<void>;
}
