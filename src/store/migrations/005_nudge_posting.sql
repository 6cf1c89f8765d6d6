-- Nudges exactly once across a crash. posting_at is written just before the Web API call that posts
-- a nudge: a nudge leased again with posting_at set may already be in Slack (the process died between
-- posting and marking it sent), so its sender looks for it there (message metadata carries the nudge
-- id) before posting again.
ALTER TABLE nudges ADD COLUMN posting_at timestamptz;
