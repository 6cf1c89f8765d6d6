import type { DealState } from "../domain/deal-update.js";
import type { UserKey, UserSettings } from "./types.js";

// The part of the store the weekly reflection prompts use (docs/architecture.md, "Journey 3"). Reached as `store.weekly`.

export interface WeeklySchedule extends UserKey {
  enabled: boolean;
  nextRunAt: Date | null;
  snoozedUntil: Date | null;
  skipWeek: string | null;
  unanswered: number;
  awaitingChoice: boolean;
  invitedAt: Date | null;
}

export type WeeklySendStatus = "pending" | "sent" | "skipped" | "failed";

export interface WeeklySend extends UserKey {
  week: string;
  status: WeeklySendStatus;
  kind: "prompt" | "keep_going";
  promptId: string | null;
  dueAt: Date;
  attempts: number;
  channel: string | null;
  ts: string | null;
  sentAt: Date | null;
  answeredAt: Date | null;
}

/** What the claim needs to know to plan a rep's week: their settings and timezone. */
export interface DueRow extends WeeklySchedule {
  tz: string | null;
  settings: UserSettings;
  /** The workspace's default timezone (set by an admin), for reps whose own is missing or invalid. */
  workspaceTz: string | null;
}

/** Everything composing one rep's prompt reads, loaded for a whole leased batch in a few statements. */
export interface WeeklyContext {
  schedule: WeeklySchedule | undefined;
  /** The rep's sends, newest first, up to the limit asked for. */
  recentSends: WeeklySend[];
  /** Their latest reflection answer (quoted back), if any. */
  lastAnswer: { text: string; at: Date } | null;
  /** Deals they own through owner links, most recently changed first. */
  deals: Array<{ state: DealState; lastEventAt: Date }>;
}

/** How one leased send ended, written with others in one statement. */
export interface SendFinish extends UserKey {
  week: string;
  status: WeeklySendStatus;
  channel?: string;
  ts?: string;
  promptId?: string;
  kind?: WeeklySend["kind"];
  /** Schedule changes that go with it: the unanswered count, waiting on the 3-week question. */
  schedule?: { unanswered?: number; awaitingChoice?: boolean };
}

/** A pace reservation: slots, or (another sender holds the workspace) when that sender's hold lapses. */
export type PaceReservation =
  | { start: Date; previousHolder: string | null }
  | { start: null; holder: string; freeAt: Date };

export interface WeeklyStore {
  getSchedule(key: UserKey): Promise<WeeklySchedule | undefined>;
  /** Creates or updates the schedule; fields left out keep their value. */
  saveSchedule(
    key: UserKey,
    patch: Partial<Omit<WeeklySchedule, "teamId" | "userId">>,
  ): Promise<WeeklySchedule>;
  /** Records the one invitation; false when the user was already invited (it is never repeated). */
  markInvited(key: UserKey): Promise<boolean>;
  /** Opted-in reps whose next run is at or before `at`, earliest first (for `deal-coach weekly due`). */
  due(at: Date, limit?: number): Promise<DueRow[]>;
  /**
   * In one transaction, locks due schedules (FOR UPDATE SKIP LOCKED, so another sender takes others),
   * writes a pending send per rep and ISO week (a row that exists already is kept as it is), and moves
   * each schedule to its next run. Returns how many schedules it claimed and how many sends it created.
   */
  claimDue(
    at: Date,
    limit: number,
    plan: (row: DueRow) => { week: string; nextRunAt: Date },
  ): Promise<{ claimed: number; created: number }>;
  /**
   * Leases pending sends (new ones, and ones whose lease expired because a sender died), earliest due
   * first; only the given workspace's when `teamId` is set. Each lease adds one to `attempts`.
   */
  claimPending(at: Date, limit: number, leaseMs: number, teamId?: string): Promise<WeeklySend[]>;
  /** Workspaces with a pending send that is free to lease at `at`. */
  pendingTeams(at: Date): Promise<string[]>;
  /** How many pending sends are free to lease at `at` (what the claimer keeps a little ahead of). */
  pendingCount(at: Date): Promise<number>;
  /** The context of each given rep of one workspace (keyed by user id); a rep with no schedule is left out. */
  contexts(teamId: string, userIds: string[], recentLimit: number): Promise<Map<string, WeeklyContext>>;
  /** Ends several leased sends at once, with their schedule changes, in one transaction. */
  finishSends(finishes: SendFinish[]): Promise<void>;
  /**
   * Reserves `count` consecutive chat.postMessage slots `intervalMs` apart in the workspace's pace, shared
   * by every sender process, for `holder`. Returns the first slot's instant (never before `now`) and who
   * reserved the slots just before these (null if nobody yet).
   *
   * With `keepMs`, the workspace is held by one sender at a time: while another holder's pace is less
   * than `keepMs` behind `now` (it is still posting), nothing is reserved, and the answer says when that
   * hold lapses if it is not renewed.
   */
  reservePace(
    teamId: string,
    holder: string,
    count: number,
    intervalMs: number,
    now: Date,
    keepMs?: number,
  ): Promise<PaceReservation>;
  /** Ends `holder`'s hold on the workspace's pace, so another sender may reserve at once. */
  releasePace(teamId: string, holder: string): Promise<void>;
  /** Slack answered 429: no sender posts to this workspace before `until`. */
  pausePace(teamId: string, until: Date): Promise<void>;
  /** Whether any send is still pending (leased or not). */
  hasPending(): Promise<boolean>;
  /** Gives a pending send back before its lease ends (a 429: try again after Retry-After). */
  releaseSend(key: UserKey, week: string, retryAt: Date): Promise<void>;
  /**
   * Undoes leases that were never used (nothing was posted): each send is free again at once, with its
   * attempt taken back. A send leased again by anyone since (its attempts moved on) is left alone.
   */
  returnSends(sends: WeeklySend[]): Promise<void>;
  /** The user's sends, newest first. */
  recentSends(key: UserKey, limit: number): Promise<WeeklySend[]>;
  markAnswered(key: UserKey, week: string, at: Date): Promise<boolean>;
  workspaceDefaults(teamId: string): Promise<{ day: number | null; time: string | null; tz: string | null }>;
  setWorkspaceDefaults(
    teamId: string,
    defaults: { day?: number; time?: string; tz?: string | null },
  ): Promise<void>;
}
