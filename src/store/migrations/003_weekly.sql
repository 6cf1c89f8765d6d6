-- Weekly reflection prompts (docs/architecture.md, "Journey 3"). Kept within PostgreSQL 15.

-- When each opted-in rep's next prompt is due. The day and local time live in users.settings.weekly;
-- this is the run state: next_run_at is claimed with FOR UPDATE SKIP LOCKED by the sender.
CREATE TABLE weekly_schedules (
  team_id         text        NOT NULL,
  user_id         text        NOT NULL,
  enabled         boolean     NOT NULL,
  next_run_at     timestamptz,
  snoozed_until   timestamptz,
  skip_week       text,
  unanswered      integer     NOT NULL DEFAULT 0,
  -- After 3 unanswered weeks the rep is asked whether to keep going; nothing is sent until they choose.
  awaiting_choice boolean     NOT NULL DEFAULT false,
  invited_at      timestamptz,
  updated_at      timestamptz NOT NULL,
  PRIMARY KEY (team_id, user_id)
);
CREATE INDEX weekly_schedules_due ON weekly_schedules (next_run_at) WHERE enabled AND NOT awaiting_choice;

-- Exactly once: one row per rep and ISO week, written (pending) before the Web API call, then sent.
-- status: pending | sent | skipped | failed. A pending row whose lease expired is picked up again, and
-- the sender first looks for the prompt's metadata in the DM before sending.
CREATE TABLE weekly_sends (
  team_id      text        NOT NULL,
  user_id      text        NOT NULL,
  iso_week     text        NOT NULL,
  status       text        NOT NULL,
  kind         text        NOT NULL DEFAULT 'prompt',
  prompt_id    text,
  due_at       timestamptz NOT NULL,
  attempts     integer     NOT NULL DEFAULT 0,
  locked_until timestamptz,
  channel      text,
  ts           text,
  created_at   timestamptz NOT NULL,
  sent_at      timestamptz,
  answered_at  timestamptz,
  PRIMARY KEY (team_id, user_id, iso_week)
);
CREATE INDEX weekly_sends_pending ON weekly_sends (status, locked_until);

-- A workspace's defaults, set by an admin.
CREATE TABLE workspace_settings (
  team_id     text        PRIMARY KEY,
  weekly_day  integer,
  weekly_time text,
  default_tz  text,
  updated_at  timestamptz NOT NULL
);
