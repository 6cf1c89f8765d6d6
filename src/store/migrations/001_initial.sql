-- Deal Coach's first schema. Kept within PostgreSQL 15 (CI's Debian server); PGlite runs newer.
-- Timestamps are written by the app's clock; the defaults only cover hand-made rows.

CREATE TABLE users (
  team_id    text        NOT NULL,
  user_id    text        NOT NULL,
  tz         text,
  settings   jsonb       NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (team_id, user_id)
);

-- One row per question put to a user. The identity orders rows written in the same instant.
CREATE TABLE asked_questions (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id     text        NOT NULL,
  user_id     text        NOT NULL,
  question_id text        NOT NULL,
  theme       text        NOT NULL,
  surface     text        NOT NULL,
  thread_key  text,
  asked_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX asked_questions_recent_by_user ON asked_questions (team_id, user_id, asked_at DESC);
CREATE INDEX asked_questions_by_thread ON asked_questions (team_id, user_id, thread_key)
  WHERE thread_key IS NOT NULL;

-- Private: only ever read back for their author (team_id, user_id).
CREATE TABLE reflections (
  id            text        PRIMARY KEY,
  team_id       text        NOT NULL,
  user_id       text        NOT NULL,
  question_id   text,
  question_text text        NOT NULL,
  answer        text        NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reflections_by_author ON reflections (team_id, user_id, created_at DESC);

CREATE TABLE feedback (
  team_id     text        NOT NULL,
  user_id     text        NOT NULL,
  question_id text        NOT NULL,
  helpful     boolean     NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (team_id, user_id, question_id)
);

-- Delivery ids already handled (Slack event_id, channel+ts). Pruned by age; see sql-store.ts.
CREATE TABLE processed_events (
  id      text        PRIMARY KEY,
  seen_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX processed_events_by_age ON processed_events (seen_at);

-- Opaque, already-encrypted installation JSON, keyed by enterprise id or team id.
CREATE TABLE installations (
  install_key text        PRIMARY KEY,
  data        text        NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
