-- Weekly prompt delivery at scale (docs/architecture.md, "Journey 3"; BENCHMARKS.md's fan-out benchmark).

-- One pace per workspace, shared by every sender process: next_at is the first free chat.postMessage
-- slot. A sender reserves a few consecutive slots in one statement (the row lock orders senders), so two
-- senders together still post at WEEKLY_RATE_PER_SEC per workspace, not twice that; a 429 moves next_at
-- past Retry-After for all of them.
-- holder is the sender (one pacer of one process) that reserved last, and prev_holder the one before it:
-- a sender that finds another's reservation just before its own knows it shares the workspace.
CREATE TABLE weekly_pace (
  team_id     text        PRIMARY KEY,
  next_at     timestamptz NOT NULL,
  holder      text,
  prev_holder text
);

-- Senders lease pending sends one workspace at a time, earliest first.
CREATE INDEX weekly_sends_pending_by_team ON weekly_sends (team_id, due_at) WHERE status = 'pending';
