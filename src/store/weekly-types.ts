import type { UserKey, UserSettings } from "./types.js";

// The part of the store the weekly reflection prompts use (issue 7). Reached as `store.weekly`.

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
}

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
   * each schedule to its next run. Returns the sends created.
   */
  claimDue(
    at: Date,
    limit: number,
    plan: (row: DueRow) => { week: string; nextRunAt: Date },
  ): Promise<WeeklySend[]>;
  /** Leases pending sends (new ones, and ones whose lease expired because a sender died). */
  claimPending(at: Date, limit: number, leaseMs: number): Promise<WeeklySend[]>;
  finishSend(
    key: UserKey,
    week: string,
    result: {
      status: WeeklySendStatus;
      channel?: string;
      ts?: string;
      promptId?: string;
      kind?: WeeklySend["kind"];
    },
  ): Promise<void>;
  /** Whether any send is still pending (leased or not). */
  hasPending(): Promise<boolean>;
  /** Gives a pending send back before its lease ends (a 429: try again after Retry-After). */
  releaseSend(key: UserKey, week: string, retryAt: Date): Promise<void>;
  /** The user's sends, newest first. */
  recentSends(key: UserKey, limit: number): Promise<WeeklySend[]>;
  markAnswered(key: UserKey, week: string, at: Date): Promise<boolean>;
  workspaceDefaults(teamId: string): Promise<{ day: number | null; time: string | null; tz: string | null }>;
  setWorkspaceDefaults(
    teamId: string,
    defaults: { day?: number; time?: string; tz?: string | null },
  ): Promise<void>;
}
