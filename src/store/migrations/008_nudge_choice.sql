-- Deal nudges are chosen (README "Deal nudges: your choice"). Kept within PostgreSQL 15.

-- Which nudge carried a rep's one-time introduction to nudges, claimed by one sender before it posts:
-- the invitation (Keep them coming / No thanks) when nudges are off by default, or the notice on the
-- first nudge (with Stop) when a workspace admin made them on by default. The claim is what makes the
-- invitation go out once: a second sender, or a retry of another nudge, finds it taken and holds its
-- nudge until the rep chooses.
CREATE TABLE nudge_intros (
  team_id         text        NOT NULL,
  user_id         text        NOT NULL,
  invite_nudge_id bigint,
  invited_at      timestamptz,
  notice_nudge_id bigint,
  noticed_at      timestamptz,
  PRIMARY KEY (team_id, user_id)
);

-- An admin's "nudges on by default" for the workspace (`/coach nudges default on`).
ALTER TABLE workspace_settings ADD COLUMN nudges_default_on boolean NOT NULL DEFAULT false;

-- Until now every user's settings said nudges: true without their choosing it. That default is not a
-- choice: it is removed, so those reps get the invitation too. An explicit "off" stays.
UPDATE users SET settings = settings - 'nudges' WHERE settings -> 'nudges' = 'true'::jsonb;
