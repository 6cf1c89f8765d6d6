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
}

export interface Database {
  users: UsersTable;
  asked_questions: AskedQuestionsTable;
  reflections: ReflectionsTable;
  feedback: FeedbackTable;
  processed_events: ProcessedEventsTable;
  installations: InstallationsTable;
}
