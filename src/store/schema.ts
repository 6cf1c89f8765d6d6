import type { ColumnType, Generated } from "kysely";

// Row types for Kysely, mirroring migrations/*.sql. Timestamps come back as Date (pg parses
// timestamptz); jsonb goes in as JSON text and comes back parsed.

type Timestamp = ColumnType<Date, Date, Date>;
type Json = ColumnType<unknown, string, string>;

export interface UsersTable {
  team_id: string;
  user_id: string;
  tz: string | null;
  settings: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AskedQuestionsTable {
  id: Generated<string>;
  team_id: string;
  user_id: string;
  question_id: string;
  theme: string;
  surface: string;
  thread_key: string | null;
  asked_at: Timestamp;
}

export interface ReflectionsTable {
  id: string;
  team_id: string;
  user_id: string;
  question_id: string | null;
  question_text: string;
  answer: string;
  created_at: Timestamp;
}

export interface FeedbackTable {
  team_id: string;
  user_id: string;
  question_id: string;
  helpful: boolean;
  updated_at: Timestamp;
}

export interface ProcessedEventsTable {
  id: string;
  seen_at: Timestamp;
}

export interface InstallationsTable {
  install_key: string;
  data: string;
  updated_at: Timestamp;
  /** A token refresh under way until then (migrations/009_installation_refresh.sql). */
  refreshing_until: Date | null;
}

export interface Database extends DealTables, WeeklyTables, LinkTables {
  users: UsersTable;
  asked_questions: AskedQuestionsTable;
  reflections: ReflectionsTable;
  feedback: FeedbackTable;
  processed_events: ProcessedEventsTable;
  installations: InstallationsTable;
  forgotten: ForgottenTable;
  store_keys: StoreKeysTable;
  at_rest_key: AtRestKeyTable;
  llm_usage: LlmUsageTable;
}

/** migrations/011_llm_usage.sql: the model's tokens per workspace and UTC day ("2026-12-03"). */
export interface LlmUsageTable {
  team_id: string;
  day: ColumnType<string, string, string>;
  tokens: ColumnType<string, number, number>;
}

/** migrations/010_at_rest.sql: proves the key at start (src/store/at-rest-setup.ts). */
export interface AtRestKeyTable {
  id: number;
  key_check: string;
  created_at: Timestamp;
}

// --- forget (migrations/007_forget.sql) ---

/** Keyed hashes of the Slack ids and CRM e-mails of users who asked to be forgotten. */
export interface ForgottenTable {
  team_id: string;
  digest: string;
  created_at: Timestamp;
}

export interface StoreKeysTable {
  name: string;
  /** base64 */
  secret: string;
  created_at: Timestamp;
}

// --- deal updates (migrations/002_deals.sql) ---

export interface DealInboxTable {
  id: Generated<string>;
  source: string;
  event_id: string;
  team_id: string;
  deal_key: string;
  occurred_at: Timestamp;
  received_at: Timestamp;
  payload: Json;
  status: Generated<string>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: Timestamp | null;
  last_error: string | null;
}

export interface DealsTable {
  source: string;
  deal_id: string;
  team_id: string;
  state: Json;
  last_event_at: Timestamp;
  updated_at: Timestamp;
}

export interface DealHistoryTable {
  id: Generated<string>;
  source: string;
  deal_id: string;
  field: string;
  old_value: string | null;
  new_value: string | null;
  occurred_at: Timestamp;
}

export interface OwnerLinksTable {
  team_id: string;
  email: string;
  user_id: string;
  origin: string;
  updated_at: Timestamp;
}

export interface NudgesTable {
  id: Generated<string>;
  team_id: string;
  user_id: string | null;
  owner_email: string | null;
  source: string;
  deal_id: string;
  trigger_key: string;
  payload: Json;
  status: string;
  due_at: Timestamp;
  locked_until: Timestamp | null;
  defer_reason: string | null;
  sent_at: Timestamp | null;
  created_at: Timestamp;
  /** Set just before the Web API call (migrations/005_nudge_posting.sql). */
  posting_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface DealPrefsTable {
  team_id: string;
  user_id: string;
  source: string;
  deal_id: string;
  snoozed_until: Timestamp | null;
  muted: Generated<boolean>;
}

export interface DealChannelsTable {
  team_id: string;
  channel_id: string;
  added_by: string | null;
  created_at: Timestamp;
}

/** migrations/008_nudge_choice.sql: the nudge that carried each rep's invitation or first-nudge notice. */
export interface NudgeIntrosTable {
  team_id: string;
  user_id: string;
  invite_nudge_id: string | null;
  invited_at: Timestamp | null;
  notice_nudge_id: string | null;
  noticed_at: Timestamp | null;
}

export interface DealTables {
  deal_inbox: DealInboxTable;
  deals: DealsTable;
  deal_history: DealHistoryTable;
  owner_links: OwnerLinksTable;
  nudges: NudgesTable;
  deal_prefs: DealPrefsTable;
  deal_channels: DealChannelsTable;
  nudge_intros: NudgeIntrosTable;
}

// --- weekly reflection prompts (migrations/003_weekly.sql) ---

export interface WeeklySchedulesTable {
  team_id: string;
  user_id: string;
  enabled: boolean;
  next_run_at: Timestamp | null;
  snoozed_until: Timestamp | null;
  skip_week: string | null;
  unanswered: Generated<number>;
  awaiting_choice: Generated<boolean>;
  invited_at: Timestamp | null;
  updated_at: Timestamp;
}

export interface WeeklySendsTable {
  team_id: string;
  user_id: string;
  iso_week: string;
  status: string;
  kind: Generated<string>;
  prompt_id: string | null;
  due_at: Timestamp;
  attempts: Generated<number>;
  locked_until: Timestamp | null;
  channel: string | null;
  ts: string | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
  answered_at: Timestamp | null;
}

export interface WorkspaceSettingsTable {
  team_id: string;
  weekly_day: number | null;
  weekly_time: string | null;
  default_tz: string | null;
  updated_at: Timestamp;
  /** migrations/008_nudge_choice.sql */
  nudges_default_on: Generated<boolean>;
}

/** migrations/004_weekly_delivery.sql: each workspace's next free chat.postMessage slot. */
export interface WeeklyPaceTable {
  team_id: string;
  next_at: Timestamp;
  holder: string | null;
  prev_holder: string | null;
}

export interface WeeklyTables {
  weekly_schedules: WeeklySchedulesTable;
  weekly_sends: WeeklySendsTable;
  workspace_settings: WorkspaceSettingsTable;
  weekly_pace: WeeklyPaceTable;
}

// --- who may link a CRM e-mail (migrations/006_link_requests.sql) ---

export interface LinkRequestsTable {
  team_id: string;
  email: string;
  user_id: string;
  requested_at: Timestamp;
}

export interface OwnerUnlinksTable {
  team_id: string;
  email: string;
  user_id: string;
  created_at: Timestamp;
}

export interface LinkTables {
  link_requests: LinkRequestsTable;
  owner_unlinks: OwnerUnlinksTable;
}
