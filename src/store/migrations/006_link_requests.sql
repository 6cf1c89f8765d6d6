-- Links only by their owner. `/coach link EMAIL` takes effect at once only for the caller's own Slack
-- profile e-mail; any other e-mail waits here until a workspace admin approves or declines it in App
-- Home. One row per (e-mail, requester): two people may ask for the same e-mail, and an admin picks.
-- Kept within PostgreSQL 15.
CREATE TABLE link_requests (
  team_id      text        NOT NULL,
  email        text        NOT NULL,
  user_id      text        NOT NULL,
  requested_at timestamptz NOT NULL,
  PRIMARY KEY (team_id, email, user_id)
);
CREATE INDEX link_requests_by_user ON link_requests (team_id, user_id);

-- `/coach unlink`: this Slack user said the CRM e-mail is not (or no longer) theirs, so a later CRM
-- event's users.lookupByEmail does not link them to it again. A /coach link of it by them removes the row.
CREATE TABLE owner_unlinks (
  team_id    text        NOT NULL,
  email      text        NOT NULL,
  user_id    text        NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (team_id, email, user_id)
);
CREATE INDEX owner_unlinks_by_user ON owner_unlinks (team_id, user_id);

-- owner_links.origin gains 'approved' (an admin approved a request); 'link' is now the user's own
-- profile e-mail (or a link made before this migration), 'lookup' a cached users.lookupByEmail.
