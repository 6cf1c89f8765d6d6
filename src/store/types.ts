import type { DealStore } from "./deal-types.js";
import type { WeeklyStore } from "./weekly-types.js";

// The store's interface. Two implementations share it through one pg.Pool code path: embedded PGlite
// (default, DATA_DIR) and PostgreSQL (DATABASE_URL). Slack listeners, the CLI and jobs use only this.

export interface UserKey {
  teamId: string;
  userId: string;
}

/** Day of week for the weekly reflection, ISO numbering: 1 = Monday ... 7 = Sunday. */
export type IsoWeekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface UserSettings {
  weekly: { enabled: boolean; day: IsoWeekday; time: string /* "HH:MM" local */ };
  /**
   * Deal nudges: true or false once the rep has chosen; null until then (they get a one-time invitation,
   * or the workspace default when an admin made nudges on by default). See README "Deal nudges".
   */
  nudges: boolean | null;
  /** Local quiet hours; null means use the workspace default. "off" is { start: "00:00", end: "00:00" }. */
  quietHours: { start: string; end: string } | null;
}

export const DEFAULT_SETTINGS: UserSettings = {
  weekly: { enabled: false, day: 5, time: "15:00" },
  nudges: null,
  quietHours: null,
};

export interface UserRecord extends UserKey {
  tz: string | null;
  settings: UserSettings;
  createdAt: Date;
}

/** Where a question was asked: the surfaces of the app. */
export type Surface = "command" | "mention" | "dm" | "nudge" | "weekly" | "action";

export interface AskedEntry {
  questionId: string;
  theme: string;
  surface: Surface;
  /** A conversation the question belongs to ("C123:1700000000.0001"), for "never repeat in this thread". */
  threadKey?: string;
}

export interface ReflectionRecord {
  id: string;
  teamId: string;
  userId: string;
  questionId: string | null;
  questionText: string;
  answer: string;
  createdAt: Date;
}

/** What /coach forget deleted, in rows of each kind (README "Forget"). */
export interface ForgetReport {
  /** Their settings and time zone (the users row). */
  settings: number;
  questions: number;
  reflections: number;
  feedback: number;
  /** Their weekly reflection schedule and the record of prompts sent to them. */
  weekly: number;
  /** CRM e-mails linked to them. */
  crmLinks: number;
  /** Deals whose CRM owner they were, with the deals' history and CRM updates below. */
  deals: number;
  dealHistory: number;
  dealUpdates: number;
  nudges: number;
  /** Per-deal snooze and mute. */
  dealPrefs: number;
  /** Rows kept with their id or e-mail removed: deal channels they added, other deals naming them. */
  cleared: number;
}

/** Tokens spent on the model per workspace and UTC day ("YYYY-MM-DD"), for LLM_DAILY_TOKEN_CAP. */
export interface TokenLedger {
  spent(teamId: string, day: string): Promise<number>;
  add(teamId: string, day: string, tokens: number): Promise<void>;
}

export interface Store {
  readonly kind: "pglite" | "postgres";
  /** The model's daily token count per workspace (docs/llm.md "Token cap"). */
  readonly llmTokens: TokenLedger;
  /** Deal updates: inbox, deals, owners, nudges (docs/architecture.md, "Journey 2"). */
  readonly deals: DealStore;
  /** Weekly reflection prompts: schedules and exactly-once sends (docs/architecture.md, "Journey 3"). */
  readonly weekly: WeeklyStore;

  getUser(key: UserKey): Promise<UserRecord | undefined>;
  /** Creates the user on first contact; merges a partial settings patch (weekly merged field by field). */
  upsertUser(
    key: UserKey,
    patch?: { tz?: string | null; settings?: Partial<UserSettings> },
  ): Promise<UserRecord>;

  recordAsked(key: UserKey, entries: readonly AskedEntry[]): Promise<void>;
  /** Question ids asked of this user, most recent first; within one thread when threadKey is given. */
  recentQuestionIds(
    key: UserKey,
    options?: { sinceDays?: number; threadKey?: string; limit?: number },
  ): Promise<string[]>;

  addReflection(
    key: UserKey,
    reflection: { questionId?: string | null; questionText: string; answer: string },
  ): Promise<string>;
  /** The user's own reflections, newest first. There is deliberately no way to list another user's. */
  listReflections(key: UserKey, limit?: number): Promise<ReflectionRecord[]>;

  /** One verdict per user and question; a second click replaces the first. */
  recordFeedback(key: UserKey, questionId: string, helpful: boolean): Promise<void>;
  userStats(key: UserKey): Promise<{ asked: number; answered: number; helpful: number; notHelpful: number }>;

  /** Records an id (event_id, channel+ts, ...) and says whether this is its first sighting. */
  claimOnce(id: string): Promise<boolean>;

  /**
   * Deletes everything stored about one user in one transaction, keeping only hashes that stop CRM
   * events from linking or nudging them again, and says how many rows of each kind went.
   */
  forgetUser(key: UserKey): Promise<ForgetReport>;
  /** Deletes every user's data and the installation of a team (app_uninstalled). */
  forgetTeam(teamId: string): Promise<void>;

  /** Installation rows are opaque, already-encrypted JSON, keyed by enterprise id or team id. */
  saveInstallation(installKey: string, encrypted: string): Promise<void>;
  fetchInstallation(installKey: string): Promise<string | undefined>;
  deleteInstallation(installKey: string): Promise<void>;
  /**
   * Token rotation, across processes: takes the refresh lease of an installation whose record is still
   * `current`, unless another holder's lease runs. False when the record changed or the lease is held.
   */
  claimInstallationRefresh(installKey: string, current: string, leaseMs: number): Promise<boolean>;
  /** Replaces the record with `next` and ends the lease, only if it is still `current`. */
  finishInstallationRefresh(installKey: string, current: string, next: string): Promise<boolean>;
  /** Ends the lease without a new record (the refresh failed). */
  releaseInstallationRefresh(installKey: string, current: string): Promise<void>;

  close(): Promise<void>;
}
