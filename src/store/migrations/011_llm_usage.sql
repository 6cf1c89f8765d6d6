-- Tokens spent on the optional model, per workspace and UTC day (LLM_DAILY_TOKEN_CAP, docs/llm.md).
-- Workspace data with no personal content: a team id, a date and a count. Rows older than a week are
-- deleted as new ones are counted; forgetting a team deletes its rows.
CREATE TABLE llm_usage (
  team_id text   NOT NULL,
  day     date   NOT NULL,
  tokens  bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (team_id, day)
);
