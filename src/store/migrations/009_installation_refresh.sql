-- Token rotation: while one process refreshes a workspace's bot token with Slack, it holds this lease, so
-- another process (or `deal-coach weekly send`) waits for the new pair instead of spending the same
-- single-use refresh token. See docs/token-rotation.md.
ALTER TABLE installations ADD COLUMN refreshing_until timestamptz;
