-- /coach forget (README "Forget"). What a forgotten user leaves behind: keyed hashes (HMAC-SHA256) of
-- their Slack id and of each CRM e-mail they had, so that later CRM events neither link nor nudge them
-- until they link an e-mail again. A hash names no one: it only answers "is this id or e-mail forgotten?"
-- to whoever holds the key. Kept within PostgreSQL 15.
CREATE TABLE forgotten (
  team_id    text        NOT NULL,
  digest     text        NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (team_id, digest)
);

-- Keys the store makes for itself, created once and shared by every process on the database: the
-- hashes' key when TOKEN_ENCRYPTION_KEY is not set (name 'forget').
CREATE TABLE store_keys (
  name       text        PRIMARY KEY,
  secret     text        NOT NULL,
  created_at timestamptz NOT NULL
);
