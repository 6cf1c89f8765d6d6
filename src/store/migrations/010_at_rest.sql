-- Reflections and CRM notes encrypted at rest (docs/encryption.md). One row: a known text sealed with
-- the key the data is encrypted with, so a start with another key stops with a clear error before any
-- row is read. Its presence also records that the rows written before encryption have been sealed.
CREATE TABLE at_rest_key (
  id         integer     PRIMARY KEY CHECK (id = 1),
  key_check  text        NOT NULL,
  created_at timestamptz NOT NULL
);
