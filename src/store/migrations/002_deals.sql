-- Deal updates (docs/architecture.md, "Journey 2"): the durable inbox, deals with their history, owner mapping, nudges and the
-- per-deal snooze / mute of each rep. Kept within PostgreSQL 15.

-- A verified delivery is committed here before the webhook answers 2xx, then processed asynchronously.
-- status: pending -> processing (leased until locked_until) -> done | dead. A crash leaves a lease that
-- expires, so the row is processed again: the effects below are keyed so that repeating is harmless.
CREATE TABLE deal_inbox (
  id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source          text        NOT NULL,
  event_id        text        NOT NULL,
  team_id         text        NOT NULL,
  deal_key        text        NOT NULL,
  occurred_at     timestamptz NOT NULL,
  received_at     timestamptz NOT NULL,
  payload         jsonb       NOT NULL,
  status          text        NOT NULL DEFAULT 'pending',
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  locked_until    timestamptz,
  last_error      text,
  UNIQUE (source, event_id)
);
CREATE INDEX deal_inbox_due ON deal_inbox (status, next_attempt_at);
CREATE INDEX deal_inbox_by_deal ON deal_inbox (deal_key, occurred_at);

CREATE TABLE deals (
  source       text        NOT NULL,
  deal_id      text        NOT NULL,
  team_id      text        NOT NULL,
  state        jsonb       NOT NULL,
  last_event_at timestamptz NOT NULL,
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (source, deal_id)
);

-- What changed and when: stage changes, close-date moves, amount changes, activity.
CREATE TABLE deal_history (
  id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source      text        NOT NULL,
  deal_id     text        NOT NULL,
  field       text        NOT NULL,
  old_value   text,
  new_value   text,
  occurred_at timestamptz NOT NULL
);
CREATE INDEX deal_history_by_deal ON deal_history (source, deal_id, occurred_at);

-- CRM email -> Slack user. 'link' rows come from /coach link and win over 'lookup' rows, which cache
-- users.lookupByEmail.
CREATE TABLE owner_links (
  team_id    text        NOT NULL,
  email      text        NOT NULL,
  user_id    text        NOT NULL,
  origin     text        NOT NULL,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (team_id, email)
);
CREATE INDEX owner_links_by_user ON owner_links (team_id, user_id);

-- One nudge per deal per trigger. status: waiting_owner | pending | sending | sent | skipped | failed.
CREATE TABLE nudges (
  id           bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  team_id      text        NOT NULL,
  user_id      text,
  owner_email  text,
  source       text        NOT NULL,
  deal_id      text        NOT NULL,
  trigger_key  text        NOT NULL,
  payload      jsonb       NOT NULL,
  status       text        NOT NULL,
  due_at       timestamptz NOT NULL,
  locked_until timestamptz,
  defer_reason text,
  sent_at      timestamptz,
  created_at   timestamptz NOT NULL,
  UNIQUE (source, deal_id, trigger_key)
);
CREATE INDEX nudges_due ON nudges (status, due_at);
CREATE INDEX nudges_sent_by_user ON nudges (team_id, user_id, sent_at);

CREATE TABLE deal_prefs (
  team_id       text        NOT NULL,
  user_id       text        NOT NULL,
  source        text        NOT NULL,
  deal_id       text        NOT NULL,
  snoozed_until timestamptz,
  muted         boolean     NOT NULL DEFAULT false,
  PRIMARY KEY (team_id, user_id, source, deal_id)
);

-- Channels whose messages are read as deal updates (App Home or DEAL_CHANNELS).
CREATE TABLE deal_channels (
  team_id    text        NOT NULL,
  channel_id text        NOT NULL,
  added_by   text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (team_id, channel_id)
);
